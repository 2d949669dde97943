"""Release priority of orders competing for scarce stock (pure Python, no Odoo).

Score
-----
Each order gets a score in ``[0, 100]``: the weighted mean of four components, each in
``[0, 1]``, times 100::

    score = 100 * (w_u * urgency + w_t * tier + w_v * value + w_m * margin)
                / (w_u + w_t + w_v + w_m)

urgency
    From the promised date relative to ``now`` (both passed in; dates and naive
    datetimes may be mixed, a bare date meaning midnight).  With ``days_left = (promised
    - now)`` in days (fractional): ``1`` when overdue or due now (``days_left <= 0``),
    ``0`` when ``days_left >= urgency_horizon_days``, linear in between:
    ``1 - days_left / urgency_horizon_days``.  No promised date gives
    ``no_date_urgency`` (default 0).
tier
    ``tier_scores[customer_tier]`` for a tier name (case-insensitive), a number in
    ``[0, 1]`` used as is (clamped), ``default_tier_score`` for None or an unknown name.
value
    ``min(amount / value_reference, 1)``; amounts ``<= 0`` give 0.
margin
    Margin percent ``= margin / amount * 100`` (0 if ``amount <= 0``), then
    ``clamp(margin_pct / margin_reference_pct, 0, 1)``: negative margins give 0.

Batch order
-----------
:func:`sort_for_release` sorts by score descending (rounded to 9 decimals so float
noise never decides), then promised date ascending (orders without date last), then
``order_id`` ascending.  Order ids must be mutually comparable (ints, or strings).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType

from .common import as_datetime, is_number

DEFAULT_TIER_SCORES: Mapping[str, float] = MappingProxyType(
    {"platinum": 1.0, "gold": 0.75, "silver": 0.5, "bronze": 0.25, "standard": 0.0}
)


@dataclass(frozen=True)
class ScoreWeights:
    """Weights and reference figures of the release score (all defaults documented).

    Attributes:
        urgency, tier, value, margin: relative weights (>= 0, not all 0).
        urgency_horizon_days: orders due this many days ahead or later get urgency 0.
        no_date_urgency: urgency of an order without promised date.
        value_reference: order amount (untaxed, company currency) worth a full value score.
        margin_reference_pct: margin percent worth a full margin score.
        tier_scores: tier name (lower case) to score in ``[0, 1]``.
        default_tier_score: score of a missing or unknown tier.
    """

    urgency: float = 0.4
    tier: float = 0.25
    value: float = 0.2
    margin: float = 0.15
    urgency_horizon_days: float = 14.0
    no_date_urgency: float = 0.0
    value_reference: float = 10_000.0
    margin_reference_pct: float = 40.0
    tier_scores: Mapping[str, float] = field(default_factory=lambda: DEFAULT_TIER_SCORES)
    default_tier_score: float = 0.0

    def __post_init__(self) -> None:
        weights = (self.urgency, self.tier, self.value, self.margin)
        if any(not is_number(weight) or weight < 0 for weight in weights):
            raise ValueError(f"score weights must be numbers >= 0, got {weights}")
        if sum(weights) <= 0:
            raise ValueError("at least one score weight must be > 0")
        for name in ("urgency_horizon_days", "value_reference", "margin_reference_pct"):
            if not is_number(getattr(self, name)) or getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class OrderPriorityInput:
    """Figures of one order for its release score.

    Attributes:
        order_id: identifier, final tie-breaker.
        promised_date: commitment date (date or naive UTC datetime), None if none.
        customer_tier: tier name (see :attr:`ScoreWeights.tier_scores`) or a 0..1 number.
        amount: untaxed order amount in company currency.
        margin: order margin (amount - cost) in company currency.
    """

    order_id: Hashable
    promised_date: date | datetime | None = None
    customer_tier: str | float | None = None
    amount: float = 0.0
    margin: float = 0.0


@dataclass(frozen=True)
class ReleaseScore:
    """Score of one order with its components (each in ``[0, 1]``) for explanations/logs."""

    order_id: Hashable
    score: float
    urgency: float
    tier: float
    value: float
    margin: float
    days_left: float | None


def _clamp(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def urgency_component(
    promised_date: date | datetime | None,
    now: date | datetime,
    weights: ScoreWeights | None = None,
) -> tuple[float, float | None]:
    """Return ``(urgency in [0, 1], days_left or None)``; see the module documentation."""
    weights = weights or ScoreWeights()
    if promised_date is None:
        return _clamp(weights.no_date_urgency), None
    delta = as_datetime(promised_date) - as_datetime(now)
    days_left = delta.total_seconds() / 86_400
    if days_left <= 0:
        return 1.0, days_left
    return _clamp(1 - days_left / weights.urgency_horizon_days), days_left


def tier_component(customer_tier: str | float | None, weights: ScoreWeights | None = None) -> float:
    """Return the tier score in ``[0, 1]``; see the module documentation."""
    weights = weights or ScoreWeights()
    if customer_tier is None:
        return _clamp(weights.default_tier_score)
    if is_number(customer_tier):
        return _clamp(float(customer_tier))
    if isinstance(customer_tier, str):
        scores = {name.lower(): score for name, score in weights.tier_scores.items()}
        return _clamp(scores.get(customer_tier.strip().lower(), weights.default_tier_score))
    raise TypeError(f"customer tier must be a name or a number, got {customer_tier!r}")


def release_score(
    order: OrderPriorityInput, now: date | datetime, weights: ScoreWeights | None = None
) -> ReleaseScore:
    """Compute the release priority score of one order (higher is released first)."""
    weights = weights or ScoreWeights()
    for name in ("amount", "margin"):
        if not is_number(getattr(order, name)):
            raise ValueError(f"order {order.order_id!r}: {name} is not a number")
    urgency, days_left = urgency_component(order.promised_date, now, weights)
    tier = tier_component(order.customer_tier, weights)
    value = _clamp(order.amount / weights.value_reference) if order.amount > 0 else 0.0
    margin_pct = order.margin / order.amount * 100 if order.amount > 0 else 0.0
    margin = _clamp(margin_pct / weights.margin_reference_pct)
    total_weight = weights.urgency + weights.tier + weights.value + weights.margin
    score = (
        100
        * (
            weights.urgency * urgency
            + weights.tier * tier
            + weights.value * value
            + weights.margin * margin
        )
        / total_weight
    )
    return ReleaseScore(
        order_id=order.order_id,
        score=score,
        urgency=urgency,
        tier=tier,
        value=value,
        margin=margin,
        days_left=days_left,
    )


def sort_for_release(
    orders: Iterable[OrderPriorityInput],
    now: date | datetime,
    weights: ScoreWeights | None = None,
) -> list[ReleaseScore]:
    """Score the orders and return their scores in release order (see module documentation)."""
    weights = weights or ScoreWeights()
    scored = []
    for order in orders:
        result = release_score(order, now, weights)
        promised = as_datetime(order.promised_date)
        date_key = (0, promised) if promised is not None else (1,)
        scored.append(((-round(result.score, 9), date_key, order.order_id), result))
    scored.sort(key=lambda item: item[0])
    return [result for _key, result in scored]
