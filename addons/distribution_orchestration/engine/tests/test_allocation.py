"""Known-answer tests of the allocation engine (policies, tie-breaks, splits, dates, capacity)."""

from datetime import date, datetime

import pytest

from distribution_orchestration.engine.allocation import (
    REASON_INSUFFICIENT_STOCK,
    REASON_INVALID_ORDER,
    REASON_INVALID_QUANTITY,
    REASON_NO_CAPACITY,
    REASON_NO_STOCK,
    REASON_SHIP_COMPLETE,
    REASON_SPLIT_LIMIT,
    REASON_SPLIT_NOT_ALLOWED,
    REASON_UNKNOWN_PRODUCT,
    AllocationInputError,
    AllocationPolicy,
    Availability,
    IncomingSupply,
    NoActiveWarehouseError,
    OrderLine,
    OrderRequest,
    Policy,
    StockPosition,
    Warehouse,
    allocate_batch,
    allocate_order,
    free_quantity,
)

HOME, NEAR, FAR = 1, 2, 3
P1, P2, P3 = 101, 102, 103


def network(home_distance=30.0):
    """Home warehouse (far-ish), a near one and a far one."""
    return [
        Warehouse(HOME, distance=home_distance, is_home=True, name="Home"),
        Warehouse(NEAR, distance=5, name="Near"),
        Warehouse(FAR, distance=80, name="Far"),
    ]


def stock(**per_wh):
    """stock(home=4, near=3) -> {(HOME, P1): 4, (NEAR, P1): 3} for product P1."""
    ids = {"home": HOME, "near": NEAR, "far": FAR}
    return Availability({(ids[name], P1): qty for name, qty in per_wh.items()})


def alloc(line):
    return list(line.allocations)


# --- home_then_nearest --------------------------------------------------------------------


def test_home_then_nearest_prefers_home_even_if_farther():
    availability = stock(home=10, near=10, far=10)
    result = allocate_order([OrderLine(1, P1, 10)], network(), availability, "home_then_nearest")
    line = result.lines[0]
    assert alloc(line) == [(HOME, 10)]
    assert line.unallocated == 0 and line.reason is None
    assert "home warehouse" in line.explanation[0]
    assert availability.available(HOME, P1) == 0
    assert availability.available(NEAR, P1) == 10


def test_home_then_nearest_falls_back_to_nearest_single_site_with_enough():
    availability = stock(home=3, near=10, far=50)
    result = allocate_order([OrderLine(1, P1, 10)], network(), availability)
    line = result.lines[0]
    assert alloc(line) == [(NEAR, 10)]
    assert line.explanation[0] == (
        "Served in full (10) from Near: nearest warehouse with enough stock (5.0 km, priority 10)."
    )
    assert line.explanation[1] == "Passed over: Home (30.0 km) has 3 of 10."


def test_home_then_nearest_splits_home_first_then_nearest():
    availability = stock(home=4, near=3, far=5)
    result = allocate_order([OrderLine(1, P1, 10)], network(), availability)
    line = result.lines[0]
    assert alloc(line) == [(HOME, 4), (NEAR, 3), (FAR, 3)]
    assert line.is_split and line.unallocated == 0
    assert (
        "No single warehouse can serve 10; split home warehouse first, then nearest"
        in (line.explanation[0])
    )
    assert (
        "4 from Home (30.0 km, all it has), 3 from Near (5.0 km, all it has), 3 from Far (80.0 km)"
        in line.explanation[0]
    )


def test_split_not_allowed_serves_largest_stock_partially():
    availability = stock(home=4, near=6, far=3)
    policy = AllocationPolicy("home_then_nearest", allow_split=False)
    line = allocate_order([OrderLine(1, P1, 10)], network(), availability, policy).lines[0]
    assert alloc(line) == [(NEAR, 6)]
    assert line.unallocated == 4
    assert line.reason == REASON_SPLIT_NOT_ALLOWED
    assert any("Partly served: 6 from Near" in text for text in line.explanation)


def test_split_and_partial_not_allowed_allocates_nothing():
    availability = stock(home=4, near=6, far=3)
    policy = AllocationPolicy("home_then_nearest", allow_split=False, allow_partial=False)
    line = allocate_order([OrderLine(1, P1, 10)], network(), availability, policy).lines[0]
    assert alloc(line) == []
    assert line.unallocated == 10
    assert line.reason == REASON_SPLIT_NOT_ALLOWED
    assert availability.available(NEAR, P1) == 6


def test_max_warehouses_per_line_limits_split():
    availability = stock(home=4, near=3, far=5)
    policy = AllocationPolicy("home_then_nearest", max_warehouses_per_line=2)
    line = allocate_order([OrderLine(1, P1, 10)], network(), availability, policy).lines[0]
    assert alloc(line) == [(HOME, 4), (NEAR, 3)]
    assert line.unallocated == 3
    assert line.reason == REASON_SPLIT_LIMIT


def test_insufficient_stock_reports_exact_shortage():
    availability = stock(home=4, near=3)
    line = allocate_order([OrderLine(1, P1, 10)], network(), availability).lines[0]
    assert alloc(line) == [(HOME, 4), (NEAR, 3)]
    assert line.unallocated == 3
    assert line.reason == REASON_INSUFFICIENT_STOCK
    assert (
        "Short 3: only 7 of 10 product 101 available by today across the eligible warehouses."
        in (line.explanation)
    )


# --- nearest_with_stock -------------------------------------------------------------------


def test_nearest_with_stock_ignores_home_flag():
    availability = stock(home=10, near=10, far=10)
    line = allocate_order(
        [OrderLine(1, P1, 10)], network(), availability, Policy.NEAREST_WITH_STOCK
    ).lines[0]
    assert alloc(line) == [(NEAR, 10)]


def test_nearest_with_stock_skips_near_without_enough():
    availability = stock(home=10, near=2, far=10)
    line = allocate_order([OrderLine(1, P1, 10)], network(), availability, "nearest_with_stock")
    assert alloc(line.lines[0]) == [(HOME, 10)]  # distance 30 < 80


def test_nearest_with_stock_split_nearest_first():
    availability = stock(home=4, near=3, far=5)
    line = allocate_order([OrderLine(1, P1, 10)], network(), availability, "nearest_with_stock")
    assert alloc(line.lines[0]) == [(NEAR, 3), (HOME, 4), (FAR, 3)]


# --- tie-breaking -------------------------------------------------------------------------


@pytest.mark.parametrize("policy", list(Policy))
def test_identical_warehouses_tie_break_on_lowest_id(policy):
    warehouses = [Warehouse(7), Warehouse(3), Warehouse(5)]
    availability = Availability({(7, P1): 10, (3, P1): 10, (5, P1): 10})
    line = allocate_order([OrderLine(1, P1, 10)], warehouses, availability, policy).lines[0]
    assert alloc(line) == [(3, 10)]


def test_tie_break_order_distance_priority_cost_id():
    availability = Availability({(wh, P1): 10 for wh in (1, 2, 3, 4, 5)})

    def pick(warehouses):
        copy = availability.copy()
        return alloc(allocate_order([OrderLine(1, P1, 5)], warehouses, copy).lines[0])[0][0]

    # distance first
    assert pick([Warehouse(1, distance=9), Warehouse(2, distance=3)]) == 2
    # then priority (lower preferred)
    assert pick([Warehouse(1, distance=3, priority=5), Warehouse(2, distance=3, priority=1)]) == 2
    # then cost
    assert pick([Warehouse(4, distance=3, cost=2.5), Warehouse(3, distance=3, cost=1.0)]) == 3
    # then id
    assert pick([Warehouse(5, distance=3, cost=1.0), Warehouse(4, distance=3, cost=1.0)]) == 4
    # home beats everything for home_then_nearest
    assert pick([Warehouse(1, distance=1), Warehouse(5, distance=99, is_home=True)]) == 5


def test_result_does_not_depend_on_input_order():
    warehouses = [Warehouse(wh, distance=wh % 3, priority=wh % 2, cost=1.0) for wh in range(1, 10)]
    base = Availability({(wh, P1): 3 for wh in range(1, 10)})
    lines = [OrderLine(1, P1, 10)]
    for policy in Policy:
        first = allocate_order(lines, warehouses, base.copy(), policy)
        second = allocate_order(lines, list(reversed(warehouses)), base.copy(), policy)
        assert first == second


# --- fewest_shipments ---------------------------------------------------------------------


def test_fewest_shipments_prefers_one_far_site_over_two_near_ones():
    warehouses = network()
    availability = Availability(
        {(HOME, P1): 5, (HOME, P2): 5, (NEAR, P3): 5, (FAR, P1): 5, (FAR, P2): 5, (FAR, P3): 5}
    )
    lines = [OrderLine(1, P1, 2), OrderLine(2, P2, 2), OrderLine(3, P3, 2)]
    other = allocate_order(lines, warehouses, availability.copy(), "home_then_nearest")
    assert other.warehouse_ids == (HOME, NEAR)
    result = allocate_order(lines, warehouses, availability, "fewest_shipments")
    assert result.warehouse_ids == (FAR,)
    assert result.explanation[2] == "Fewest shipments: one warehouse (Far)."
    assert all(alloc(line) == [(FAR, 2)] for line in result.lines)


def test_fewest_shipments_exact_search_beats_greedy_cover():
    # Greedy would take W3 (4 lines) and then need W1 and W2: 3 warehouses.
    w1, w2, w3 = 11, 12, 13
    warehouses = [
        Warehouse(w3, distance=1, is_home=True, name="W3"),
        Warehouse(w1, distance=2, name="W1"),
        Warehouse(w2, distance=3, name="W2"),
    ]
    products = [201, 202, 203, 204, 205, 206]
    free = {(w1, p): 1 for p in products[:3]}
    free.update({(w2, p): 1 for p in products[3:]})
    free.update({(w3, p): 1 for p in (201, 202, 204, 205)})
    availability = Availability(free)
    lines = [OrderLine(index, product, 1) for index, product in enumerate(products, 1)]
    result = allocate_order(lines, warehouses, availability, "fewest_shipments")
    assert result.warehouse_ids == (w1, w2)
    assert [alloc(line) for line in result.lines] == [
        [(w1, 1)],
        [(w1, 1)],
        [(w1, 1)],
        [(w2, 1)],
        [(w2, 1)],
        [(w2, 1)],
    ]
    assert result.explanation[2].startswith("Fewest shipments: 2 warehouses (W1, W2)")


def test_fewest_shipments_splits_only_unservable_line_shipping_sites_first():
    w1, w2, w3 = 21, 22, 23
    warehouses = [Warehouse(w1, distance=1), Warehouse(w2, distance=2), Warehouse(w3, distance=3)]
    availability = Availability({(w1, P1): 6, (w2, P1): 2, (w3, P1): 5, (w3, P2): 1})
    lines = [OrderLine("a", P1, 10), OrderLine("b", P2, 1)]
    result = allocate_order(lines, warehouses, availability, "fewest_shipments")
    line_a, line_b = result.lines
    assert alloc(line_b) == [(w3, 1)]
    # w3 already ships the order: take its 5 first, then the largest stock (w1), not w2.
    assert alloc(line_a) == [(w3, 5), (w1, 5)]
    assert result.warehouse_ids == (w1, w3)
    assert "warehouses already shipping this order first" in line_a.explanation[0]


def test_fewest_shipments_without_split_serves_partially():
    warehouses = [Warehouse(1), Warehouse(2)]
    availability = Availability({(1, P1): 6, (2, P1): 7})
    policy = AllocationPolicy("fewest_shipments", allow_split=False)
    line = allocate_order([OrderLine(1, P1, 10)], warehouses, availability, policy).lines[0]
    assert alloc(line) == [(2, 7)]
    assert line.unallocated == 3 and line.reason == REASON_SPLIT_NOT_ALLOWED


# --- ship_complete ------------------------------------------------------------------------


def test_ship_complete_first_ranked_site_able_to_ship_everything():
    availability = Availability(
        {(HOME, P1): 5, (NEAR, P1): 5, (NEAR, P2): 5, (FAR, P1): 5, (FAR, P2): 5}
    )
    lines = [OrderLine(1, P1, 5), OrderLine(2, P2, 5)]
    result = allocate_order(lines, network(), availability, "ship_complete")
    assert result.warehouse_ids == (NEAR,)
    assert result.is_complete
    assert result.explanation[2] == "Ship complete from Near (5.0 km)."


def test_ship_complete_impossible_backorders_whole_order_and_consumes_nothing():
    availability = Availability({(HOME, P1): 5, (NEAR, P2): 5, (FAR, P1): 2, (FAR, P2): 5})
    before = availability.copy()
    lines = [OrderLine(1, P1, 5), OrderLine(2, P2, 5)]
    result = allocate_order(lines, network(), availability, "ship_complete")
    assert [alloc(line) for line in result.lines] == [[], []]
    assert [line.reason for line in result.lines] == [REASON_SHIP_COMPLETE] * 2
    assert [line.unallocated for line in result.lines] == [5, 5]
    assert not result.is_complete
    assert result.explanation[2] == (
        "Ship complete impossible, whole order backordered: "
        "Home covers 1/2 lines (short: product 102 0 of 5); "
        "Near covers 1/2 lines (short: product 101 0 of 5); "
        "Far covers 1/2 lines (short: product 101 2 of 5)."
    )
    for wh in (HOME, NEAR, FAR):
        for product in (P1, P2):
            assert availability.available(wh, product) == before.available(wh, product)


def test_ship_complete_never_splits_even_if_split_allowed():
    availability = stock(home=5, near=5)
    policy = AllocationPolicy("ship_complete", allow_split=True)
    line = allocate_order([OrderLine(1, P1, 8)], network(), availability, policy).lines[0]
    assert alloc(line) == [] and line.reason == REASON_SHIP_COMPLETE


def test_ship_complete_with_unknown_product_backorders_everything():
    availability = stock(home=10)
    lines = [OrderLine(1, P1, 5), OrderLine(2, 999, 1)]
    result = allocate_order(lines, network(), availability, "ship_complete")
    assert [line.reason for line in result.lines] == [REASON_SHIP_COMPLETE, REASON_UNKNOWN_PRODUCT]
    assert "product 999 unknown to the network" in result.explanation[2]
    assert availability.available(HOME, P1) == 10


def test_ship_complete_ignores_zero_quantity_lines():
    availability = stock(home=10)
    lines = [OrderLine(1, P1, 5), OrderLine(2, P2, 0)]
    result = allocate_order(lines, network(), availability, "ship_complete")
    assert alloc(result.lines[0]) == [(HOME, 5)]
    assert result.lines[1].reason == REASON_INVALID_QUANTITY


# --- sequential allocation ----------------------------------------------------------------


def test_sequential_orders_consume_shared_availability():
    availability = stock(home=6, near=4)
    orders = [
        OrderRequest("SO1", [OrderLine(1, P1, 5)], network()),
        OrderRequest("SO2", [OrderLine(1, P1, 3)], network()),
        OrderRequest("SO3", [OrderLine(1, P1, 5)], network()),
    ]
    first, second, third = allocate_batch(orders, availability)
    assert alloc(first.lines[0]) == [(HOME, 5)]
    assert alloc(second.lines[0]) == [(NEAR, 3)]  # home has 1 left, near has 4
    assert alloc(third.lines[0]) == [(HOME, 1), (NEAR, 1)]
    assert third.lines[0].unallocated == 3
    assert third.lines[0].reason == REASON_INSUFFICIENT_STOCK
    assert availability.network_available(P1) == 0


def test_batch_uses_per_order_policy_override():
    availability = stock(home=10, near=10)
    orders = [
        OrderRequest("A", [OrderLine(1, P1, 1)], network()),
        OrderRequest("B", [OrderLine(1, P1, 1)], network(), AllocationPolicy("nearest_with_stock")),
    ]
    a, b = allocate_batch(orders, availability, "home_then_nearest")
    assert a.warehouse_ids == (HOME,) and b.warehouse_ids == (NEAR,)
    assert b.policy is Policy.NEAREST_WITH_STOCK


def test_batch_turns_input_error_into_unallocated_order_and_continues():
    availability = stock(home=10)
    orders = [
        OrderRequest("bad", [OrderLine(1, P1, 1)], [Warehouse(HOME, active=False)]),
        OrderRequest("good", [OrderLine(1, P1, 4)], network()),
    ]
    bad, good = allocate_batch(orders, availability)
    assert bad.error and "none of the 1 warehouse(s)" in bad.error
    assert bad.lines[0].reason == REASON_INVALID_ORDER and bad.lines[0].unallocated == 1
    assert not bad.is_complete
    assert good.is_complete and availability.available(HOME, P1) == 6
    with pytest.raises(NoActiveWarehouseError):
        allocate_batch(orders, availability, raise_on_error=True)


# --- incoming supply by date --------------------------------------------------------------


def test_incoming_counts_only_if_it_arrives_by_the_line_date():
    incoming = [IncomingSupply(HOME, P1, 10, date(2025, 3, 10))]
    availability = Availability({(HOME, P1): 0}, incoming)
    lines = [
        OrderLine("early", P1, 4, date(2025, 3, 9)),
        OrderLine("now", P1, 4),
        OrderLine("on_day", P1, 4, date(2025, 3, 10)),
    ]
    result = allocate_order(lines, [Warehouse(HOME, is_home=True)], availability)
    early, now, on_day = result.lines
    assert alloc(early) == [] and early.reason == REASON_NO_STOCK
    assert "by 2025-03-09" in early.explanation[0]
    assert alloc(now) == [] and now.reason == REASON_NO_STOCK
    assert alloc(on_day) == [(HOME, 4)]
    assert availability.available(HOME, P1, date(2025, 3, 10)) == 6


def test_date_and_datetime_mix_whole_day_semantics():
    incoming = [
        IncomingSupply(HOME, P1, 5, datetime(2025, 3, 10, 15, 0)),
        IncomingSupply(NEAR, P1, 5, date(2025, 3, 10)),
    ]
    availability = Availability({}, incoming)
    # a date deadline is the end of that day: the 15:00 receipt counts
    assert availability.available(HOME, P1, date(2025, 3, 10)) == 5
    # a datetime deadline before the receipt time does not count it
    assert availability.available(HOME, P1, datetime(2025, 3, 10, 8, 0)) == 0
    # a date receipt arrives at the start of the day
    assert availability.available(NEAR, P1, datetime(2025, 3, 10, 8, 0)) == 5


def test_consumes_latest_eligible_supply_first_keeping_stock_for_earlier_dates():
    incoming = [IncomingSupply(HOME, P1, 10, date(2025, 3, 10))]
    availability = Availability({(HOME, P1): 5}, incoming)
    warehouses = [Warehouse(HOME)]
    late = allocate_order([OrderLine(1, P1, 10, date(2025, 3, 20))], warehouses, availability)
    assert alloc(late.lines[0]) == [(HOME, 10)]
    assert availability.available(HOME, P1) == 5  # on hand untouched
    urgent = allocate_order([OrderLine(1, P1, 5)], warehouses, availability)
    assert alloc(urgent.lines[0]) == [(HOME, 5)]
    assert availability.available(HOME, P1, date(2025, 12, 31)) == 0


def test_deficit_absorbs_earliest_incoming_and_free_quantity_is_floored():
    assert free_quantity(2, 0, 5) == 0
    assert free_quantity(20, 3, 5) == 12
    incoming = [
        IncomingSupply(HOME, P1, 2, date(2025, 3, 5)),
        IncomingSupply(HOME, P1, 10, date(2025, 3, 10)),
    ]
    availability = Availability.from_positions(
        [StockPosition(HOME, P1, on_hand=2, reserved=1, safety_stock=5)], incoming
    )
    # free = 2 - 1 - 5 = -4: the 2 of 5 March and 2 of the 10 March receipt rebuild it
    assert availability.available(HOME, P1) == 0
    assert availability.available(HOME, P1, date(2025, 3, 6)) == 0
    assert availability.available(HOME, P1, date(2025, 3, 10)) == 8


def test_positions_of_same_key_are_summed():
    availability = Availability.from_positions(
        [StockPosition(HOME, P1, 5, 1, 0), StockPosition(HOME, P1, 3, 0, 2)]
    )
    assert availability.available(HOME, P1) == 5


# --- capacity -----------------------------------------------------------------------------


def test_capacity_in_lines_is_shared_across_orders():
    availability = Availability(
        {(HOME, P1): 10, (HOME, P2): 10, (NEAR, P1): 10, (NEAR, P2): 10},
        capacity_lines={HOME: 2, NEAR: None},
    )
    first = allocate_order([OrderLine(1, P1, 1), OrderLine(2, P2, 1)], network(), availability)
    assert first.warehouse_ids == (HOME,)
    assert availability.capacity_left(HOME) == 0
    assert availability.capacity_left(NEAR) is None
    second = allocate_order([OrderLine(1, P1, 1)], network(), availability)
    line = second.lines[0]
    assert alloc(line) == [(NEAR, 1)]
    assert "Passed over: Home has no picking capacity left today." in line.explanation


def test_no_capacity_reason_when_stock_only_where_capacity_is_exhausted():
    availability = Availability({(HOME, P1): 10}, capacity_lines={HOME: 0})
    line = allocate_order([OrderLine(1, P1, 1)], network(), availability).lines[0]
    assert line.reason == REASON_NO_CAPACITY and line.unallocated == 1


def test_split_line_uses_one_capacity_unit_per_warehouse():
    availability = Availability({(HOME, P1): 3, (NEAR, P1): 3}, capacity_lines={HOME: 5, NEAR: 5})
    allocate_order([OrderLine(1, P1, 5)], network(), availability)
    assert availability.capacity_left(HOME) == 4
    assert availability.capacity_left(NEAR) == 4


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [0, -5, float("nan")])
def test_non_positive_quantity_is_reported_on_the_line(quantity):
    availability = stock(home=10)
    result = allocate_order(
        [OrderLine(1, P1, quantity), OrderLine(2, P1, 2)], network(), availability
    )
    bad, good = result.lines
    assert bad.reason == REASON_INVALID_QUANTITY
    assert bad.allocations == () and bad.unallocated == 0
    assert "is not a positive number" in bad.explanation[0]
    assert alloc(good) == [(HOME, 2)]


def test_unknown_product_versus_known_product_without_stock():
    availability = Availability({(HOME, P1): 10}, products=[P2])
    result = allocate_order([OrderLine(1, 999, 1), OrderLine(2, P2, 1)], network(), availability)
    unknown, empty = result.lines
    assert unknown.reason == REASON_UNKNOWN_PRODUCT and unknown.unallocated == 1
    assert empty.reason == REASON_NO_STOCK and empty.unallocated == 1


def test_inactive_warehouse_is_never_used():
    availability = stock(home=10, near=10)
    warehouses = [Warehouse(HOME, is_home=True, active=False), Warehouse(NEAR)]
    line = allocate_order([OrderLine(1, P1, 5)], warehouses, availability).lines[0]
    assert alloc(line) == [(NEAR, 5)]


def test_warehouses_outside_the_order_list_are_ignored():
    availability = stock(home=10, far=10)
    line = allocate_order([OrderLine(1, P1, 5)], [Warehouse(FAR)], availability).lines[0]
    assert alloc(line) == [(FAR, 5)]


def test_structural_errors_raise():
    availability = stock(home=10)
    with pytest.raises(NoActiveWarehouseError):
        allocate_order([OrderLine(1, P1, 1)], [], availability)
    with pytest.raises(NoActiveWarehouseError, match="none of the 2 warehouse"):
        allocate_order(
            [OrderLine(1, P1, 1)],
            [Warehouse(1, active=False), Warehouse(2, active=False)],
            availability,
        )
    with pytest.raises(AllocationInputError, match="duplicate line id 1"):
        allocate_order([OrderLine(1, P1, 1), OrderLine(1, P1, 2)], network(), availability)
    with pytest.raises(AllocationInputError, match="duplicate warehouse id 1"):
        allocate_order([OrderLine(1, P1, 1)], [Warehouse(1), Warehouse(1)], availability)
    with pytest.raises(AllocationInputError, match="unknown allocation policy 'cheapest'"):
        allocate_order([OrderLine(1, P1, 1)], network(), availability, "cheapest")
    with pytest.raises(AllocationInputError, match="max_warehouses_per_line"):
        AllocationPolicy(max_warehouses_per_line=0)
    with pytest.raises(AllocationInputError, match="not a number"):
        Availability({(1, P1): float("inf")})
    with pytest.raises(AllocationInputError, match="incoming quantity"):
        Availability({}, [IncomingSupply(1, P1, -1, date(2025, 1, 1))])
    with pytest.raises(AllocationInputError, match="capacity"):
        Availability({}, capacity_lines={1: -1})
    assert availability.available(HOME, P1) == 10


def test_empty_order_allocates_nothing():
    result = allocate_order([], network(), stock(home=1))
    assert result.lines == () and result.is_complete and result.warehouse_ids == ()


def test_by_warehouse_groups_lines_for_one_picking_each():
    availability = Availability({(HOME, P1): 3, (NEAR, P1): 2, (NEAR, P2): 4})
    result = allocate_order(
        [OrderLine("l1", P1, 5), OrderLine("l2", P2, 4)], network(), availability
    )
    assert result.by_warehouse() == {HOME: [("l1", 3)], NEAR: [("l1", 2), ("l2", 4)]}


def test_fractional_quantities():
    availability = Availability({(HOME, P1): 0.3, (NEAR, P1): 0.2})
    line = allocate_order([OrderLine(1, P1, 0.5)], network(), availability).lines[0]
    assert alloc(line) == [(HOME, 0.3), (NEAR, 0.2)]
    assert line.unallocated == 0 and line.reason is None
