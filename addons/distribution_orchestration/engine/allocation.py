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
    Per (warehouse, product): ``on hand - reserved - safety stock`` (see
    :func:`free_quantity`).  When that figure is negative the deficit is *netted
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
convention: lower is preferred.  ``distance`` is a distance or zone rank to the
customer, lower is nearer.  ``cost`` is a relative shipping cost, lower is cheaper.

``home_then_nearest``
    Rank ``(not home, distance, priority, cost, id)``.  The first ranked warehouse able
    to serve the whole line serves it.  Otherwise, if splitting is allowed, the line is
    filled in rank order (home first, then nearest) up to
    ``max_warehouses_per_line``.
``nearest_with_stock``
    Same as above with rank ``(distance, priority, cost, id)``: the home flag is
    ignored, the nearest warehouse holding enough stock wins.
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

from .common import EPS, as_datetime, clean, fmt_qty, fmt_when, is_number

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
REASON_SHIP_COMPLETE = "ship_complete_impossible"
REASON_INVALID_ORDER = "invalid_order"

_ON_HAND = datetime.min  # date key of the on-hand bucket: eligible for every line
_MAX_NAMED = 3  # warehouses named in an explanation before "and n more"


class AllocationInputError(ValueError):
    """The input of an allocation is structurally wrong (not a per-line data problem)."""


class NoActiveWarehouseError(AllocationInputError):
    """No active warehouse was given for an order."""


class Policy(StrEnum):
    """Allocation policies; see the module documentation for their exact rules."""

    HOME_THEN_NEAREST = "home_then_nearest"
    FEWEST_SHIPMENTS = "fewest_shipments"
    NEAREST_WITH_STOCK = "nearest_with_stock"
    SHIP_COMPLETE = "ship_complete"


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
    """

    name: Policy | str = Policy.HOME_THEN_NEAREST
    allow_split: bool = True
    max_warehouses_per_line: int | None = None
    allow_partial: bool = True

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


@dataclass(frozen=True)
class OrderLine:
    """One order line to allocate.

    Attributes:
        line_id: the line's identifier (e.g. the ``sale.order.line`` id), unique per order.
        product_id: the product.
        quantity: requested quantity in the product's stock unit; must be > 0 to allocate.
        date: requested/promised date; receipts arriving later do not count.  None means
            "now": only on-hand stock counts.
    """

    line_id: LineId
    product_id: ProductId
    quantity: float
    date: date | datetime | None = None


@dataclass(frozen=True)
class Warehouse:
    """A warehouse as seen from one order's customer.

    Attributes:
        warehouse_id: id, also the final tie-breaker (ascending).
        distance: distance or zone rank to the customer; lower is nearer.
        priority: preference order like Odoo's ``sequence``; lower is preferred.
        cost: relative shipping cost to the customer (any unit); lower is cheaper.
        is_home: the customer's home warehouse.
        active: inactive (archived) warehouses never receive allocations.
        name: label used in explanations (defaults to ``warehouse <id>``).
    """

    warehouse_id: WarehouseId
    distance: float = 0.0
    priority: float = 10
    cost: float = 0.0
    is_home: bool = False
    active: bool = True
    name: str | None = None

    @property
    def label(self) -> str:
        """Name used in explanations."""
        return self.name or f"warehouse {self.warehouse_id}"


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
    """Stock figures of one product in one warehouse (see :meth:`Availability.from_positions`)."""

    warehouse_id: WarehouseId
    product_id: ProductId
    on_hand: float
    reserved: float = 0.0
    safety_stock: float = 0.0


def free_quantity(on_hand: float, reserved: float = 0.0, safety_stock: float = 0.0) -> float:
    """Return the free stock available now: ``max(on_hand - reserved - safety_stock, 0)``."""
    return max(on_hand - reserved - safety_stock, 0.0)


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
            for figure in (position.on_hand, position.reserved, position.safety_stock):
                if not is_number(figure):
                    raise AllocationInputError(f"stock figure is not a number: {position!r}")
            key = (position.warehouse_id, position.product_id)
            net = position.on_hand - position.reserved - position.safety_stock
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


def _rank_key(policy: Policy, warehouse: Warehouse) -> tuple:
    if policy is Policy.NEAREST_WITH_STOCK:
        return (warehouse.distance, warehouse.priority, warehouse.cost, warehouse.warehouse_id)
    return (
        not warehouse.is_home,
        warehouse.distance,
        warehouse.priority,
        warehouse.cost,
        warehouse.warehouse_id,
    )


def _validate_warehouses(warehouses: Sequence[Warehouse]) -> list[Warehouse]:
    if not warehouses:
        raise NoActiveWarehouseError("no warehouse given for the order")
    seen: set[WarehouseId] = set()
    for warehouse in warehouses:
        if warehouse.warehouse_id in seen:
            raise AllocationInputError(f"duplicate warehouse id {warehouse.warehouse_id!r}")
        seen.add(warehouse.warehouse_id)
        for name in ("distance", "priority", "cost"):
            if not is_number(getattr(warehouse, name)):
                raise AllocationInputError(
                    f"{name} of {warehouse.label} is not a number: {getattr(warehouse, name)!r}"
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
    if warehouse.is_home and policy is not Policy.NEAREST_WITH_STOCK:
        return "the customer's home warehouse"
    return f"distance {fmt_qty(warehouse.distance)}, priority {fmt_qty(warehouse.priority)}"


def _describe_skipped(
    skipped: Sequence[tuple[Warehouse, float, bool]], quantity: float
) -> str | None:
    """Sentence on better-ranked warehouses passed over: (warehouse, available, has capacity)."""
    if not skipped:
        return None
    parts = []
    for warehouse, available, has_capacity in skipped[:_MAX_NAMED]:
        if not has_capacity:
            parts.append(f"{warehouse.label} has no picking capacity left today")
        else:
            parts.append(f"{warehouse.label} has {fmt_qty(available)} of {fmt_qty(quantity)}")
    extra = len(skipped) - _MAX_NAMED
    if extra > 0:
        parts.append(f"{extra} more ranked higher could not serve it either")
    return "Passed over: " + "; ".join(parts) + "."


def _shortage(work: _Work, candidates: Sequence[Warehouse], scratch: _Scratch, policy) -> None:
    """Set the reason and explanation of a line left (partly) unallocated."""
    remaining = work.remaining
    if remaining <= EPS:
        return
    line = work.line
    when = fmt_when(line.date)
    stock_total = 0.0
    eligible_total = 0.0
    for warehouse in candidates:
        available = scratch.available(warehouse.warehouse_id, line.product_id, work.key)
        stock_total += available
        if scratch.has_capacity(warehouse.warehouse_id):
            eligible_total += available
    already = work.line.quantity - remaining
    if stock_total + already <= EPS:
        work.reason = REASON_NO_STOCK
        work.notes.append(
            f"Short {fmt_qty(remaining)}: no active warehouse has product {line.product_id} "
            f"available by {when}."
        )
    elif eligible_total + already <= EPS:
        work.reason = REASON_NO_CAPACITY
        work.notes.append(
            f"Short {fmt_qty(remaining)}: the warehouses holding product {line.product_id} "
            f"({fmt_qty(stock_total)} available) have no picking capacity left today."
        )
    elif eligible_total + EPS >= remaining and not policy.allow_split:
        work.reason = REASON_SPLIT_NOT_ALLOWED
        work.notes.append(
            f"Short {fmt_qty(remaining)}: the network has {fmt_qty(eligible_total)} more "
            f"available by {when}, but no single warehouse can serve the line and the policy "
            "does not allow splitting."
        )
    elif eligible_total + EPS >= remaining:
        work.reason = REASON_SPLIT_LIMIT
        work.notes.append(
            f"Short {fmt_qty(remaining)}: {fmt_qty(eligible_total)} more available by {when}, "
            f"but the policy allows at most {policy.max_warehouses_per_line} warehouse(s) "
            "per line."
        )
    else:
        work.reason = REASON_INSUFFICIENT_STOCK
        work.notes.append(
            f"Short {fmt_qty(remaining)}: only {fmt_qty(eligible_total + already)} of "
            f"{fmt_qty(line.quantity)} available by {when} across the eligible warehouses."
        )


def _take(work: _Work, warehouse: Warehouse, quantity: float, scratch: _Scratch) -> None:
    scratch.take(warehouse.warehouse_id, work.line.product_id, work.key, quantity)
    work.allocations.append((warehouse, quantity))


def _single(
    work: _Work, ranked: Sequence[Warehouse], scratch: _Scratch
) -> tuple[Warehouse | None, list[tuple[Warehouse, float, bool]]]:
    """First ranked warehouse able to serve the whole remaining quantity, and those passed over."""
    need = work.remaining
    skipped: list[tuple[Warehouse, float, bool]] = []
    for warehouse in ranked:
        available = scratch.available(warehouse.warehouse_id, work.line.product_id, work.key)
        has_capacity = scratch.has_capacity(warehouse.warehouse_id)
        if has_capacity and available + EPS >= need:
            return warehouse, skipped
        skipped.append((warehouse, available, has_capacity))
    return None, skipped


def _fill(
    work: _Work,
    sources: Sequence[Warehouse],
    scratch: _Scratch,
    policy: AllocationPolicy,
    how: str,
) -> None:
    """Split the line over ``sources`` in the given order (respecting the per-line limit)."""
    limit = policy.max_warehouses_per_line
    parts = []
    for warehouse in sources:
        need = work.remaining
        if need <= EPS or (limit is not None and len(work.allocations) >= limit):
            break
        if not scratch.has_capacity(warehouse.warehouse_id):
            continue
        available = scratch.available(warehouse.warehouse_id, work.line.product_id, work.key)
        if available <= EPS:
            continue
        quantity = min(need, available)
        _take(work, warehouse, quantity, scratch)
        tail = " (all it has)" if quantity < need - EPS else ""
        parts.append(f"{fmt_qty(quantity)} from {warehouse.label}{tail}")
    if parts:
        work.notes.append(
            f"No single warehouse can serve {fmt_qty(work.line.quantity)}; split {how}: "
            + ", ".join(parts)
            + "."
        )


def _partial(
    work: _Work,
    candidates: Sequence[Warehouse],
    scratch: _Scratch,
    preferred: set[WarehouseId] = frozenset(),
) -> None:
    """Serve what the warehouse with the largest quantity has (ties: preferred, then order)."""
    best: Warehouse | None = None
    best_key: tuple | None = None
    best_available = 0.0
    for index, warehouse in enumerate(candidates):
        if not scratch.has_capacity(warehouse.warehouse_id):
            continue
        available = scratch.available(warehouse.warehouse_id, work.line.product_id, work.key)
        if available <= EPS:
            continue
        key = (-available, warehouse.warehouse_id not in preferred, index)
        if best_key is None or key < best_key:
            best, best_key, best_available = warehouse, key, available
    if best is not None:
        quantity = min(best_available, work.remaining)
        _take(work, best, quantity, scratch)
        work.notes.append(
            f"Partly served: {fmt_qty(quantity)} from {best.label}, the warehouse holding the "
            "most; splitting is not allowed, the rest is backordered."
        )


def _allocate_ranked(
    works: Sequence[_Work], ranked: Sequence[Warehouse], scratch: _Scratch, policy: AllocationPolicy
) -> list[str]:
    for work in works:
        chosen, skipped = _single(work, ranked, scratch)
        if chosen is not None:
            _take(work, chosen, work.remaining, scratch)
            if policy.name is Policy.HOME_THEN_NEAREST and chosen.is_home:
                why = "the customer's home warehouse has enough stock"
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
            if policy.name is Policy.NEAREST_WITH_STOCK:
                order = "nearest first"
            _fill(work, ranked, scratch, policy, order)
        elif policy.allow_partial:
            _partial(work, ranked, scratch)
        _shortage(work, ranked, scratch, policy)
        if passed and work.remaining > EPS:
            work.notes.append(passed)
    return []


def _cover(
    works: Sequence[_Work], warehouses: Sequence[Warehouse], base: _Layer
) -> tuple[_Scratch, list[Warehouse], dict[int, Warehouse]]:
    """Greedy set cover of ``works`` by ``warehouses`` (each line served in full by one).

    Returns the scratch holding the takes, the warehouses chosen in order, and the
    assignment ``{index of work: warehouse}``.
    """
    trial = _Scratch(base)
    chosen: list[Warehouse] = []
    assignment: dict[int, Warehouse] = {}
    remaining = list(range(len(works)))
    while remaining:
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
    chosen_ids: set[WarehouseId],
    scratch: _Scratch,
    policy: AllocationPolicy,
) -> None:
    """Serve a line left out of the cover (``fewest_shipments`` step 4); updates ``chosen_ids``."""
    preferred = sorted(
        ranked, key=lambda wh: (wh.warehouse_id not in chosen_ids, rank_of[wh.warehouse_id])
    )
    single, _skipped = _single(work, preferred, scratch)
    if single is not None:
        _take(work, single, work.line.quantity, scratch)
        chosen_ids.add(single.warehouse_id)
        work.notes.append(f"Served in full from {single.label}.")
        return
    if policy.allow_split:
        shipping = [wh for wh in preferred if wh.warehouse_id in chosen_ids]
        others = sorted(
            (wh for wh in ranked if wh.warehouse_id not in chosen_ids),
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
            "warehouses already shipping this order first, then the largest stocks",
        )
    elif policy.allow_partial:
        _partial(work, preferred, scratch, chosen_ids)
    chosen_ids.update(wh.warehouse_id for wh, _qty in work.allocations)
    _shortage(work, ranked, scratch, policy)


def _allocate_fewest(
    works: Sequence[_Work], ranked: Sequence[Warehouse], scratch: _Scratch, policy: AllocationPolicy
) -> list[str]:
    notes: list[str] = []
    if not works:
        return notes
    # The greedy cover picks first a warehouse serving every line if there is one
    # (most lines covered, then rank), so step 1 of the policy is part of it.
    trial, chosen, assignment = _cover(works, ranked, scratch)
    if len(chosen) >= 3:
        improved = _exact_cover(works, ranked, scratch, assignment, len(chosen))
        if improved is not None:
            trial, chosen, assignment = improved
    trial.commit()
    rank_of = {warehouse.warehouse_id: rank for rank, warehouse in enumerate(ranked)}
    chosen_ids = {warehouse.warehouse_id for warehouse in chosen}
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
                f"Served in full from {warehouse.label}, one of the {len(chosen)} warehouse(s) "
                f"chosen to minimise shipments (it serves {lines_here} line(s) of the order)."
            )
    # Lines no single warehouse could serve within the cover: one site if possible, else split.
    for index, work in enumerate(works):
        if index not in assignment:
            _serve_uncovered(work, ranked, rank_of, chosen_ids, scratch, policy)
    used = sorted(chosen_ids, key=rank_of.__getitem__)
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
            return [f"Ship complete from {warehouse.label}."]
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
                missing.append(f"no capacity for line {work.line.line_id}")
            else:
                missing.append(
                    f"product {work.line.product_id} {fmt_qty(available)} of "
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
            f"product(s) {', '.join(str(w.line.product_id) for w in unknown)} unknown to the "
            "network; " + detail
        )
    for work in works:
        work.reason = REASON_SHIP_COMPLETE
        work.notes.append(
            f"Backordered: the order must ship complete from one warehouse and none can "
            f"({fmt_qty(work.line.quantity)} of product {work.line.product_id} is part of it)."
        )
    return [f"Ship complete impossible, whole order backordered: {detail}."]


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
                f"Product {line.product_id} is not stocked or expected in any warehouse of "
                "the network."
            )
            unknown.append(work)
        else:
            valid.append(work)
    if policy.name is Policy.SHIP_COMPLETE:
        notes = _allocate_complete(valid, unknown, ranked, scratch, policy)
    elif policy.name is Policy.FEWEST_SHIPMENTS:
        notes = _allocate_fewest(valid, ranked, scratch, policy)
    else:
        notes = _allocate_ranked(valid, ranked, scratch, policy)
    scratch.commit()
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
