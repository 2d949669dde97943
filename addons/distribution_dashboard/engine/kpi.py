"""The dashboard's KPI definitions: one place, no Odoo.

Every figure the dashboard, the activities and the README show is defined here,
in words (:data:`KPIS`) and in code (the functions below).  The SQL facts of the
addon (``models/distribution_dashboard_*_fact.py``) derive the same per-record
facts in PostgreSQL for scale; the Odoo tests compute every KPI on one hand-built
fixture through both paths and compare them with the known answers.

Definitions (the README copies them from :data:`KPIS`):

* An *order* counts once it is confirmed (``state = 'sale'``); its *site* is the
  order's warehouse, its *segment* the customer's tier.  A *line* is a goods line
  (no section/note, no service).  A *shipment* is a done outgoing delivery of the
  order; an order is *shipped* when it has one and no open delivery is left.
* Shipped-order KPIs are attributed to the period of the order's last shipment.

Percentiles interpolate linearly between the closest ranks, as PostgreSQL's
``percentile_cont`` does.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

EPS = 1e-9
HOUR = 3600.0

GRAINS = ("day", "week", "month")


@dataclass(frozen=True)
class Kpi:
    code: str
    label: str
    unit: str  # "h", "%", "lines", "days"
    better: str  # "higher" or "lower": which side of the target is good
    definition: str
    needs: str | None = None  # the model that must exist (optional figures of other addons)


KPIS: tuple[Kpi, ...] = (
    Kpi(
        "cycle_median_h",
        "Order cycle time (median)",
        "h",
        "lower",
        "Median of hours from order confirmation to its last shipment, over shipped orders.",
    ),
    Kpi(
        "cycle_p90_h",
        "Order cycle time (p90)",
        "h",
        "lower",
        "90th percentile of the same hours (linear interpolation).",
    ),
    Kpi(
        "fill_rate",
        "Fill rate",
        "%",
        "higher",
        "Lines of shipped orders whose whole ordered quantity left in the order's first "
        "shipment, over all lines of shipped orders.",
    ),
    Kpi(
        "on_time_rate",
        "On-time ship rate",
        "%",
        "higher",
        "Shipped orders with a commitment date whose last shipment was done at or before "
        "it, over shipped orders with a commitment date.",
    ),
    Kpi(
        "otif_rate",
        "On time in full (OTIF)",
        "%",
        "higher",
        "Shipped orders with a commitment date that were on time and had every line "
        "complete in the first shipment, over the same denominator.",
    ),
    Kpi(
        "backlog_lines",
        "Backlog (open lines)",
        "lines",
        "lower",
        "Lines of allocated, released or partially shipped orders whose delivered quantity "
        "is below the ordered quantity, now.",
    ),
    Kpi(
        "backlog_age_days",
        "Backlog age (average)",
        "days",
        "lower",
        "Average days since confirmation of the orders behind the open lines, now.",
    ),
    Kpi(
        "exception_rate",
        "Exception rate",
        "%",
        "lower",
        "Orders confirmed in the period that had at least one hold, over orders confirmed "
        "in the period (by reason: orders with a hold of that reason).",
    ),
    Kpi(
        "hold_resolution_h",
        "Hold resolution time (median)",
        "h",
        "lower",
        "Median hours from a hold's creation to its release or rejection, over holds "
        "resolved in the period (by reason).",
    ),
    Kpi(
        "pick_to_ship_h",
        "Pick-to-ship time (median)",
        "h",
        "lower",
        "Median hours from a delivery's creation (release to the warehouse) to its "
        "validation, over deliveries done in the period.",
    ),
    Kpi(
        "integration_failure_rate",
        "Integration failure rate",
        "%",
        "lower",
        "EDI exchanges created in the period that are rejected, in error or parked, over "
        "all exchanges created in the period (network only: exchanges have no site).",
        needs="wms.exchange",
    ),
    Kpi(
        "excursion_count",
        "Excursions",
        "count",
        "lower",
        "Temperature excursions that started in the period.",
        needs="coldchain.excursion",
    ),
    Kpi(
        "excursion_hours",
        "Time in excursion",
        "h",
        "lower",
        "Hours from start to end (or to now while ongoing) of the excursions that started "
        "in the period.",
        needs="coldchain.excursion",
    ),
    Kpi(
        "approval_latency_h",
        "Approval latency (median)",
        "h",
        "lower",
        "Median hours from an approval request (the creation of its tier reviews) to its "
        "decision (the latest approval once every tier is approved, or the first "
        "rejection), over requests decided in the period (network only; by flow: the "
        "document type).",
        needs="tier.review",
    ),
)
KPI_BY_CODE: dict[str, Kpi] = {kpi.code: kpi for kpi in KPIS}


# ---------------------------------------------------------------- maths


def percentile(values: Iterable[float], q: float) -> float | None:
    """``percentile_cont(q)``: linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return None
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"percentile q must be within [0, 1], got {q!r}")
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Iterable[float]) -> float | None:
    return percentile(values, 0.5)


def rate(numerator: int, denominator: int) -> float | None:
    """A share in percent, or None when nothing was counted."""
    return None if not denominator else 100.0 * numerator / denominator


def hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / HOUR


def period_start(moment: datetime | date, grain: str) -> date:
    """Start of the period (``date_trunc``): day, ISO week (Monday) or month."""
    day = moment.date() if isinstance(moment, datetime) else moment
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown grain {grain!r}, expected one of {GRAINS}")


def next_period(start: date, grain: str) -> date:
    """Start of the period after the one starting at ``start``."""
    if grain == "day":
        return start + timedelta(days=1)
    if grain == "week":
        return start + timedelta(days=7)
    if grain == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    raise ValueError(f"unknown grain {grain!r}, expected one of {GRAINS}")


def period_window(now: datetime | date, grain: str, count: int) -> list[date]:
    """Starts of the ``count`` periods ending with the current one, oldest first."""
    if count < 1:
        raise ValueError("a window has at least one period")
    starts = [period_start(now, grain)]
    for _i in range(count - 1):
        starts.insert(0, period_start(starts[0] - timedelta(days=1), grain))
    return starts


def below_target(code: str, value: float | None, target: float | None) -> bool:
    """True when ``value`` is on the wrong side of ``target`` for this KPI."""
    if value is None or target is None:
        return False
    if KPI_BY_CODE[code].better == "higher":
        return value < target - EPS
    return value > target + EPS


# ---------------------------------------------------------------- per-order facts


@dataclass(frozen=True)
class Shipment:
    picking_id: int
    done_at: datetime
    quantities: Mapping[int, float]  # line id -> quantity shipped


@dataclass(frozen=True)
class OrderInput:
    order_id: int
    site: int
    segment: str
    confirmed_at: datetime
    promised_at: datetime | None
    lines: Mapping[int, float]  # line id -> ordered quantity
    shipments: Sequence[Shipment] = ()
    open_deliveries: int = 0


@dataclass(frozen=True)
class OrderFacts:
    order_id: int
    site: int
    segment: str
    confirmed_at: datetime
    shipped: bool
    shipped_at: datetime | None
    cycle_h: float | None
    line_count: int
    lines_in_full: int
    on_time: bool | None  # None: not shipped or no commitment date
    otif: bool | None


def order_facts(order: OrderInput) -> OrderFacts:
    shipments = sorted(order.shipments, key=lambda s: (s.done_at, s.picking_id))
    shipped = bool(shipments) and not order.open_deliveries
    shipped_at = shipments[-1].done_at if shipped else None
    first = shipments[0].quantities if shipments else {}
    in_full = sum(1 for line, qty in order.lines.items() if first.get(line, 0.0) >= qty - EPS)
    on_time = otif = None
    if shipped and order.promised_at is not None:
        on_time = shipped_at <= order.promised_at
        otif = on_time and in_full == len(order.lines)
    return OrderFacts(
        order_id=order.order_id,
        site=order.site,
        segment=order.segment,
        confirmed_at=order.confirmed_at,
        shipped=shipped,
        shipped_at=shipped_at,
        cycle_h=hours(order.confirmed_at, shipped_at) if shipped else None,
        line_count=len(order.lines),
        lines_in_full=in_full,
        on_time=on_time,
        otif=otif,
    )


# ---------------------------------------------------------------- aggregates


def shipped_order_kpis(facts: Iterable[OrderFacts]) -> dict[str, float | None]:
    shipped = [f for f in facts if f.shipped]
    cycles = [f.cycle_h for f in shipped]
    promised = [f for f in shipped if f.on_time is not None]
    return {
        "cycle_median_h": median(cycles),
        "cycle_p90_h": percentile(cycles, 0.9),
        "fill_rate": rate(
            sum(f.lines_in_full for f in shipped), sum(f.line_count for f in shipped)
        ),
        "on_time_rate": rate(sum(1 for f in promised if f.on_time), len(promised)),
        "otif_rate": rate(sum(1 for f in promised if f.otif), len(promised)),
    }


@dataclass(frozen=True)
class BacklogLine:
    line_id: int
    site: int
    confirmed_at: datetime


def backlog_kpis(lines: Iterable[BacklogLine], now: datetime) -> dict[str, float | None]:
    ages = [hours(line.confirmed_at, now) / 24.0 for line in lines]
    return {
        "backlog_lines": float(len(ages)),
        "backlog_age_days": sum(ages) / len(ages) if ages else None,
    }


@dataclass(frozen=True)
class HoldFact:
    hold_id: int
    order_id: int
    site: int
    reason: str
    created_at: datetime
    resolved_at: datetime | None = None  # released or rejected


def exception_kpis(confirmed_orders: Iterable[int], holds: Iterable[HoldFact]) -> dict[str, object]:
    """Exception rate overall and by reason, over the orders confirmed in the period."""
    orders = set(confirmed_orders)
    by_reason: dict[str, set[int]] = defaultdict(set)
    held: set[int] = set()
    for hold in holds:
        if hold.order_id in orders:
            held.add(hold.order_id)
            by_reason[hold.reason].add(hold.order_id)
    return {
        "exception_rate": rate(len(held), len(orders)),
        "exception_rate_by_reason": {
            reason: rate(len(ids), len(orders)) for reason, ids in sorted(by_reason.items())
        },
    }


def hold_resolution_kpis(holds: Iterable[HoldFact]) -> dict[str, object]:
    by_reason: dict[str, list[float]] = defaultdict(list)
    everything: list[float] = []
    for hold in holds:
        if hold.resolved_at is None:
            continue
        duration = hours(hold.created_at, hold.resolved_at)
        everything.append(duration)
        by_reason[hold.reason].append(duration)
    return {
        "hold_resolution_h": median(everything),
        "hold_resolution_h_by_reason": {
            reason: median(values) for reason, values in sorted(by_reason.items())
        },
    }


@dataclass(frozen=True)
class DeliveryFact:
    picking_id: int
    site: int
    created_at: datetime
    done_at: datetime


def pick_to_ship_kpis(deliveries: Iterable[DeliveryFact]) -> dict[str, float | None]:
    return {"pick_to_ship_h": median(hours(d.created_at, d.done_at) for d in deliveries)}


FAILED_EXCHANGE_STATES = ("rejected", "error", "parked")


def integration_kpis(exchange_states: Iterable[str]) -> dict[str, float | None]:
    states = list(exchange_states)
    failed = sum(1 for s in states if s in FAILED_EXCHANGE_STATES)
    return {"integration_failure_rate": rate(failed, len(states))}


def excursion_kpis(
    excursions: Iterable[tuple[datetime, datetime | None]], now: datetime
) -> dict[str, float | None]:
    """``excursions``: (start, end or None while ongoing) of those started in the period."""
    spans = [hours(start, end or now) for start, end in excursions]
    return {"excursion_count": float(len(spans)), "excursion_hours": sum(spans)}


REVIEW_APPROVED = "approved"
REVIEW_REJECTED = "rejected"


@dataclass(frozen=True)
class TierReviewFact:
    """One tier's review of an approval request (base_tier_validation's ``tier.review``:
    status waiting, pending, approved, rejected or cancel)."""

    status: str
    created_at: datetime
    reviewed_at: datetime | None = None


@dataclass(frozen=True)
class ApprovalRequest:
    """The reviews of one document under approval: all its tiers' reviews are created
    at the request (a restart deletes them), so one document holds one request."""

    flow: str  # the document type (model), e.g. "purchase.order"
    res_id: int
    reviews: Sequence[TierReviewFact]


def approval_decision(
    reviews: Iterable[TierReviewFact],
) -> tuple[datetime, datetime | None]:
    """(requested_at, decided_at or None) of one request.

    Requested: the earliest creation of its reviews.  Decided: if a review is
    rejected, the earliest rejection's review date; else, once every review is
    approved, the latest review date; else undecided.  Reviews without a review
    date are ignored there (as SQL's ``min``/``max`` ignore NULL)."""
    reviews = list(reviews)
    if not reviews:
        raise ValueError("an approval request has at least one review")
    requested_at = min(r.created_at for r in reviews)
    rejected = [r.reviewed_at for r in reviews if r.status == REVIEW_REJECTED]
    if rejected:
        dates = [d for d in rejected if d is not None]
        return requested_at, min(dates) if dates else None
    if all(r.status == REVIEW_APPROVED for r in reviews):
        dates = [r.reviewed_at for r in reviews if r.reviewed_at is not None]
        return requested_at, max(dates) if dates else None
    return requested_at, None


def approval_latency_kpis(
    requests: Iterable[ApprovalRequest],
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, object]:
    """Median latency overall and by flow, over the requests decided within
    [start, end) (every decided request when no window is given)."""
    by_flow: dict[str, list[float]] = defaultdict(list)
    everything: list[float] = []
    for request in requests:
        requested_at, decided_at = approval_decision(request.reviews)
        if decided_at is None:
            continue
        if (start is not None and decided_at < start) or (end is not None and decided_at >= end):
            continue
        latency = hours(requested_at, decided_at)
        everything.append(latency)
        by_flow[request.flow].append(latency)
    return {
        "approval_latency_h": median(everything),
        "approval_latency_h_by_flow": {
            flow: median(values) for flow, values in sorted(by_flow.items())
        },
    }


def network_median_variance(values_by_site: Mapping[int, float | None]) -> dict[str, object]:
    """Each site's value against the median of the sites' values (how far it drifts)."""
    known = {site: v for site, v in values_by_site.items() if v is not None}
    centre = median(known.values())
    variance: dict[int, float | None] = {}
    for site, value in values_by_site.items():
        if value is None or centre is None:
            variance[site] = None
        else:
            variance[site] = value - centre
    return {"median": centre, "variance": variance}


@dataclass
class TileTrend:
    """Values of one KPI over consecutive periods, oldest first."""

    values: list[float | None] = field(default_factory=list)

    @property
    def direction(self) -> str:
        known = [v for v in self.values if v is not None]
        if len(known) < 2 or abs(known[-1] - known[-2]) < EPS:
            return "flat"
        return "up" if known[-1] > known[-2] else "down"
