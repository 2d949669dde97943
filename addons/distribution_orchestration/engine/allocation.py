"""Allocation of sales order lines to warehouses (pure Python, no Odoo).

Plain data in, plain data out.  The Odoo adapter gathers, in batch, the free stock per
warehouse and product, the incoming receipts, the picking capacity left today and the
warehouses' attributes relative to the customer, then calls :func:`allocate_order` (one
order) or :func:`allocate_batch` (several orders in release-priority order, see
:func:`distribution_orchestration.engine.scoring.sort_for_release`).

Units and semantics
-------------------
Quantities
    Plain floats in the product's *stock* unit of measure (the adapter converts sale
    units).  Comparisons use the tolerance :data:`~.common.EPS`.
Free stock
    Per (warehouse, product): available to promise, ``on hand - reserved -
    unavailable (quarantined, held, expired lots) - safety stock``, the one definition
    of :mod:`.atp` (see :func:`free_quantity`).  When that figure is negative the deficit is *netted
    against the earliest incoming receipts* of the same warehouse and product (the
    safety stock and the existing reservations are rebuilt first), and availability is
    floored at 0 at every date.
Incoming supply
    A receipt counts toward a line only if it arrives by the line's date (``arrival <=
    line date``; a bare ``date`` as line date means the end of that day).  A line
    without date sees on-hand stock only.  When a line consumes stock, the *latest*
    eligible receipts are consumed first and on-hand stock last: this keeps early
    stock for later lines/orders with earlier dates, which is the optimal greedy for
    available-to-promise.
Capacity
    Counted in *lines*: each (order line, warehouse) pair allocated uses one unit of
    the warehouse's picking capacity left today (a line split over two warehouses uses
    one unit at each).  ``None`` (or a warehouse missing from ``capacity_lines``)
    means unlimited.  A warehouse without capacity left is not eligible.
Sharing
    :class:`Availability` is mutable shared state.  Allocating an order consumes its
    stock and capacity, so orders allocated one after the other compete for the same
    stock.  An order is committed atomically: a ship-complete order that cannot ship
    consumes nothing.  Use :meth:`Availability.copy` for dry runs.

Policies (:class:`Policy`) and deterministic tie-breaking
---------------------------------------------------------
Every ordering of warehouses ends with the warehouse id (ascending), so equal
candidates are always resolved the same way.  ``priority`` follows Odoo's ``sequence``
convention: lower is preferred.  ``distance`` is the distance to the customer in km,
lower is nearer; a warehouse whose distance is unknown (``None``: no location) ranks
after every warehouse with a distance, and its explanation says so.  ``cost`` is a
relative shipping cost, lower is cheaper.  Lines are processed in a canonical order
(date, product, larger quantity first, line id), so the same lines and warehouses in
another order give the same result.

``home_then_nearest``
    Rank ``(not home, distance, priority, cost, id)``.  The first ranked warehouse able
    to serve the whole line serves it.  Otherwise, if splitting is allowed, the line is
    filled in rank order (home first, then nearest) up to
    ``max_warehouses_per_line``.
``nearest_with_stock``
    Same as above with rank ``(distance, priority, cost, id)``: the home flag is
    ignored, the nearest warehouse holding enough stock wins.
``nearest_first``
    Rank ``(distance, priority, cost, id)``; for each line the nearest warehouse gives
    all it can, then the next, until the line is served (5 ordered, 3 at the nearest
    and 10 at the next: 3 + 2).  Without splitting it is ``nearest_with_stock``.
``fewest_shipments``
    Minimise the number of warehouses used for the whole order:

    1. the first warehouse, in rank ``(not home, distance, priority, cost, id)``, able
       to serve every line serves the order;
    2. otherwise a greedy set cover picks, repeatedly, the warehouse that can serve in
       full the most remaining lines (ties: more units, then rank);
    3. when the greedy cover uses 3 warehouses or more, an exact search over
       combinations of fewer warehouses (in rank order, warehouses whose coverable
       lines are a subset of a better-ranked one's dropped, bounded by
       :data:`EXACT_SEARCH_BUDGET` combinations) replaces it with a smaller cover if
       one exists; the result is optimal whenever the optimum is 1 or 2 warehouses,
       and for larger optima whenever the budget suffices (always for orders of up to
       5 lines), up to interactions between lines sharing a product's stock or a
       warehouse's capacity, which are verified but not searched exhaustively;
    4. a line that no single warehouse can serve is split (if the policy allows):
       warehouses already shipping this order first (rank order), then the others by
       largest available quantity (ties: rank).
``ship_complete``
    All lines from one site.  The first warehouse in rank ``(not home, distance,
    priority, cost, id)`` able to serve every line (stock and capacity) serves the
    order; if none can, the whole order is left unallocated (backordered) with reason
    :data:`REASON_SHIP_COMPLETE`.  Never splits.  Lines with a non-positive quantity
    are ignored (nothing to ship); a line of an unknown product makes a complete
    shipment impossible.

Limits (every policy)
    ``max_shipments_per_order``: at most that many warehouses ship one order; a line
    that would need another one is short (:data:`REASON_SHIPMENT_LIMIT`).
    ``min_split_quantity``: every part of a split line is at least that quantity; a
    warehouse gives a little less than all it has when the remainder would otherwise
    be too small a part (5 with 4 at the nearest and a minimum of 2: 3 + 2), and a
    part that would stay below the minimum is not shipped (:data:`REASON_MIN_SPLIT`).
    A line served whole by one warehouse is never affected.

Explanations
    Every line carries its sentences (``explanation``), and every order its own: the
    policy and its limits, the warehouses in the order the policy considers them with
    their distance (``34.2 km (great-circle)``, or why it is unknown), the policy's
    decision and which warehouses ship what, and what is backordered.

When splitting is not allowed (``allow_split=False``) and no single warehouse can
serve a line, the line is served *partially* from the eligible warehouse holding the
largest quantity (ties: warehouses already shipping the order, then rank) and the
rest is backordered, unless ``allow_partial=False`` in which case nothing is allocated.

Bad input
---------
Structural errors raise :class:`AllocationInputError` (duplicate line or warehouse
ids, bad policy, malformed numbers, no warehouses) or its subclass
:class:`NoActiveWarehouseError`.  Data problems of a single line are reported on the
line (``reason`` code plus explanation) and never raise: non-positive quantity
(:data:`REASON_INVALID_QUANTITY`, ``unallocated`` is then 0), unknown product
(:data:`REASON_UNKNOWN_PRODUCT`), and shortages.  :func:`allocate_batch` turns an
order's input error into an unallocated order with reason
:data:`REASON_INVALID_ORDER` so one bad order does not stop a batch.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from .atp import AvailabilityInputError, available_to_promise
from .common import EPS, as_datetime, clean, fmt_qty, fmt_when, is_number
from .geo import fmt_km

WarehouseId = int
ProductId = int
LineId = Hashable

#: Upper bound of warehouse combinations tried by the exact search of ``fewest_shipments``.
EXACT_SEARCH_BUDGET = 5000

#: Reason codes of an unallocated (or partially allocated) line.
REASON_INVALID_QUANTITY = "invalid_quantity"
REASON_UNKNOWN_PRODUCT = "unknown_product"
REASON_NO_STOCK = "no_stock"
REASON_INSUFFICIENT_STOCK = "insufficient_stock"
REASON_NO_CAPACITY = "no_capacity"
REASON_SPLIT_NOT_ALLOWED = "split_not_allowed"
REASON_SPLIT_LIMIT = "split_limit"
REASON_SHIPMENT_LIMIT = "shipment_limit"
REASON_MIN_SPLIT = "min_split_quantity"
REASON_SHIP_COMPLETE = "ship_complete_impossible"
REASON_INVALID_ORDER = "invalid_order"

_ON_HAND = datetime.min  # date key of the on-hand bucket: eligible for every line
_MAX_NAMED = 3  # warehouses named in an explanation before "and n more"
_MAX_RANKED = 8  # warehouses listed in an order's ranking before "n more"


class AllocationInputError(ValueError):
    """The input of an allocation is structurally wrong (not a per-line data problem)."""


class NoActiveWarehouseError(AllocationInputError):
    """No active warehouse was given for an order."""


class Policy(StrEnum):
    """Allocation policies; see the module documentation for their exact rules."""

    HOME_THEN_NEAREST = "home_then_nearest"
    FEWEST_SHIPMENTS = "fewest_shipments"
    NEAREST_WITH_STOCK = "nearest_with_stock"
    NEAREST_FIRST = "nearest_first"
    SHIP_COMPLETE = "ship_complete"


#: Policies that rank warehouses by distance alone (the home flag is ignored).
_DISTANCE_ONLY = frozenset({Policy.NEAREST_WITH_STOCK, Policy.NEAREST_FIRST})


@dataclass(frozen=True)
class AllocationPolicy:
    """A policy and its options.

    Attributes:
        name: a :class:`Policy` (or its string value).
        allow_split: a line may be served by several warehouses (ignored by
            ``ship_complete``, which never splits).
        max_warehouses_per_line: at most that many warehouses per line when splitting;
            ``None`` means no limit.
        allow_partial: when a line cannot be served in full, allocate what one
            warehouse has and backorder the rest (True) or allocate nothing (False).
        max_shipments_per_order: at most that many warehouses ship the order (every
            policy; ``None``: no limit).  A line that would need another warehouse is
            short with reason :data:`REASON_SHIPMENT_LIMIT`.
        min_split_quantity: when a line is split, every part is at least this
            quantity (stock unit; 0: no minimum).  A single warehouse serving the whole
            line is never affected.
    """

    name: Policy | str = Policy.HOME_THEN_NEAREST
    allow_split: bool = True
    max_warehouses_per_line: int | None = None
    allow_partial: bool = True
    max_shipments_per_order: int | None = None
    min_split_quantity: float = 0.0

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "name", Policy(self.name))
        except ValueError:
            known = ", ".join(policy.value for policy in Policy)
            raise AllocationInputError(
                f"unknown allocation policy {self.name!r} (known: {known})"
            ) from None
        limit = self.max_warehouses_per_line
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise AllocationInputError(f"max_warehouses_per_line must be an int, got {limit!r}")
        if limit is not None and limit < 1:
            raise AllocationInputError(f"max_warehouses_per_line must be >= 1, got {limit}")
        cap = self.max_shipments_per_order
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
            raise AllocationInputError(
                f"max_shipments_per_order must be an int >= 1 or None, got {cap!r}"
            )
        minimum = self.min_split_quantity
        if not is_number(minimum) or minimum < 0:
            raise AllocationInputError(f"min_split_quantity must be a number >= 0, got {minimum!r}")


@dataclass(frozen=True)
class OrderLine:
    """One order line to allocate.

    Attributes:
        line_id: the line's identifier (e.g. the ``sale.order.line`` id), unique per order.
        product_id: the product.
        quantity: requested quantity in the product's stock unit; must be > 0 to allocate.
        date: requested/promised date; receipts arriving later do not count.  None means
            "now": only on-hand stock counts.
        label: product name used in explanations (defaults to ``product <id>``).
    """

    line_id: LineId
    product_id: ProductId
    quantity: float
    date: date | datetime | None = None
    label: str | None = None

    @property
    def product_label(self) -> str:
        """Name of the product in explanations."""
        return self.label or f"product {self.product_id}"


@dataclass(frozen=True)
class Warehouse:
    """A warehouse as seen from one order's customer.

    Attributes:
        warehouse_id: id, also the final tie-breaker (ascending).
        distance: distance to the customer in km (lower is nearer), or None when it
            is unknown (no location on the warehouse or the customer): such a
            warehouse ranks after every warehouse with a distance.
        priority: preference order like Odoo's ``sequence``; lower is preferred.
        cost: relative shipping cost to the customer (any unit); lower is cheaper.
        is_home: the customer's home warehouse.
        active: inactive (archived) warehouses never receive allocations.
        name: label used in explanations (defaults to ``warehouse <id>``).
        distance_note: where the distance comes from (``great-circle``, a transit
            table) or why it is unknown; shown in explanations.
    """

    warehouse_id: WarehouseId
    distance: float | None = 0.0
    priority: float = 10
    cost: float = 0.0
    is_home: bool = False
    active: bool = True
    name: str | None = None
    distance_note: str | None = None

    @property
    def label(self) -> str:
        """Name used in explanations."""
        return self.name or f"warehouse {self.warehouse_id}"

    @property
    def where(self) -> str:
        """The distance as explained: ``12.3 km (great-circle)`` or why it is unknown."""
        if self.distance is None:
            reason = self.distance_note or "no location"
            return f"distance unknown: {reason}, ranked last"
        note = f" ({self.distance_note})" if self.distance_note else ""
        return f"{fmt_km(self.distance)}{note}"


@dataclass(frozen=True)
class IncomingSupply:
    """A receipt expected at a warehouse (purchase, transfer, production).

    Attributes:
        warehouse_id: receiving warehouse.
        product_id: product received.
        quantity: quantity expected (> 0; zero is ignored).
        date: expected arrival (date or datetime, required).
    """

    warehouse_id: WarehouseId
    product_id: ProductId
    quantity: float
    date: date | datetime


@dataclass(frozen=True)
class StockPosition:
    """Stock figures of one product in one warehouse (see :meth:`Availability.from_positions`).

    ``unavailable`` is the unreserved quantity in quarantined, held or expired lots
    (see :mod:`.atp`).
    """

    warehouse_id: WarehouseId
    product_id: ProductId
    on_hand: float
    reserved: float = 0.0
    safety_stock: float = 0.0
    unavailable: float = 0.0


def free_quantity(
    on_hand: float, reserved: float = 0.0, safety_stock: float = 0.0, unavailable: float = 0.0
) -> float:
    """Available to promise now (:func:`.atp.available_to_promise`, floored at 0)."""
    return available_to_promise(on_hand, reserved, safety_stock, unavailable).now


# ---------------------------------------------------------------------------------------
# Availability (shared, mutable) and its copy-on-write scratch layer
# ---------------------------------------------------------------------------------------


class _Layer(Protocol):
    def _get(self, key: tuple[WarehouseId, ProductId]) -> list[list] | None: ...

    def _used(self, warehouse_id: WarehouseId) -> int: ...

    def _capacity(self, warehouse_id: WarehouseId) -> int | None: ...

    def _apply(self, buckets: dict, lines: dict) -> None: ...


def _sum_eligible(buckets: list[list] | None, key: datetime) -> float:
    """Sum of the buckets (sorted by date) dated no later than ``key``."""
    if not buckets:
        return 0.0
    total = 0.0
    for when, quantity in buckets:
        if when > key:
            break
        total += quantity
    return total


def _line_key(when: date | datetime | None) -> datetime:
    key = as_datetime(when, end_of_day=True)
    return _ON_HAND if key is None else key


class Availability:
    """Free stock, incoming receipts and picking capacity of a network, consumed by allocation.

    Args:
        free: ``{(warehouse_id, product_id): free quantity now}``, usually
            ``on hand - reserved - safety stock``; a negative value is a deficit that
            absorbs the earliest incoming receipts of the same key.
        incoming: expected receipts; they count for lines dated on/after their arrival.
        capacity_lines: ``{warehouse_id: picking lines left today}``; missing or None
            means unlimited.
        products: products known to the network even if stocked nowhere (so a line of
            such a product reports ``no_stock`` rather than ``unknown_product``).  Every
            product appearing in ``free`` or ``incoming`` is known anyway.

    Raises:
        AllocationInputError: on a non-finite figure, a negative receipt or capacity, or
            a receipt without date.
    """

    def __init__(
        self,
        free: Mapping[tuple[WarehouseId, ProductId], float] | None = None,
        incoming: Iterable[IncomingSupply] = (),
        capacity_lines: Mapping[WarehouseId, int | None] | None = None,
        products: Iterable[ProductId] | None = None,
    ) -> None:
        self._buckets: dict[tuple[WarehouseId, ProductId], list[list]] = {}
        self._lines_used: dict[WarehouseId, int] = {}
        self._capacities: dict[WarehouseId, int | None] = {}
        self._by_product: dict[ProductId, set[WarehouseId]] = {}
        self._products: set[ProductId] = set(products or ())
        for warehouse_id, capacity in (capacity_lines or {}).items():
            if capacity is not None and (not is_number(capacity) or capacity < 0):
                raise AllocationInputError(
                    f"capacity of warehouse {warehouse_id} must be >= 0 or None, got {capacity!r}"
                )
            self._capacities[warehouse_id] = capacity
        opening: dict[tuple[WarehouseId, ProductId], float] = {}
        for key, quantity in (free or {}).items():
            if not is_number(quantity):
                raise AllocationInputError(f"free quantity of {key} is not a number: {quantity!r}")
            opening[key] = float(quantity)
        receipts: dict[tuple[WarehouseId, ProductId], list[list]] = {}
        for supply in incoming:
            if not is_number(supply.quantity) or supply.quantity < 0:
                raise AllocationInputError(f"incoming quantity must be >= 0: {supply!r}")
            if supply.date is None:
                raise AllocationInputError(f"incoming supply needs an arrival date: {supply!r}")
            key = (supply.warehouse_id, supply.product_id)
            opening.setdefault(key, 0.0)
            if supply.quantity > 0:
                arrival = as_datetime(supply.date)
                receipts.setdefault(key, []).append([arrival, float(supply.quantity)])
        for key in sorted(opening, key=repr):
            buckets = [[_ON_HAND, max(opening[key], 0.0)]]
            buckets.extend(sorted(receipts.get(key, ()), key=lambda bucket: bucket[0]))
            deficit = max(-opening[key], 0.0)
            for bucket in buckets[1:]:
                if deficit <= EPS:
                    break
                absorbed = min(bucket[1], deficit)
                bucket[1] = clean(bucket[1] - absorbed)
                deficit -= absorbed
            self._buckets[key] = buckets
            self._by_product.setdefault(key[1], set()).add(key[0])
            self._products.add(key[1])

    @classmethod
    def from_positions(
        cls,
        positions: Iterable[StockPosition],
        incoming: Iterable[IncomingSupply] = (),
        capacity_lines: Mapping[WarehouseId, int | None] | None = None,
        products: Iterable[ProductId] | None = None,
    ) -> Availability:
        """Build from on hand / reserved / safety stock per warehouse and product.

        Positions of the same key are summed (e.g. one per location).
        """
        free: dict[tuple[WarehouseId, ProductId], float] = {}
        for position in positions:
            try:
                net = available_to_promise(
                    position.on_hand,
                    position.reserved,
                    position.safety_stock,
                    position.unavailable,
                ).net
            except AvailabilityInputError:
                raise AllocationInputError(f"stock figure is not a number: {position!r}") from None
            key = (position.warehouse_id, position.product_id)
            free[key] = free.get(key, 0.0) + net
        return cls(free, incoming, capacity_lines, products)

    # -- public queries ------------------------------------------------------------------

    def available(
        self,
        warehouse_id: WarehouseId,
        product_id: ProductId,
        when: date | datetime | None = None,
    ) -> float:
        """Quantity still available at a warehouse for a line dated ``when`` (None: now)."""
        return _sum_eligible(self._buckets.get((warehouse_id, product_id)), _line_key(when))

    def network_available(
        self,
        product_id: ProductId,
        when: date | datetime | None = None,
        warehouse_ids: Iterable[WarehouseId] | None = None,
    ) -> float:
        """Quantity available by ``when`` summed over the network (or the given warehouses)."""
        key = _line_key(when)
        holders = self._by_product.get(product_id, set())
        if warehouse_ids is not None:
            holders = holders & set(warehouse_ids)
        return sum(_sum_eligible(self._buckets[(wh, product_id)], key) for wh in holders)

    def capacity_left(self, warehouse_id: WarehouseId) -> int | None:
        """Picking lines the warehouse can still take today (None: unlimited)."""
        capacity = self._capacities.get(warehouse_id)
        if capacity is None:
            return None
        return max(int(capacity) - self._lines_used.get(warehouse_id, 0), 0)

    def knows_product(self, product_id: ProductId) -> bool:
        """True if the product is known to the network (stocked, incoming or declared)."""
        return product_id in self._products

    def copy(self) -> Availability:
        """Independent deep copy (for dry runs such as the stock availability check)."""
        clone = Availability.__new__(Availability)
        clone._buckets = {key: [list(b) for b in bs] for key, bs in self._buckets.items()}
        clone._lines_used = dict(self._lines_used)
        clone._capacities = dict(self._capacities)
        clone._by_product = {key: set(whs) for key, whs in self._by_product.items()}
        clone._products = set(self._products)
        return clone

    # -- layer protocol ------------------------------------------------------------------

    def _get(self, key: tuple[WarehouseId, ProductId]) -> list[list] | None:
        return self._buckets.get(key)

    def _used(self, warehouse_id: WarehouseId) -> int:
        return self._lines_used.get(warehouse_id, 0)

    def _capacity(self, warehouse_id: WarehouseId) -> int | None:
        return self._capacities.get(warehouse_id)

    def _apply(self, buckets: dict, lines: dict) -> None:
        self._buckets.update(buckets)
        for warehouse_id, count in lines.items():
            self._lines_used[warehouse_id] = self._lines_used.get(warehouse_id, 0) + count


class _Scratch:
    """Copy-on-write layer over an :class:`Availability` (or another scratch).

    Tentative allocations are taken here and reach the base only on :meth:`commit`.
    """

    __slots__ = ("_base", "_buckets", "_lines")

    def __init__(self, base: _Layer) -> None:
        self._base = base
        self._buckets: dict[tuple[WarehouseId, ProductId], list[list]] = {}
        self._lines: dict[WarehouseId, int] = {}

    def _get(self, key: tuple[WarehouseId, ProductId]) -> list[list] | None:
        buckets = self._buckets.get(key)
        return buckets if buckets is not None else self._base._get(key)

    def _used(self, warehouse_id: WarehouseId) -> int:
        return self._base._used(warehouse_id) + self._lines.get(warehouse_id, 0)

    def _capacity(self, warehouse_id: WarehouseId) -> int | None:
        return self._base._capacity(warehouse_id)

    def _apply(self, buckets: dict, lines: dict) -> None:
        self._buckets.update(buckets)
        for warehouse_id, count in lines.items():
            self._lines[warehouse_id] = self._lines.get(warehouse_id, 0) + count

    def has_capacity(self, warehouse_id: WarehouseId) -> bool:
        capacity = self._capacity(warehouse_id)
        return capacity is None or self._used(warehouse_id) < capacity

    def available(self, warehouse_id: WarehouseId, product_id: ProductId, key: datetime) -> float:
        return _sum_eligible(self._get((warehouse_id, product_id)), key)

    def take(
        self, warehouse_id: WarehouseId, product_id: ProductId, key: datetime, quantity: float
    ) -> None:
        """Consume ``quantity`` (latest eligible receipt first) and one capacity line."""
        bucket_key = (warehouse_id, product_id)
        buckets = self._buckets.get(bucket_key)
        if buckets is None:
            buckets = [list(bucket) for bucket in (self._base._get(bucket_key) or ())]
            self._buckets[bucket_key] = buckets
        remaining = quantity
        eligible = [bucket for bucket in buckets if bucket[0] <= key]
        for bucket in reversed(eligible):
            if remaining <= EPS:
                break
            used = min(bucket[1], remaining)
            bucket[1] = clean(bucket[1] - used)
            remaining -= used
        if remaining > EPS:  # pragma: no cover - guarded by every caller
            raise AssertionError(f"over-allocation of {bucket_key} by {remaining}")
        self._lines[warehouse_id] = self._lines.get(warehouse_id, 0) + 1

    def commit(self) -> None:
        self._base._apply(self._buckets, self._lines)
        self._buckets = {}
        self._lines = {}


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineAllocation:
    """Allocation of one order line.

    Attributes:
        line_id, product_id: copied from the line.
        requested: the requested quantity as given.
        allocations: ``((warehouse_id, quantity), ...)`` in the order they were decided.
        unallocated: quantity left to backorder (0 for an invalid quantity).
        reason: None when fully allocated, otherwise one of the ``REASON_*`` codes.
        explanation: human-readable sentences, one per decision.
    """

    line_id: LineId
    product_id: ProductId
    requested: float
    allocations: tuple[tuple[WarehouseId, float], ...]
    unallocated: float
    reason: str | None
    explanation: tuple[str, ...]

    @property
    def allocated(self) -> float:
        """Total quantity allocated over all warehouses."""
        return sum(quantity for _warehouse, quantity in self.allocations)

    @property
    def is_split(self) -> bool:
        """True when more than one warehouse serves the line."""
        return len(self.allocations) > 1


@dataclass(frozen=True)
class OrderAllocation:
    """Allocation of one order: its lines (in input order) and order-level explanation."""

    order_id: Hashable
    policy: Policy
    lines: tuple[LineAllocation, ...]
    explanation: tuple[str, ...] = ()
    error: str | None = None

    @property
    def warehouse_ids(self) -> tuple[WarehouseId, ...]:
        """Warehouses used by the order, ascending."""
        return tuple(sorted({wh for line in self.lines for wh, _qty in line.allocations}))

    @property
    def is_complete(self) -> bool:
        """True when every line is fully allocated (and the order had no input error)."""
        return self.error is None and all(line.reason is None for line in self.lines)

    def by_warehouse(self) -> dict[WarehouseId, list[tuple[LineId, float]]]:
        """Lines per warehouse, ``{warehouse_id: [(line_id, quantity), ...]}``, ascending ids."""
        result: dict[WarehouseId, list[tuple[LineId, float]]] = {}
        for line in self.lines:
            for warehouse_id, quantity in line.allocations:
                result.setdefault(warehouse_id, []).append((line.line_id, quantity))
        return dict(sorted(result.items()))


@dataclass(frozen=True)
class OrderRequest:
    """One order of a batch: its lines, its customer-relative warehouses, an optional policy."""

    order_id: Hashable
    lines: Sequence[OrderLine]
    warehouses: Sequence[Warehouse]
    policy: AllocationPolicy | None = None


# ---------------------------------------------------------------------------------------
# Allocation
# ---------------------------------------------------------------------------------------


@dataclass
class _Work:
    """Mutable per-line working state."""

    line: OrderLine
    key: datetime
    allocations: list[tuple[Warehouse, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reason: str | None = None

    @property
    def remaining(self) -> float:
        return clean(self.line.quantity - sum(qty for _wh, qty in self.allocations))


class _Shipments:
    """Warehouses shipping the order so far, under the policy's per-order limit."""

    __slots__ = ("cap", "used")

    def __init__(self, cap: int | None) -> None:
        self.cap = cap
        self.used: set[WarehouseId] = set()

    def allows(self, warehouse: Warehouse, extra: int = 0) -> bool:
        """``warehouse`` may ship (already shipping, or room for ``extra`` + 1 more)."""
        if self.cap is None or warehouse.warehouse_id in self.used:
            return True
        return len(self.used) + extra < self.cap

    def add(self, warehouse: Warehouse) -> None:
        self.used.add(warehouse.warehouse_id)


def _sort_token(value: Hashable) -> tuple:
    """Orders mixed identifiers deterministically (numbers first, then by repr)."""
    if is_number(value):
        return (0, float(value), "")
    return (1, 0.0, repr(value))


def _work_order_key(work: _Work) -> tuple:
    """Canonical processing order of an order's lines, independent of their input order:
    earliest date first, then product, larger quantity first, then line id."""
    return (
        work.key,
        _sort_token(work.line.product_id),
        -work.line.quantity,
        _sort_token(work.line.line_id),
    )


def _distance_key(warehouse: Warehouse) -> tuple[bool, float]:
    """Known distances first (nearest first), unknown ones last."""
    return (warehouse.distance is None, warehouse.distance or 0.0)


def _rank_key(policy: Policy, warehouse: Warehouse) -> tuple:
    tail = (*_distance_key(warehouse), warehouse.priority, warehouse.cost, warehouse.warehouse_id)
    if policy in _DISTANCE_ONLY:
        return tail
    return (not warehouse.is_home, *tail)


def _validate_warehouses(warehouses: Sequence[Warehouse]) -> list[Warehouse]:
    if not warehouses:
        raise NoActiveWarehouseError("no warehouse given for the order")
    seen: set[WarehouseId] = set()
    for warehouse in warehouses:
        if warehouse.warehouse_id in seen:
            raise AllocationInputError(f"duplicate warehouse id {warehouse.warehouse_id!r}")
        seen.add(warehouse.warehouse_id)
        for name in ("distance", "priority", "cost"):
            value = getattr(warehouse, name)
            if name == "distance" and value is None:
                continue
            if not is_number(value):
                raise AllocationInputError(
                    f"{name} of {warehouse.label} is not a number: {value!r}"
                )
        if warehouse.distance is not None and warehouse.distance < 0:
            raise AllocationInputError(
                f"distance of {warehouse.label} must be >= 0 km, got {warehouse.distance!r}"
            )
    active = [warehouse for warehouse in warehouses if warehouse.active]
    if not active:
        raise NoActiveWarehouseError(
            f"none of the {len(warehouses)} warehouse(s) given for the order is active"
        )
    return active


def _validate_lines(lines: Sequence[OrderLine]) -> None:
    seen: set = set()
    for line in lines:
        if line.line_id in seen:
            raise AllocationInputError(f"duplicate line id {line.line_id!r}")
        seen.add(line.line_id)
        if line.date is not None and not isinstance(line.date, date):
            raise AllocationInputError(f"line {line.line_id!r}: date must be a date/datetime")


def _names(warehouses: Sequence[Warehouse]) -> str:
    labels = [warehouse.label for warehouse in warehouses[:_MAX_NAMED]]
    extra = len(warehouses) - _MAX_NAMED
    if extra > 0:
        labels.append(f"{extra} more")
    return ", ".join(labels)


def _why(warehouse: Warehouse, policy: Policy) -> str:
    if warehouse.is_home and policy not in _DISTANCE_ONLY:
        return f"the customer's home warehouse, {warehouse.where}"
    return f"{warehouse.where}, priority {fmt_qty(warehouse.priority)}"


def _describe_skipped(
    skipped: Sequence[tuple[Warehouse, float, bool, bool]], quantity: float
) -> str | None:
    """Sentence on better-ranked warehouses passed over:
    (warehouse, available, has capacity, allowed by the per-order shipment limit)."""
    if not skipped:
        return None
    parts = []
    for warehouse, available, has_capacity, allowed in skipped[:_MAX_NAMED]:
        if not allowed:
            parts.append(f"{warehouse.label} would add a shipment beyond the order's limit")
        elif not has_capacity:
            parts.append(f"{warehouse.label} has no picking capacity left today")
        else:
            parts.append(
                f"{warehouse.label} ({warehouse.where}) has {fmt_qty(available)} of "
                f"{fmt_qty(quantity)}"
            )
    extra = len(skipped) - _MAX_NAMED
    if extra > 0:
        parts.append(f"{extra} more ranked higher could not serve it either")
    return "Passed over: " + "; ".join(parts) + "."


def _shortage(
    work: _Work,
    candidates: Sequence[Warehouse],
    scratch: _Scratch,
    policy: AllocationPolicy,
    shipments: _Shipments,
) -> None:
    """Set the reason and explanation of a line left (partly) unallocated."""
    remaining = work.remaining
    if remaining <= EPS:
        return
    line = work.line
    label = line.product_label
    when = fmt_when(line.date)
    stock_total = eligible_total = allowed_total = 0.0
    for warehouse in candidates:
        available = scratch.available(warehouse.warehouse_id, line.product_id, work.key)
        stock_total += available
        if scratch.has_capacity(warehouse.warehouse_id):
            eligible_total += available
            if shipments.allows(warehouse):
                allowed_total += available
    already = work.line.quantity - remaining
    if stock_total + already <= EPS:
        work.reason = REASON_NO_STOCK
        work.notes.append(
            f"Short {fmt_qty(remaining)}: no active warehouse has {label} available by {when}."
        )
    elif eligible_total + already <= EPS:
        work.reason = REASON_NO_CAPACITY
        work.notes.append(
            f"Short {fmt_qty(remaining)}: the warehouses holding {label} "
            f"({fmt_qty(stock_total)} available) have no picking capacity left today."
        )
    elif allowed_total + EPS < remaining <= eligible_total + EPS:
        work.reason = REASON_SHIPMENT_LIMIT
        work.notes.append(
            f"Short {fmt_qty(remaining)}: other warehouses hold {fmt_qty(eligible_total)} by "
            f"{when}, but the order may ship from at most {policy.max_shipments_per_order} "
            "warehouse(s)."
        )
    elif allowed_total + EPS >= remaining and not policy.allow_split:
        work.reason = REASON_SPLIT_NOT_ALLOWED
        work.notes.append(
            f"Short {fmt_qty(remaining)}: the network has {fmt_qty(allowed_total)} more "
            f"available by {when}, but no single warehouse can serve the line and the policy "
            "does not allow splitting."
        )
    elif allowed_total + EPS >= remaining and (
        policy.max_warehouses_per_line is not None
        and len(work.allocations) >= policy.max_warehouses_per_line
    ):
        work.reason = REASON_SPLIT_LIMIT
        work.notes.append(
            f"Short {fmt_qty(remaining)}: {fmt_qty(allowed_total)} more available by {when}, "
            f"but the policy allows at most {policy.max_warehouses_per_line} warehouse(s) "
            "per line."
        )
    elif allowed_total + EPS >= remaining and policy.min_split_quantity > 0:
        work.reason = REASON_MIN_SPLIT
        work.notes.append(
            f"Short {fmt_qty(remaining)}: {fmt_qty(allowed_total)} more available by {when}, "
            f"but only in parts smaller than the minimum of "
            f"{fmt_qty(policy.min_split_quantity)} per split."
        )
    elif allowed_total + EPS >= remaining:
        work.reason = REASON_SPLIT_LIMIT
        work.notes.append(
            f"Short {fmt_qty(remaining)}: {fmt_qty(allowed_total)} more available by {when}, "
            "but the policy's limits keep it from being allocated."
        )
    else:
        work.reason = REASON_INSUFFICIENT_STOCK
        work.notes.append(
            f"Short {fmt_qty(remaining)}: only {fmt_qty(allowed_total + already)} of "
            f"{fmt_qty(line.quantity)} {label} available by {when} across the eligible "
            "warehouses."
        )


def _take(
    work: _Work, warehouse: Warehouse, quantity: float, scratch: _Scratch, shipments: _Shipments
) -> None:
    scratch.take(warehouse.warehouse_id, work.line.product_id, work.key, quantity)
    work.allocations.append((warehouse, quantity))
    shipments.add(warehouse)


def _single(
    work: _Work, ranked: Sequence[Warehouse], scratch: _Scratch, shipments: _Shipments
) -> tuple[Warehouse | None, list[tuple[Warehouse, float, bool, bool]]]:
    """First ranked warehouse able to serve the whole remaining quantity, and those passed over."""
    need = work.remaining
    skipped: list[tuple[Warehouse, float, bool, bool]] = []
    for warehouse in ranked:
        available = scratch.available(warehouse.warehouse_id, work.line.product_id, work.key)
        has_capacity = scratch.has_capacity(warehouse.warehouse_id)
        allowed = shipments.cap is None or shipments.allows(warehouse)
        if has_capacity and allowed and available + EPS >= need:
            return warehouse, skipped
        skipped.append((warehouse, available, has_capacity, allowed))
    return None, skipped


class _Offers:
    """What each source can give, computed lazily (a line is usually served by the
    first few sources) and kept for a second planning pass."""

    __slots__ = ("_pending", "_seen")

    def __init__(self, offers: Iterable[tuple[Warehouse, float, bool]]) -> None:
        self._pending = iter(offers)
        self._seen: list[tuple[Warehouse, float, bool]] = []

    def __iter__(self):
        index = 0
        while True:
            if index == len(self._seen):
                offer = next(self._pending, None)
                if offer is None:
                    return
                self._seen.append(offer)
            yield self._seen[index]
            index += 1


def _plan_parts(
    need: float,
    offers: Iterable[tuple[Warehouse, float, bool]],
    policy: AllocationPolicy,
    room: int | None,
    *,
    keep_remainder: bool,
) -> list[tuple[Warehouse, float]]:
    """Parts of a line over ``offers`` (warehouse, available, new shipment?) in order.

    Each warehouse gives all it can.  With a minimum quantity per split, a part below
    the minimum is not taken (unless one warehouse serves the whole line alone) and,
    with ``keep_remainder``, a warehouse gives a little less when what it would leave
    is below the minimum (5 with 4 at the nearest and a minimum of 2: 3 + 2, not 4 + 1).
    ``room`` is how many new warehouses the order may still add (None: no limit).
    """
    minimum = policy.min_split_quantity
    limit = policy.max_warehouses_per_line
    parts: list[tuple[Warehouse, float]] = []
    added = 0
    for warehouse, available, is_new in offers:
        if need <= EPS or (limit is not None and len(parts) >= limit):
            break
        if is_new and room is not None and added >= room:
            continue
        take = min(available, need)
        if take <= EPS:
            continue
        if minimum > 0:
            rest = need - take
            if keep_remainder and EPS < rest < minimum - EPS:
                take = need - minimum
            alone = not parts and take + EPS >= need
            if take < minimum - EPS and not alone:
                continue
        parts.append((warehouse, take))
        need = clean(need - take)
        added += is_new
    return parts


def _fill(
    work: _Work,
    sources: Sequence[Warehouse],
    scratch: _Scratch,
    policy: AllocationPolicy,
    shipments: _Shipments,
    how: str,
    intro: str = "",
) -> None:
    """Serve the line over ``sources`` in the given order, each giving all it can, within
    the per-line and per-order limits and the minimum quantity per split."""
    need = work.remaining

    def offered():
        for source in sources:
            if not scratch.has_capacity(source.warehouse_id):
                continue
            quantity = scratch.available(source.warehouse_id, work.line.product_id, work.key)
            if quantity > EPS:
                yield source, quantity, source.warehouse_id not in shipments.used

    offers = _Offers(offered())
    room = None if shipments.cap is None else max(shipments.cap - len(shipments.used), 0)
    parts = _plan_parts(need, offers, policy, room, keep_remainder=True)
    if policy.min_split_quantity > 0:
        greedy = _plan_parts(need, offers, policy, room, keep_remainder=False)
        if sum(q for _w, q in greedy) > sum(q for _w, q in parts) + EPS:
            parts = greedy
    described = []
    for warehouse, quantity in parts:
        available = scratch.available(warehouse.warehouse_id, work.line.product_id, work.key)
        _take(work, warehouse, quantity, scratch, shipments)
        tail = ", all it has" if quantity + EPS >= available and quantity < need - EPS else ""
        described.append(f"{fmt_qty(quantity)} from {warehouse.label} ({warehouse.where}{tail})")
    if not described:
        return
    if len(parts) == 1 and work.remaining <= EPS:
        warehouse = parts[0][0]
        work.notes.append(
            f"Served in full ({fmt_qty(work.line.quantity)}) from {warehouse.label} "
            f"({warehouse.where}): {how}."
        )
    else:
        text = f"split {how}: " + ", ".join(described) + "."
        work.notes.append(intro + text if intro else text[:1].upper() + text[1:])


def _partial(
    work: _Work,
    candidates: Sequence[Warehouse],
    scratch: _Scratch,
    shipments: _Shipments,
    preferred: set[WarehouseId] = frozenset(),
) -> None:
    """Serve what the warehouse with the largest quantity has (ties: preferred, then order)."""
    best: Warehouse | None = None
    best_key: tuple | None = None
    best_available = 0.0
    for index, warehouse in enumerate(candidates):
        if not scratch.has_capacity(warehouse.warehouse_id) or not shipments.allows(warehouse):
            continue
        available = scratch.available(warehouse.warehouse_id, work.line.product_id, work.key)
        if available <= EPS:
            continue
        key = (-available, warehouse.warehouse_id not in preferred, index)
        if best_key is None or key < best_key:
            best, best_key, best_available = warehouse, key, available
    if best is not None:
        quantity = min(best_available, work.remaining)
        _take(work, best, quantity, scratch, shipments)
        work.notes.append(
            f"Partly served: {fmt_qty(quantity)} from {best.label} ({best.where}), the "
            "warehouse holding the most; splitting is not allowed, the rest is backordered."
        )


def _allocate_ranked(
    works: Sequence[_Work],
    ranked: Sequence[Warehouse],
    scratch: _Scratch,
    policy: AllocationPolicy,
    shipments: _Shipments,
) -> list[str]:
    """``home_then_nearest`` and ``nearest_with_stock``: one site per line when possible."""
    for work in works:
        chosen, skipped = _single(work, ranked, scratch, shipments)
        if chosen is not None:
            _take(work, chosen, work.remaining, scratch, shipments)
            if policy.name is Policy.HOME_THEN_NEAREST and chosen.is_home:
                why = f"the customer's home warehouse has enough stock ({chosen.where})"
            else:
                why = f"nearest warehouse with enough stock ({_why(chosen, policy.name)})"
            work.notes.append(
                f"Served in full ({fmt_qty(work.line.quantity)}) from {chosen.label}: {why}."
            )
            passed = _describe_skipped(skipped, work.line.quantity)
            if passed:
                work.notes.append(passed)
            continue
        passed = _describe_skipped(skipped, work.line.quantity)
        if policy.allow_split:
            order = "home warehouse first, then nearest"
            if policy.name in _DISTANCE_ONLY:
                order = "nearest first"
            intro = f"No single warehouse can serve {fmt_qty(work.line.quantity)}; "
            _fill(work, ranked, scratch, policy, shipments, order, intro)
        elif policy.allow_partial:
            _partial(work, ranked, scratch, shipments)
        _shortage(work, ranked, scratch, policy, shipments)
        if passed and work.remaining > EPS:
            work.notes.append(passed)
    return []


def _allocate_nearest_first(
    works: Sequence[_Work],
    ranked: Sequence[Warehouse],
    scratch: _Scratch,
    policy: AllocationPolicy,
    shipments: _Shipments,
) -> list[str]:
    """``nearest_first``: the nearest warehouse gives all it can, then the next."""
    if not policy.allow_split:
        # without splitting this is exactly "nearest with stock" (one site per line)
        return _allocate_ranked(works, ranked, scratch, policy, shipments)
    for work in works:
        _fill(work, ranked, scratch, policy, shipments, "nearest first")
        _shortage(work, ranked, scratch, policy, shipments)
    return []


def _cover(
    works: Sequence[_Work],
    warehouses: Sequence[Warehouse],
    base: _Layer,
    cap: int | None = None,
) -> tuple[_Scratch, list[Warehouse], dict[int, Warehouse]]:
    """Greedy set cover of ``works`` by ``warehouses`` (each line served in full by one),
    with at most ``cap`` warehouses.

    Returns the scratch holding the takes, the warehouses chosen in order, and the
    assignment ``{index of work: warehouse}``.
    """
    trial = _Scratch(base)
    chosen: list[Warehouse] = []
    assignment: dict[int, Warehouse] = {}
    remaining = list(range(len(works)))
    while remaining and (cap is None or len(chosen) < cap):
        best: tuple | None = None
        for rank, warehouse in enumerate(warehouses):
            if warehouse in chosen or not trial.has_capacity(warehouse.warehouse_id):
                continue
            probe = _Scratch(trial)
            covered = []
            units = 0.0
            for index in remaining:
                work = works[index]
                if not probe.has_capacity(warehouse.warehouse_id):
                    break
                quantity = work.line.quantity
                available = probe.available(warehouse.warehouse_id, work.line.product_id, work.key)
                if available + EPS >= quantity:
                    probe.take(warehouse.warehouse_id, work.line.product_id, work.key, quantity)
                    covered.append(index)
                    units += quantity
            if covered and (best is None or (len(covered), units, -rank) > best[0]):
                best = ((len(covered), units, -rank), warehouse, probe, covered)
        if best is None:
            break
        _score, warehouse, probe, covered = best
        probe.commit()
        chosen.append(warehouse)
        for index in covered:
            assignment[index] = warehouse
        covered_set = set(covered)
        remaining = [index for index in remaining if index not in covered_set]
    return trial, chosen, assignment


def _serve_uncovered(
    work: _Work,
    ranked: Sequence[Warehouse],
    rank_of: Mapping[WarehouseId, int],
    scratch: _Scratch,
    policy: AllocationPolicy,
    shipments: _Shipments,
) -> None:
    """Serve a line left out of the cover (``fewest_shipments`` step 4)."""
    preferred = sorted(
        ranked,
        key=lambda wh: (wh.warehouse_id not in shipments.used, rank_of[wh.warehouse_id]),
    )
    single, _skipped = _single(work, preferred, scratch, shipments)
    if single is not None:
        _take(work, single, work.line.quantity, scratch, shipments)
        work.notes.append(f"Served in full from {single.label} ({single.where}).")
        return
    if policy.allow_split:
        shipping = [wh for wh in preferred if wh.warehouse_id in shipments.used]
        others = sorted(
            (wh for wh in ranked if wh.warehouse_id not in shipments.used),
            key=lambda wh: (
                -scratch.available(wh.warehouse_id, work.line.product_id, work.key),
                rank_of[wh.warehouse_id],
            ),
        )
        _fill(
            work,
            shipping + others,
            scratch,
            policy,
            shipments,
            "warehouses already shipping this order first, then the largest stocks",
            f"No single warehouse can serve {fmt_qty(work.line.quantity)}; ",
        )
    elif policy.allow_partial:
        _partial(work, preferred, scratch, shipments, set(shipments.used))
    _shortage(work, ranked, scratch, policy, shipments)


def _allocate_fewest(
    works: Sequence[_Work],
    ranked: Sequence[Warehouse],
    scratch: _Scratch,
    policy: AllocationPolicy,
    shipments: _Shipments,
) -> list[str]:
    notes: list[str] = []
    if not works:
        return notes
    # The greedy cover picks first a warehouse serving every line if there is one
    # (most lines covered, then rank), so step 1 of the policy is part of it.
    cap = policy.max_shipments_per_order
    trial, chosen, assignment = _cover(works, ranked, scratch, cap)
    if len(chosen) >= 3:
        improved = _exact_cover(works, ranked, scratch, assignment, len(chosen))
        if improved is not None:
            trial, chosen, assignment = improved
    trial.commit()
    rank_of = {warehouse.warehouse_id: rank for rank, warehouse in enumerate(ranked)}
    for warehouse in chosen:
        shipments.add(warehouse)
    for index, warehouse in assignment.items():
        work = works[index]
        work.allocations.append((warehouse, work.line.quantity))
        if len(chosen) == 1 and len(assignment) == len(works):
            work.notes.append(
                f"Served in full from {warehouse.label}: it can ship the whole order in one "
                f"shipment ({_why(warehouse, policy.name)})."
            )
        else:
            lines_here = sum(1 for wh in assignment.values() if wh is warehouse)
            work.notes.append(
                f"Served in full from {warehouse.label} ({warehouse.where}), one of the "
                f"{len(chosen)} warehouse(s) chosen to minimise shipments (it serves "
                f"{lines_here} line(s) of the order)."
            )
    # Lines no single warehouse could serve within the cover: one site if possible, else split.
    for index, work in enumerate(works):
        if index not in assignment:
            _serve_uncovered(work, ranked, rank_of, scratch, policy, shipments)
    used = sorted(shipments.used, key=rank_of.__getitem__)
    labels = _names([ranked[rank_of[wh]] for wh in used])
    if len(used) == 1:
        notes.append(f"Fewest shipments: one warehouse ({labels}).")
    elif used:
        notes.append(
            f"Fewest shipments: {len(used)} warehouses ({labels}); no single warehouse can "
            "serve every line."
        )
    return notes


def _ship_from_one(
    works: Sequence[_Work], ranked: Sequence[Warehouse], base: _Layer
) -> tuple[_Scratch, list[Warehouse]] | None:
    """First ranked warehouse able to serve every line in full, with its scratch."""
    for warehouse in ranked:
        trial = _Scratch(base)
        for work in works:
            if not trial.has_capacity(warehouse.warehouse_id):
                break
            available = trial.available(warehouse.warehouse_id, work.line.product_id, work.key)
            if available + EPS < work.line.quantity:
                break
            trial.take(warehouse.warehouse_id, work.line.product_id, work.key, work.line.quantity)
        else:
            return trial, [warehouse]
    return None


def _exact_cover(
    works: Sequence[_Work],
    ranked: Sequence[Warehouse],
    base: _Layer,
    assignment: dict[int, Warehouse],
    greedy_size: int,
) -> tuple[_Scratch, list[Warehouse], dict[int, Warehouse]] | None:
    """Smallest combination (fewer than ``greedy_size``) covering the greedy-covered lines.

    Each warehouse gets a bit mask of the lines it can serve alone; warehouses whose mask
    is included in a better-or-equal one (equal masks: the better ranked is kept) are
    dropped, combinations whose masks do not cover every line are skipped cheaply, and
    the survivors are verified with :func:`_cover` (shared stock and capacity).
    """
    target = sorted(assignment)
    subset = [works[index] for index in target]
    full = (1 << len(subset)) - 1
    probe = _Scratch(base)
    masks: list[tuple[Warehouse, int]] = []
    for warehouse in ranked:
        if not probe.has_capacity(warehouse.warehouse_id):
            continue
        mask = 0
        for bit, work in enumerate(subset):
            available = probe.available(warehouse.warehouse_id, work.line.product_id, work.key)
            if available + EPS >= work.line.quantity:
                mask |= 1 << bit
        if mask:
            masks.append((warehouse, mask))
    useful = [
        (warehouse, mask)
        for index, (warehouse, mask) in enumerate(masks)
        if not any(
            other | mask == other and (other != mask or rank < index)
            for rank, (_other_wh, other) in enumerate(masks)
            if rank != index
        )
    ]
    budget = EXACT_SEARCH_BUDGET
    for size in range(2, greedy_size):
        for combo in itertools.combinations(useful, size):
            budget -= 1
            if budget < 0:
                return None
            union = 0
            for _warehouse, mask in combo:
                union |= mask
            if union != full:
                continue
            trial, chosen, sub_assignment = _cover(subset, [wh for wh, _mask in combo], base)
            if len(sub_assignment) == len(subset):
                return (
                    trial,
                    chosen,
                    {target[index]: wh for index, wh in sub_assignment.items()},
                )
    return None


def _allocate_complete(
    works: Sequence[_Work],
    unknown: Sequence[_Work],
    ranked: Sequence[Warehouse],
    scratch: _Scratch,
    policy: AllocationPolicy,
) -> list[str]:
    if not works and not unknown:
        return []
    if not unknown:
        found = _ship_from_one(works, ranked, scratch)
        if found is not None:
            trial, (warehouse,) = found
            trial.commit()
            for work in works:
                work.allocations.append((warehouse, work.line.quantity))
                work.notes.append(
                    f"Served in full from {warehouse.label}: first warehouse able to ship the "
                    f"complete order ({_why(warehouse, policy.name)})."
                )
            return [f"Ship complete from {warehouse.label} ({warehouse.where})."]
    # Nobody can ship the whole order: explain the best candidates, backorder every line.
    candidates = []
    for rank, warehouse in enumerate(ranked):
        probe = _Scratch(scratch)
        covered = 0
        missing = []
        for work in works:
            available = probe.available(warehouse.warehouse_id, work.line.product_id, work.key)
            if probe.has_capacity(warehouse.warehouse_id) and available + EPS >= work.line.quantity:
                probe.take(
                    warehouse.warehouse_id, work.line.product_id, work.key, work.line.quantity
                )
                covered += 1
            elif not probe.has_capacity(warehouse.warehouse_id):
                missing.append(f"no capacity for {work.line.product_label}")
            else:
                missing.append(
                    f"{work.line.product_label} {fmt_qty(available)} of "
                    f"{fmt_qty(work.line.quantity)}"
                )
        candidates.append((-covered, rank, warehouse, covered, missing))
    candidates.sort(key=lambda item: item[:2])
    total = len(works) + len(unknown)
    detail = "; ".join(
        f"{warehouse.label} covers {covered}/{total} lines"
        + (f" (short: {', '.join(missing[:_MAX_NAMED])})" if missing else "")
        for _neg, _rank, warehouse, covered, missing in candidates[:_MAX_NAMED]
    )
    if unknown:
        detail = (
            f"{', '.join(w.line.product_label for w in unknown)} unknown to the network; " + detail
        )
    for work in works:
        work.reason = REASON_SHIP_COMPLETE
        work.notes.append(
            f"Backordered: the order must ship complete from one warehouse and none can "
            f"({fmt_qty(work.line.quantity)} {work.line.product_label} is part of it)."
        )
    return [f"Ship complete impossible, whole order backordered: {detail}."]


#: One sentence per policy: what it does (first line of every order explanation).
POLICY_RULES = {
    Policy.HOME_THEN_NEAREST: "home warehouse first, then the nearest able to serve each line",
    Policy.NEAREST_WITH_STOCK: "the nearest warehouse able to serve each line alone",
    Policy.NEAREST_FIRST: "the nearest warehouse gives all it can, then the next",
    Policy.FEWEST_SHIPMENTS: "as few warehouses as possible for the whole order",
    Policy.SHIP_COMPLETE: "the whole order from one warehouse, or backordered",
}


def _order_preamble(policy: AllocationPolicy, ranked: Sequence[Warehouse]) -> list[str]:
    """The policy, its limits and the warehouses in the order the policy considers them."""
    rule = f"Policy {policy.name.value.replace('_', ' ')}: {POLICY_RULES[policy.name]}"
    limits = []
    if not policy.allow_split and policy.name is not Policy.SHIP_COMPLETE:
        limits.append("no split")
    if policy.max_shipments_per_order is not None:
        limits.append(f"at most {policy.max_shipments_per_order} shipment(s) per order")
    if policy.min_split_quantity > 0:
        limits.append(f"at least {fmt_qty(policy.min_split_quantity)} per split part")
    if policy.max_warehouses_per_line is not None:
        limits.append(f"at most {policy.max_warehouses_per_line} warehouse(s) per line")
    if limits:
        rule += " (" + ", ".join(limits) + ")"
    shown = ranked[:_MAX_RANKED]
    ranking = "; ".join(
        f"{index}. {warehouse.label}"
        + (" (home)" if warehouse.is_home and policy.name not in _DISTANCE_ONLY else "")
        + f": {warehouse.where}"
        for index, warehouse in enumerate(shown, start=1)
    )
    if len(ranked) > len(shown):
        ranking += f"; {len(ranked) - len(shown)} more"
    return [rule + ".", f"Warehouses in order: {ranking}."]


def _order_summary(works: Sequence[_Work], ranked: Sequence[Warehouse]) -> list[str]:
    """Which warehouses ship what, and what is backordered."""
    lines_per: dict[WarehouseId, int] = {}
    for work in works:
        for warehouse, _quantity in work.allocations:
            lines_per[warehouse.warehouse_id] = lines_per.get(warehouse.warehouse_id, 0) + 1
    summary = []
    used = [warehouse for warehouse in ranked if warehouse.warehouse_id in lines_per]
    if used:
        summary.append(
            f"Ships from {len(used)} warehouse(s): "
            + "; ".join(
                f"{warehouse.label} ({warehouse.where}), "
                f"{lines_per[warehouse.warehouse_id]} line(s)"
                for warehouse in used
            )
            + "."
        )
    else:
        summary.append("Nothing allocated.")
    short = sorted(
        (work for work in works if work.reason not in (None, REASON_INVALID_QUANTITY)),
        key=_work_order_key,
    )
    if short:
        summary.append(
            "Backordered: "
            + "; ".join(
                f"{fmt_qty(work.remaining)} {work.line.product_label} ({work.reason})"
                for work in short
            )
            + "."
        )
    return summary


def allocate_order(
    lines: Sequence[OrderLine],
    warehouses: Sequence[Warehouse],
    availability: Availability,
    policy: AllocationPolicy | Policy | str | None = None,
    *,
    order_id: Hashable = None,
) -> OrderAllocation:
    """Allocate one order's lines to warehouses, consuming ``availability``.

    Args:
        lines: the order lines (line ids unique).
        warehouses: the candidate warehouses with attributes relative to this order's
            customer; inactive ones are ignored.  Only these warehouses are used even if
            ``availability`` knows others (e.g. other companies' sites).
        availability: shared free stock/incoming/capacity; consumed on success.
        policy: an :class:`AllocationPolicy`, or a policy name (default options);
            default ``home_then_nearest``.
        order_id: copied to the result.

    Returns:
        The :class:`OrderAllocation` (lines in input order).

    Raises:
        AllocationInputError: duplicate ids, malformed warehouse figures, unknown policy.
        NoActiveWarehouseError: no warehouse, or none active.
    """
    if policy is None:
        policy = AllocationPolicy()
    elif not isinstance(policy, AllocationPolicy):
        policy = AllocationPolicy(name=policy)
    _validate_lines(lines)
    active = _validate_warehouses(warehouses)
    ranked = sorted(active, key=lambda warehouse: _rank_key(policy.name, warehouse))
    scratch = _Scratch(availability)
    works: list[_Work] = []
    valid: list[_Work] = []
    unknown: list[_Work] = []
    for line in lines:
        work = _Work(line=line, key=_line_key(line.date))
        works.append(work)
        if not is_number(line.quantity) or line.quantity <= 0:
            work.reason = REASON_INVALID_QUANTITY
            work.notes.append(
                f"Quantity {line.quantity!r} is not a positive number; nothing allocated."
            )
        elif not availability.knows_product(line.product_id):
            work.reason = REASON_UNKNOWN_PRODUCT
            work.notes.append(
                f"{line.product_label[:1].upper()}{line.product_label[1:]} is not stocked or "
                "expected in any warehouse of the network."
            )
            unknown.append(work)
        else:
            valid.append(work)
    # lines in a canonical order: the result does not depend on the order they came in
    valid.sort(key=_work_order_key)
    unknown.sort(key=_work_order_key)
    shipments = _Shipments(policy.max_shipments_per_order)
    if policy.name is Policy.SHIP_COMPLETE:
        notes = _allocate_complete(valid, unknown, ranked, scratch, policy)
    elif policy.name is Policy.FEWEST_SHIPMENTS:
        notes = _allocate_fewest(valid, ranked, scratch, policy, shipments)
    elif policy.name is Policy.NEAREST_FIRST:
        notes = _allocate_nearest_first(valid, ranked, scratch, policy, shipments)
    else:
        notes = _allocate_ranked(valid, ranked, scratch, policy, shipments)
    scratch.commit()
    notes = [*_order_preamble(policy, ranked), *notes, *_order_summary(works, ranked)]
    results = []
    for work in works:
        unallocated = 0.0 if work.reason == REASON_INVALID_QUANTITY else work.remaining
        results.append(
            LineAllocation(
                line_id=work.line.line_id,
                product_id=work.line.product_id,
                requested=work.line.quantity,
                allocations=tuple((wh.warehouse_id, qty) for wh, qty in work.allocations),
                unallocated=unallocated,
                reason=work.reason,
                explanation=tuple(work.notes),
            )
        )
    return OrderAllocation(
        order_id=order_id, policy=policy.name, lines=tuple(results), explanation=tuple(notes)
    )


def allocate_batch(
    orders: Iterable[OrderRequest],
    availability: Availability,
    default_policy: AllocationPolicy | Policy | str | None = None,
    *,
    raise_on_error: bool = False,
) -> list[OrderAllocation]:
    """Allocate orders one after the other (in the given order) against shared availability.

    Sort the orders first with :func:`~.scoring.sort_for_release` so that the most urgent
    or valuable orders get scarce stock first.  Each order uses its own policy if set,
    else ``default_policy``.  An order whose input is invalid yields an allocation with
    ``error`` set and every line unallocated (:data:`REASON_INVALID_ORDER`), consuming
    nothing, unless ``raise_on_error`` is true.
    """
    results = []
    for order in orders:
        policy = order.policy if order.policy is not None else default_policy
        try:
            results.append(
                allocate_order(
                    order.lines, order.warehouses, availability, policy, order_id=order.order_id
                )
            )
        except AllocationInputError as error:
            if raise_on_error:
                raise
            message = f"Order not allocated: {error}."
            lines = tuple(
                LineAllocation(
                    line_id=line.line_id,
                    product_id=line.product_id,
                    requested=line.quantity,
                    allocations=(),
                    unallocated=line.quantity
                    if is_number(line.quantity) and line.quantity > 0
                    else 0.0,
                    reason=REASON_INVALID_ORDER,
                    explanation=(message,),
                )
                for line in order.lines
            )
            name = policy.name if isinstance(policy, AllocationPolicy) else policy
            try:
                policy_name = Policy(name or Policy.HOME_THEN_NEAREST)
            except ValueError:
                policy_name = Policy.HOME_THEN_NEAREST
            results.append(
                OrderAllocation(
                    order_id=order.order_id,
                    policy=policy_name,
                    lines=lines,
                    explanation=(message,),
                    error=str(error),
                )
            )
    return results
