"""Nearest first (split allowed), the per-order shipment limit, the minimum per split,
warehouses without a location, and the README's worked example for every policy."""

import pytest

from distribution_orchestration.engine.allocation import (
    REASON_MIN_SPLIT,
    REASON_SHIP_COMPLETE,
    REASON_SHIPMENT_LIMIT,
    AllocationInputError,
    AllocationPolicy,
    Availability,
    OrderLine,
    Policy,
    Warehouse,
    allocate_order,
)
from distribution_orchestration.engine.geo import great_circle_km

P = 101
UTRECHT = (52.0907, 5.1214)  # the customer
AMSTERDAM, ROTTERDAM, EINDHOVEN = 1, 2, 3
SITES = {
    AMSTERDAM: ("Amsterdam DC", (52.3676, 4.9041)),  # 34.2 km
    ROTTERDAM: ("Rotterdam DC", (51.9244, 4.4777)),  # 47.8 km, the customer's home site
    EINDHOVEN: ("Eindhoven DC", (51.4416, 5.4697)),  # 76.1 km
}
VACCINE, GLOVES = 11, 12


def readme_network(home=ROTTERDAM):
    return [
        Warehouse(
            wh,
            distance=great_circle_km(location, UTRECHT),
            is_home=wh == home,
            name=name,
            distance_note="great-circle",
        )
        for wh, (name, location) in SITES.items()
    ]


def readme_stock():
    return Availability(
        {
            (AMSTERDAM, VACCINE): 3,
            (ROTTERDAM, VACCINE): 4,
            (EINDHOVEN, VACCINE): 10,
            (AMSTERDAM, GLOVES): 20,
            (ROTTERDAM, GLOVES): 8,
        },
        products=[VACCINE, GLOVES],
    )


README_LINES = [
    OrderLine("vaccine", VACCINE, 5, label="Vaccine"),
    OrderLine("gloves", GLOVES, 8, label="Gloves"),
]

#: README.md, "Allocation policies": the sourcing of the worked example per policy.
README_SOURCING = {
    "home_then_nearest": {"vaccine": [(EINDHOVEN, 5)], "gloves": [(ROTTERDAM, 8)]},
    "nearest_with_stock": {"vaccine": [(EINDHOVEN, 5)], "gloves": [(AMSTERDAM, 8)]},
    "nearest_first": {"vaccine": [(AMSTERDAM, 3), (ROTTERDAM, 2)], "gloves": [(AMSTERDAM, 8)]},
    "fewest_shipments": {"vaccine": [(EINDHOVEN, 5)], "gloves": [(ROTTERDAM, 8)]},
    "ship_complete": {"vaccine": [], "gloves": []},
}


def sourcing(result):
    return {line.line_id: list(line.allocations) for line in result.lines}


def test_readme_distances():
    distances = {wh.warehouse_id: round(wh.distance, 1) for wh in readme_network()}
    assert distances == {AMSTERDAM: 34.2, ROTTERDAM: 47.8, EINDHOVEN: 76.1}


@pytest.mark.parametrize("policy", list(README_SOURCING))
def test_readme_example(policy):
    result = allocate_order(README_LINES, readme_network(), readme_stock(), policy)
    assert sourcing(result) == README_SOURCING[policy]
    # every decision is explained at order level: policy, ranking with km, outcome
    assert result.explanation[0].startswith(f"Policy {policy.replace('_', ' ')}: ")
    assert result.explanation[1] == (
        "Warehouses in order: "
        + (
            "1. Rotterdam DC (home): 47.8 km (great-circle); 2. Amsterdam DC: 34.2 km "
            "(great-circle); 3. Eindhoven DC: 76.1 km (great-circle)."
            if policy not in ("nearest_with_stock", "nearest_first")
            else "1. Amsterdam DC: 34.2 km (great-circle); 2. Rotterdam DC: 47.8 km "
            "(great-circle); 3. Eindhoven DC: 76.1 km (great-circle)."
        )
    )
    assert all(line.explanation for line in result.lines)


def test_readme_nearest_first_explanations():
    result = allocate_order(README_LINES, readme_network(), readme_stock(), "nearest_first")
    vaccine, gloves = result.lines
    assert vaccine.explanation == (
        "Split nearest first: 3 from Amsterdam DC (34.2 km (great-circle), all it has), "
        "2 from Rotterdam DC (47.8 km (great-circle)).",
    )
    assert gloves.explanation == (
        "Served in full (8) from Amsterdam DC (34.2 km (great-circle)): nearest first.",
    )
    assert result.explanation[-1] == (
        "Ships from 2 warehouse(s): Amsterdam DC (34.2 km (great-circle)), 2 line(s); "
        "Rotterdam DC (47.8 km (great-circle)), 1 line(s)."
    )


def test_readme_ship_complete_backorders_everything():
    result = allocate_order(README_LINES, readme_network(), readme_stock(), "ship_complete")
    assert {line.reason for line in result.lines} == {REASON_SHIP_COMPLETE}
    assert "Backordered: 5 Vaccine (ship_complete_impossible); 8 Gloves" in result.explanation[-1]


def test_readme_minimum_per_split_and_shipment_limit():
    network, lines = readme_network(), README_LINES
    minimum = AllocationPolicy("nearest_first", min_split_quantity=3)
    # 3 + 2 would ship a part of 2: the vaccine comes whole from Eindhoven instead
    assert sourcing(allocate_order(lines, network, readme_stock(), minimum)) == {
        "vaccine": [(EINDHOVEN, 5)],
        "gloves": [(AMSTERDAM, 8)],
    }
    one = AllocationPolicy("nearest_first", max_shipments_per_order=1)
    result = allocate_order(lines, network, readme_stock(), one)
    assert sourcing(result) == {"vaccine": [(AMSTERDAM, 3)], "gloves": [(AMSTERDAM, 8)]}
    assert result.lines[0].reason == REASON_SHIPMENT_LIMIT
    assert "at most 1 warehouse(s)" in result.lines[0].explanation[-1]


# --- nearest first ------------------------------------------------------------------------


def sites(*distances):
    return [Warehouse(wh, distance=d, name=f"W{wh}") for wh, d in enumerate(distances, 1)]


def test_issue_example_three_then_two():
    """5 x P, 3 at the nearest site and 10 at the next: ship 3 + 2."""
    availability = Availability({(1, P): 3, (2, P): 10})
    result = allocate_order([OrderLine(1, P, 5)], sites(10, 20), availability, "nearest_first")
    assert result.lines[0].allocations == ((1, 3), (2, 2))
    # nearest with stock sends the whole line to the site able to fill it alone
    other = allocate_order(
        [OrderLine(1, P, 5)],
        sites(10, 20),
        Availability({(1, P): 3, (2, P): 10}),
        "nearest_with_stock",
    )
    assert other.lines[0].allocations == ((2, 5),)


def test_nearest_first_ignores_home():
    warehouses = [Warehouse(1, distance=50, is_home=True), Warehouse(2, distance=5)]
    availability = Availability({(1, P): 10, (2, P): 10})
    result = allocate_order([OrderLine(1, P, 4)], warehouses, availability, "nearest_first")
    assert result.lines[0].allocations == ((2, 4),)


@pytest.mark.parametrize(
    ("stock", "minimum", "expected"),
    [
        ({1: 4, 2: 10}, 2, ((1, 3), (2, 2))),  # 4 + 1 would leave a part of 1
        ({1: 4, 2: 10}, 0, ((1, 4), (2, 1))),
        ({1: 1, 2: 10}, 2, ((2, 5),)),  # 1 is too small a part
        ({1: 2, 2: 10}, 3, ((2, 5),)),  # 2 + 3: 2 is too small, the next serves it all
        ({1: 4, 2: 1}, 2, ((1, 4),)),  # nothing better: 4 now, 1 backordered
    ],
)
def test_minimum_quantity_per_split(stock, minimum, expected):
    availability = Availability({(wh, P): qty for wh, qty in stock.items()})
    policy = AllocationPolicy("nearest_first", min_split_quantity=minimum)
    result = allocate_order([OrderLine(1, P, 5)], sites(10, 20), availability, policy)
    assert result.lines[0].allocations == expected


def test_minimum_does_not_apply_to_a_line_served_whole():
    availability = Availability({(1, P): 10})
    policy = AllocationPolicy("nearest_first", min_split_quantity=5)
    result = allocate_order([OrderLine(1, P, 2)], sites(10), availability, policy)
    assert result.lines[0].allocations == ((1, 2),)


def test_short_because_of_the_minimum_says_so():
    availability = Availability({(1, P): 3, (2, P): 1})
    policy = AllocationPolicy("nearest_first", min_split_quantity=2)
    line = allocate_order([OrderLine(1, P, 4)], sites(10, 20), availability, policy).lines[0]
    assert line.allocations == ((1, 3),)
    assert line.reason == REASON_MIN_SPLIT
    assert "minimum of 2 per split" in line.explanation[-1]


def test_shipment_limit_applies_to_every_policy():
    availability = Availability({(1, P): 3, (2, P): 3, (3, P): 3, (1, 102): 5, (3, 102): 5})
    lines = [OrderLine(1, P, 9), OrderLine(2, 102, 2)]
    for name in ("home_then_nearest", "nearest_with_stock", "nearest_first", "fewest_shipments"):
        policy = AllocationPolicy(name, max_shipments_per_order=2)
        result = allocate_order(lines, sites(1, 2, 3), availability.copy(), policy)
        assert len(result.warehouse_ids) <= 2, name
        assert result.lines[0].reason == REASON_SHIPMENT_LIMIT, name


def test_nearest_first_without_split_is_nearest_with_stock():
    availability = Availability({(1, P): 3, (2, P): 10})
    policy = AllocationPolicy("nearest_first", allow_split=False)
    result = allocate_order([OrderLine(1, P, 5)], sites(10, 20), availability, policy)
    assert result.lines[0].allocations == ((2, 5),)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_shipments_per_order", 0),
        ("max_shipments_per_order", 1.5),
        ("max_shipments_per_order", True),
        ("min_split_quantity", -1),
        ("min_split_quantity", float("nan")),
    ],
)
def test_bad_limits_are_refused(field, value):
    with pytest.raises(AllocationInputError, match=field):
        AllocationPolicy("nearest_first", **{field: value})


# --- warehouses without a location --------------------------------------------------------


@pytest.mark.parametrize("policy", [p.value for p in Policy if p is not Policy.SHIP_COMPLETE])
def test_warehouse_without_location_ranks_last(policy):
    warehouses = [
        Warehouse(1, distance=None, name="Nowhere", distance_note="no location set"),
        Warehouse(2, distance=300.0, name="Far"),
    ]
    availability = Availability({(1, P): 10, (2, P): 10})
    result = allocate_order([OrderLine(1, P, 5)], warehouses, availability, policy)
    assert result.lines[0].allocations == ((2, 5),)
    assert result.explanation[1].endswith(
        "1. Far: 300.0 km; 2. Nowhere: distance unknown: no location set, ranked last."
    )


def test_warehouse_without_location_is_used_when_it_alone_has_stock():
    warehouses = [Warehouse(1, distance=None, name="Nowhere"), Warehouse(2, distance=3.0)]
    availability = Availability({(1, P): 10})
    result = allocate_order([OrderLine(1, P, 5)], warehouses, availability, "nearest_first")
    assert result.lines[0].allocations == ((1, 5),)
    assert "distance unknown: no location, ranked last" in result.lines[0].explanation[0]


def test_zero_distance_is_a_distance():
    warehouses = [Warehouse(1, distance=None), Warehouse(2, distance=0.0)]
    availability = Availability({(1, P): 10, (2, P): 10})
    result = allocate_order([OrderLine(1, P, 5)], warehouses, availability, "nearest_first")
    assert result.lines[0].allocations == ((2, 5),)


def test_negative_distance_is_refused():
    with pytest.raises(AllocationInputError, match="distance"):
        allocate_order([OrderLine(1, P, 1)], [Warehouse(1, distance=-1)], Availability(), None)
