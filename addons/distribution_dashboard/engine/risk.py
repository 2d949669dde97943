"""At-risk orders: estimated ship date and risk score, with reasons in words.

For an open order the engine looks at how long *similar* orders took at the same
site (same site, order size, product category, weekday of confirmation and
commitment horizon, falling back to coarser groups when history is thin), how busy
the site is now against its usual backlog, and how many of the order's lines are
not in stock.  The commitment horizon (how far out the order was promised: within
1, 2, 3, 5 or 7 days, later, none) matters because sites schedule work to
commitments: an order promised in a week takes a week without being late.

* Expected remaining time: the median of the historical cycle times that are longer
  than the time the order has already spent open (those orders are the ones it still
  resembles), stretched by the backlog ratio, and never shorter than the
  replenishment delay when a line is not in stock (the stock arrives while the
  order waits for its turn, not after it).
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
# At risk from a 30 % chance of missing the commitment: the threshold at which the
# backtest (bench/bench_risk.py) beats the backlog-only baseline on both precision
# and recall, on the demo history at scale 1 and 5 and on the synthetic one.
DEFAULT_THRESHOLD = 30.0


HORIZONS = ((24.0, "1d"), (48.0, "2d"), (72.0, "3d"), (120.0, "5d"), (168.0, "7d"))


def horizon_bucket(lead_h: float | None) -> str:
    """How far out an order was promised, from confirmation (hours)."""
    if lead_h is None:
        return "none"
    return next((name for limit, name in HORIZONS if lead_h <= limit), "later")


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
    lead_h: float | None = None  # commitment minus confirmation (hours), if any


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
            horizon = horizon_bucket(order.lead_h)
            for key in cls.keys(order.site, size, order.category, order.weekday, horizon):
                groups.setdefault(key, []).append(order.cycle_h)
        for values in groups.values():
            values.sort()
        return cls(groups)

    @staticmethod
    def keys(site, size, category, weekday, horizon="none"):
        return (
            ("full", site, size, category, weekday, horizon),
            ("site_size", site, size, horizon),
            ("site", site, horizon),
            ("network", horizon),
            ("site_any", site),
            ("network_any",),
        )

    def similar(self, site, line_count, category, weekday, lead_h=None) -> tuple[list[float], str]:
        size = size_bucket(line_count)
        keys = self.keys(site, size, category, weekday, horizon_bucket(lead_h))
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
    "site_size": "orders of this size and commitment at this site",
    "site": "orders with this commitment at this site",
    "network": "orders with this commitment across the network",
    "site_any": "orders at this site",
    "network_any": "orders across the network",
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
    lead_h = hours(order.confirmed_at, order.promised_at) if order.promised_at else None
    cycles, scope = history.similar(
        order.site, order.line_count, order.category, order.confirmed_at.weekday(), lead_h
    )
    stretch = max(1.0, backlog_ratio)
    # a line not in stock: the order cannot leave before the stock arrives, which
    # runs alongside the rest of its way (not after it)
    delay = replenish_h if order.lines_short else 0.0
    # the orders it still resembles: those that were still open after as long
    remaining_pool = cycles[bisect_right(cycles, elapsed) :] or (
        [max(cycles[-1], elapsed)] if cycles else []
    )
    reasons: list[str] = []
    if remaining_pool:
        remaining = [max((c - elapsed) * stretch, delay) for c in remaining_pool]
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
