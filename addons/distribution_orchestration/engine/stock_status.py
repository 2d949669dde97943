"""Standard multi-site inventory status and rebalancing suggestions (pure Python, no Odoo).

One definition, used everywhere (the SQL report, the allocation screens, the
rebalancing wizard): :func:`stock_status` in Python and :func:`status_sql` for the
same rule as a SQL ``CASE`` expression (the report view is SQL, ``_auto = False``).
What is *available* is defined once, in :mod:`.atp` (available to promise).

Definitions (quantities in the product's stock unit, per product x warehouse)
-------------------------------------------------------------------------------
usable
    ``max(on_hand - reserved - unavailable, 0)`` (:func:`.atp.available_to_promise`):
    stock that could be picked now, safety stock included; quarantined, held and
    expired lots are not usable.
available to promise
    ``max(usable - safety_stock, 0)``, the figure the order pipeline promises from.
projected
    ``on_hand + incoming - outgoing`` over the horizon (Odoo's forecast: reserved
    quantities belong to outgoing moves, so they are not subtracted twice).  Shown for
    information; the status does not use it.
days_of_cover
    ``usable / demand_per_day`` when ``demand_per_day > 0`` (recent average
    outgoing demand per day), otherwise ``None`` (no demand: unbounded cover).
status, first rule that matches
    1. ``stock_out``     ``usable <= 0``
    2. ``below_safety``  ``usable < safety_stock`` (nothing to promise: ATP is 0)
    3. ``excess``        ``demand_per_day > 0`` and ``days_of_cover > excess_days_of_cover``;
       or ``demand_per_day <= 0`` and ``zero_demand_is_excess`` and ``usable >
       safety_stock`` (stock nobody asked for recently)
    4. ``healthy``       otherwise.

    Boundaries: ``usable == safety_stock`` is healthy (not below safety), cover
    exactly equal to the threshold is healthy (excess is strictly above).

Rebalancing (:func:`suggest_rebalancing`, one product over many warehouses)
---------------------------------------------------------------------------
``target_level = max(safety_stock, demand_per_day * target_days_of_cover)``.
Sources are the sites in ``excess``; each can give ``usable - target_level``, so a
source never falls below its own target (hence never below its safety stock, and
never gives more than its available to promise).  Destinations are the sites
``stock_out`` or ``below_safety``; each needs ``target_level - usable``.
Destinations are served most urgent first: stock-outs, then lower days of cover (no
demand last), then larger need, then warehouse id.  For each destination, sources are
taken by distance (if a distance map is given), then larger remaining surplus, then
warehouse id.  Quantities are rounded *down* to
multiples of ``rounding`` (0 disables rounding) and transfers below ``min_quantity``
are not proposed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from .atp import AvailabilityInputError, available_to_promise
from .common import EPS, fmt_qty, is_number


class StockStatus(StrEnum):
    """Standard status of a product in a warehouse."""

    STOCK_OUT = "stock_out"
    BELOW_SAFETY = "below_safety"
    HEALTHY = "healthy"
    EXCESS = "excess"


@dataclass(frozen=True)
class StatusParams:
    """Status thresholds.

    Attributes:
        excess_days_of_cover: above this cover (strictly) a site is in excess.
        zero_demand_is_excess: stock above safety with no recent demand is excess.
    """

    excess_days_of_cover: float = 90.0
    zero_demand_is_excess: bool = True

    def __post_init__(self) -> None:
        if not is_number(self.excess_days_of_cover) or self.excess_days_of_cover < 0:
            raise ValueError(
                f"excess_days_of_cover must be a number >= 0, got {self.excess_days_of_cover!r}"
            )


@dataclass(frozen=True)
class StockStatusResult:
    """Figures and status of one product in one warehouse.

    ``usable`` and ``available_to_promise`` are :func:`.atp.available_to_promise`'s
    ``usable_now`` and ``now``.
    """

    usable: float
    available_to_promise: float
    projected: float
    days_of_cover: float | None
    status: StockStatus


def _check_numbers(**figures: float) -> None:
    for name, value in figures.items():
        if not is_number(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")


def classify(
    usable: float,
    safety_stock: float,
    demand_per_day: float,
    params: StatusParams | None = None,
) -> StockStatus:
    """Status from the usable quantity, safety stock and demand (rules in the module doc)."""
    params = params or StatusParams()
    if usable <= EPS:
        return StockStatus.STOCK_OUT
    if usable < safety_stock - EPS:
        return StockStatus.BELOW_SAFETY
    if demand_per_day > 0:
        if usable / demand_per_day > params.excess_days_of_cover:
            return StockStatus.EXCESS
    elif params.zero_demand_is_excess and usable > safety_stock + EPS:
        return StockStatus.EXCESS
    return StockStatus.HEALTHY


def stock_status(
    on_hand: float,
    *,
    reserved: float = 0.0,
    incoming: float = 0.0,
    outgoing: float = 0.0,
    safety_stock: float = 0.0,
    demand_per_day: float = 0.0,
    unavailable: float = 0.0,
    params: StatusParams | None = None,
) -> StockStatusResult:
    """Usable, available to promise, projected, days of cover and status of one product
    in one warehouse.

    Args:
        on_hand: quantity on hand.
        reserved: quantity reserved for outgoing moves.
        incoming, outgoing: quantities expected in/out within the horizon.
        safety_stock: the site's safety stock (e.g. the reordering rule's minimum).
        demand_per_day: recent average demand per day (>= 0).
        unavailable: unreserved quantity in quarantined, held or expired lots.
        params: thresholds.
    """
    _check_numbers(
        incoming=incoming,
        outgoing=outgoing,
        demand_per_day=demand_per_day,
    )
    try:
        atp = available_to_promise(on_hand, reserved, safety_stock, unavailable)
    except AvailabilityInputError as error:
        raise ValueError(str(error)) from None
    usable = atp.usable_now
    projected = on_hand + incoming - outgoing
    cover = usable / demand_per_day if demand_per_day > 0 else None
    status = classify(usable, safety_stock, demand_per_day, params)
    return StockStatusResult(usable, atp.now, projected, cover, status)


def status_sql(
    usable: str,
    safety_stock: str,
    demand_per_day: str,
    params: StatusParams | None = None,
) -> str:
    """The status rule as a SQL ``CASE`` expression over the given column expressions.

    The thresholds are inlined as numeric literals (validated numbers, no user text), so
    the expression can be embedded in the report view's ``SELECT``.  It yields the same
    status as :func:`classify` (tolerance included).
    """
    params = params or StatusParams()
    days = float(params.excess_days_of_cover)
    zero_demand = (
        f"WHEN {demand_per_day} <= 0 AND {usable} > {safety_stock} + {EPS!r} "
        f"THEN '{StockStatus.EXCESS}' "
        if params.zero_demand_is_excess
        else ""
    )
    return (
        "CASE "
        f"WHEN {usable} <= {EPS!r} THEN '{StockStatus.STOCK_OUT}' "
        f"WHEN {usable} < {safety_stock} - {EPS!r} THEN '{StockStatus.BELOW_SAFETY}' "
        f"WHEN {demand_per_day} > 0 AND {usable} > {demand_per_day} * {days!r} "
        f"THEN '{StockStatus.EXCESS}' "
        f"{zero_demand}"
        f"ELSE '{StockStatus.HEALTHY}' END"
    )


# ---------------------------------------------------------------------------------------
# Rebalancing
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SitePosition:
    """One product's position at one warehouse, for rebalancing.

    ``usable`` is the usable quantity (see :func:`stock_status`): on hand - reserved -
    quarantined/held/expired, before safety stock.
    """

    warehouse_id: int
    usable: float
    safety_stock: float = 0.0
    demand_per_day: float = 0.0


@dataclass(frozen=True)
class RebalanceParams:
    """Rebalancing parameters.

    Attributes:
        target_days_of_cover: cover each site should keep (or reach); with the safety
            stock it defines the target level.
        status: thresholds deciding which sites are in excess / below safety.
        min_quantity: smallest transfer worth proposing.
        rounding: transfer quantities are floored to multiples of it (0: no rounding).
    """

    target_days_of_cover: float = 30.0
    status: StatusParams = field(default_factory=StatusParams)
    min_quantity: float = 1.0
    rounding: float = 1.0

    def __post_init__(self) -> None:
        for name in ("target_days_of_cover", "min_quantity", "rounding"):
            value = getattr(self, name)
            if not is_number(value) or value < 0:
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")


@dataclass(frozen=True)
class TransferSuggestion:
    """A proposed inter-warehouse transfer."""

    product_id: int | None
    from_warehouse_id: int
    to_warehouse_id: int
    quantity: float
    explanation: str


def target_level(position: SitePosition, params: RebalanceParams | None = None) -> float:
    """``max(safety_stock, demand_per_day * target_days_of_cover)``."""
    params = params or RebalanceParams()
    return max(
        position.safety_stock, max(position.demand_per_day, 0.0) * params.target_days_of_cover
    )


def _round_down(quantity: float, rounding: float) -> float:
    if rounding <= 0:
        return quantity
    return math.floor(quantity / rounding + EPS) * rounding


def suggest_rebalancing(
    positions: Sequence[SitePosition],
    params: RebalanceParams | None = None,
    *,
    product_id: int | None = None,
    distance: Mapping[tuple[int, int], float] | None = None,
) -> list[TransferSuggestion]:
    """Propose transfers of one product from excess sites to sites below safety.

    Args:
        positions: the product's position at each warehouse (ids unique).
        params: targets, thresholds, rounding.
        product_id: copied to the suggestions.
        distance: optional ``{(from_id, to_id): distance}``; missing pairs count as 0.

    Returns:
        Suggestions in decision order (deterministic; rules in the module doc).
    """
    params = params or RebalanceParams()
    seen: set[int] = set()
    for position in positions:
        if position.warehouse_id in seen:
            raise ValueError(f"duplicate warehouse id {position.warehouse_id!r}")
        seen.add(position.warehouse_id)
        _check_numbers(
            usable=position.usable,
            safety_stock=position.safety_stock,
            demand_per_day=position.demand_per_day,
        )
    surplus: dict[int, float] = {}
    needs: list[tuple[tuple, SitePosition, float]] = []
    for position in positions:
        usable = max(position.usable, 0.0)
        status = classify(usable, position.safety_stock, position.demand_per_day, params.status)
        target = target_level(position, params)
        if status is StockStatus.EXCESS and usable - target > EPS:
            surplus[position.warehouse_id] = usable - target
        elif status in (StockStatus.STOCK_OUT, StockStatus.BELOW_SAFETY) and target > usable:
            cover = usable / position.demand_per_day if position.demand_per_day > 0 else math.inf
            need = target - usable
            key = (status is not StockStatus.STOCK_OUT, cover, -need, position.warehouse_id)
            needs.append((key, position, need))
    needs.sort(key=lambda item: item[0])
    suggestions: list[TransferSuggestion] = []
    for _key, destination, need in needs:
        to_id = destination.warehouse_id
        left = need
        while left > EPS:
            candidates = [
                ((distance or {}).get((from_id, to_id), 0.0), -amount, from_id)
                for from_id, amount in surplus.items()
                if amount > EPS
            ]
            if not candidates:
                break
            _dist, _neg, from_id = min(candidates)
            quantity = _round_down(min(left, surplus[from_id]), params.rounding)
            if quantity <= EPS or quantity < params.min_quantity - EPS:
                if left <= surplus[from_id] + EPS:
                    break  # what this destination still needs is too small to move
                surplus[from_id] = 0.0  # this source's remainder is too small for anyone
                continue
            surplus[from_id] -= quantity
            left -= quantity
            suggestions.append(
                TransferSuggestion(
                    product_id=product_id,
                    from_warehouse_id=from_id,
                    to_warehouse_id=to_id,
                    quantity=quantity,
                    explanation=(
                        f"Move {fmt_qty(quantity)} from warehouse {from_id} (in excess) to "
                        f"warehouse {to_id} ({fmt_qty(destination.usable)} usable, "
                        f"safety stock {fmt_qty(destination.safety_stock)}, target "
                        f"{fmt_qty(need + destination.usable)})."
                    ),
                )
            )
    return suggestions
