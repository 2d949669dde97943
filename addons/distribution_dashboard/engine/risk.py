"""At-risk orders: estimated ship date and risk score, with reasons in words.

For an open order the engine looks at how long *similar* orders took at the same
site (same site, order size, product category and weekday of confirmation, falling
back to coarser groups when history is thin), how busy the site is now against its
usual backlog, and how many of the order's lines are not in stock.

* Expected remaining time: the median of the historical cycle times that are longer
  than the time the order has already spent open (those orders are the ones it still
  resembles), stretched by the backlog ratio, plus a replenishment delay when a line
  is not in stock.
* Risk: the share of those historical cycle times that, stretched and delayed the
  same way, end after the commitment date (0..100).  An order already past its
  commitment scores 100.

Pure Python; the dashboard's models gather the inputs in batch and store the result.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .kpi import hours, median

MIN_SAMPLES = 20
DEFAULT_REPLENISH_H = 72.0
DEFAULT_THRESHOLD = 50.0


def size_bucket(line_count: int) -> str:
    if line_count <= 1:
        return "1"
    if line_count <= 3:
        return "2-3"
    return "4+"


@dataclass(frozen=True)
class HistoryOrder:
    site: int
    line_count: int
    category: int | None
    weekday: int
    cycle_h: float


@dataclass(frozen=True)
class OpenOrder:
    order_id: int
    site: int
    confirmed_at: datetime
    promised_at: datetime | None
    line_count: int
    category: int | None
    lines_short: int = 0  # lines whose quantity is not available at the site
    value: float = 0.0  # customer impact, for sorting


@dataclass(frozen=True)
class Assessment:
    order_id: int
    score: float
    estimated_ship: datetime
    reasons: tuple[str, ...]
    suggested_action: str  # "reallocate", "expedite", "inform_customer" or "none"


@dataclass
class History:
    """Sorted cycle times per similarity key, coarsest last."""

    groups: dict[tuple, list[float]] = field(default_factory=dict)

    @classmethod
    def build(cls, orders: Iterable[HistoryOrder]) -> History:
        groups: dict[tuple, list[float]] = {}
        for order in orders:
            size = size_bucket(order.line_count)
            for key in cls.keys(order.site, size, order.category, order.weekday):
                groups.setdefault(key, []).append(order.cycle_h)
        for values in groups.values():
            values.sort()
        return cls(groups)

    @staticmethod
    def keys(site, size, category, weekday):
        return (
            ("full", site, size, category, weekday),
            ("site_size", site, size),
            ("site", site),
            ("network",),
        )

    def similar(self, site, line_count, category, weekday) -> tuple[list[float], str]:
        size = size_bucket(line_count)
        keys = self.keys(site, size, category, weekday)
        for key in keys:
            values = self.groups.get(key)
            if values and len(values) >= MIN_SAMPLES:
                return values, key[0]
        for key in reversed(keys):  # thin everywhere: the broadest there is
            if self.groups.get(key):
                return self.groups[key], key[0]
        return [], "none"


SCOPE_WORDS = {
    "full": "similar orders at this site",
    "site_size": "orders of this size at this site",
    "site": "orders at this site",
    "network": "orders across the network",
}


def fmt_h(value: float) -> str:
    return f"{value / 24:.1f} days" if value >= 48 else f"{value:.0f} h"


def assess(
    order: OpenOrder,
    history: History,
    now: datetime,
    backlog_ratio: float = 1.0,
    replenish_h: float = DEFAULT_REPLENISH_H,
) -> Assessment:
    elapsed = max(0.0, hours(order.confirmed_at, now))
    cycles, scope = history.similar(
        order.site, order.line_count, order.category, order.confirmed_at.weekday()
    )
    stretch = max(1.0, backlog_ratio)
    delay = replenish_h if order.lines_short else 0.0
    # the orders it still resembles: those that were still open after as long
    remaining_pool = cycles[bisect_right(cycles, elapsed) :] or (
        [max(cycles[-1], elapsed)] if cycles else []
    )
    reasons: list[str] = []
    if remaining_pool:
        remaining = [(c - elapsed) * stretch + delay for c in remaining_pool]
        expected_remaining = median(remaining)
    else:
        remaining = []
        expected_remaining = delay or 24.0
        reasons.append("no history at this site yet")
    estimated = now + timedelta(hours=expected_remaining)
    if order.promised_at is None:
        score = 0.0
    elif order.promised_at <= now:
        score = 100.0
        reasons.append(f"already {fmt_h(hours(order.promised_at, now))} past its commitment")
    else:
        left = hours(now, order.promised_at)
        late = (
            sum(1 for r in remaining if r > left) if remaining else int(expected_remaining > left)
        )
        score = 100.0 * late / (len(remaining) or 1)
        if cycles:
            reasons.append(
                f"{SCOPE_WORDS[scope]} take {fmt_h(median(cycles))} (median); "
                f"{fmt_h(left)} left to the commitment"
            )
    if backlog_ratio >= 1.2:
        reasons.append(f"site backlog {backlog_ratio:.1f}× usual")
    if order.lines_short:
        reasons.append(f"{order.lines_short} of {order.line_count} lines not in stock")
    if score < 1e-9:
        action = "none"
    elif order.lines_short:
        action = "reallocate"
    elif order.promised_at is not None and order.promised_at <= now:
        action = "inform_customer"
    else:
        action = "expedite"
    return Assessment(order.order_id, round(score, 1), estimated, tuple(reasons), action)


def assess_all(
    orders: Sequence[OpenOrder],
    history: History,
    now: datetime,
    backlog_ratio_by_site: Mapping[int, float],
    replenish_h: float = DEFAULT_REPLENISH_H,
) -> list[Assessment]:
    """Assessments sorted for the worklist: highest score first, then customer impact."""
    by_id = {o.order_id: o for o in orders}
    result = [
        assess(o, history, now, backlog_ratio_by_site.get(o.site, 1.0), replenish_h) for o in orders
    ]
    result.sort(key=lambda a: (-a.score, -by_id[a.order_id].value, a.order_id))
    return result


def precision_recall(predicted: Iterable[bool], actual: Iterable[bool]) -> tuple[float, float]:
    tp = fp = fn = 0
    for p, a in zip(predicted, actual, strict=True):
        tp += p and a
        fp += p and not a
        fn += a and not p
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall
