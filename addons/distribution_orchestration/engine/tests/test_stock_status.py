"""Standard stock status (boundaries, SQL twin) and rebalancing suggestions."""

import random
import sqlite3

import pytest

from distribution_orchestration.engine.stock_status import (
    RebalanceParams,
    SitePosition,
    StatusParams,
    StockStatus,
    classify,
    status_sql,
    stock_status,
    suggest_rebalancing,
    target_level,
)

# --- status -------------------------------------------------------------------------------


def test_figures_available_projected_cover():
    result = stock_status(
        100, reserved=30, incoming=50, outgoing=60, safety_stock=20, demand_per_day=7
    )
    assert result.usable == 70
    assert result.available_to_promise == 50  # 70 - safety stock 20
    assert result.projected == 90  # 100 + 50 - 60 (reserved is part of outgoing)
    assert result.days_of_cover == pytest.approx(10)
    assert result.status is StockStatus.HEALTHY


@pytest.mark.parametrize(
    ("on_hand", "reserved", "safety", "demand", "expected"),
    [
        (0, 0, 10, 1, StockStatus.STOCK_OUT),
        (5, 5, 0, 1, StockStatus.STOCK_OUT),  # all reserved: nothing free
        (3, 5, 0, 1, StockStatus.STOCK_OUT),  # over-reserved: available floored at 0
        (9, 0, 10, 1, StockStatus.BELOW_SAFETY),
        (10, 0, 10, 1, StockStatus.HEALTHY),  # equal to safety: healthy
        (90, 0, 10, 1, StockStatus.HEALTHY),  # cover 90 == threshold: healthy
        (91, 0, 10, 1, StockStatus.EXCESS),  # cover 91 > 90
        (10, 0, 10, 0, StockStatus.HEALTHY),  # no demand, at safety
        (11, 0, 10, 0, StockStatus.EXCESS),  # no demand, above safety
        (1, 0, 0, 0, StockStatus.EXCESS),
    ],
)
def test_status_boundaries(on_hand, reserved, safety, demand, expected):
    result = stock_status(on_hand, reserved=reserved, safety_stock=safety, demand_per_day=demand)
    assert result.status is expected


def test_quarantined_and_expired_stock_is_not_usable():
    result = stock_status(100, reserved=10, unavailable=60, safety_stock=20, demand_per_day=2)
    assert (result.usable, result.available_to_promise) == (30, 10)
    assert result.days_of_cover == 15
    assert stock_status(50, safety_stock=10, unavailable=45).status is StockStatus.BELOW_SAFETY


def test_status_params():
    assert stock_status(50, demand_per_day=1, params=StatusParams(30)).status is StockStatus.EXCESS
    no_dead_stock = StatusParams(zero_demand_is_excess=False)
    assert stock_status(11, safety_stock=10, params=no_dead_stock).status is StockStatus.HEALTHY
    assert stock_status(5).days_of_cover is None
    with pytest.raises(ValueError):
        stock_status(float("nan"))
    with pytest.raises(ValueError):
        StatusParams(excess_days_of_cover=-1)


@pytest.mark.parametrize("zero_demand_is_excess", [True, False])
def test_sql_expression_matches_python_rule(zero_demand_is_excess):
    params = StatusParams(excess_days_of_cover=30, zero_demand_is_excess=zero_demand_is_excess)
    rng = random.Random(3)
    rows = [
        (
            rng.choice([0, 0.5, 5, 10, 29, 30, 31, 60, 100, 300]),
            rng.choice([0, 5, 10, 30]),
            rng.choice([0, 0, 1, 2, 0.5]),
        )
        for _ in range(400)
    ]
    rows += [(10, 10, 0), (30, 0, 1), (31, 0, 1), (0, 0, 0), (9.9999999999, 10, 1)]
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE s (available REAL, safety REAL, demand REAL)")
    connection.executemany("INSERT INTO s VALUES (?, ?, ?)", rows)
    expression = status_sql("available", "safety", "demand", params)
    sql_statuses = [row[0] for row in connection.execute(f"SELECT {expression} FROM s")]
    python_statuses = [classify(a, s, d, params).value for a, s, d in rows]
    assert sql_statuses == python_statuses
    assert set(python_statuses) >= {"stock_out", "below_safety", "healthy", "excess"}


# --- rebalancing --------------------------------------------------------------------------


def test_rebalancing_known_answer():
    positions = [
        SitePosition(1, usable=500, safety_stock=20, demand_per_day=2),  # excess, target 60
        SitePosition(2, usable=5, safety_stock=20, demand_per_day=2),  # below, needs 55
        SitePosition(3, usable=0, safety_stock=10, demand_per_day=1),  # out, needs 30
        SitePosition(4, usable=100, safety_stock=20, demand_per_day=2),  # healthy
    ]
    suggestions = suggest_rebalancing(positions, product_id=7)
    assert [(s.from_warehouse_id, s.to_warehouse_id, s.quantity) for s in suggestions] == [
        (1, 3, 30),  # stock-out first
        (1, 2, 55),
    ]
    assert suggestions[0].product_id == 7
    assert suggestions[0].explanation == (
        "Move 30 from warehouse 1 (in excess) to warehouse 3 (0 usable, safety stock 10, "
        "target 30)."
    )


def test_rebalancing_never_takes_source_below_its_target():
    positions = [
        SitePosition(1, usable=100, safety_stock=80, demand_per_day=0),  # gives 20
        SitePosition(2, usable=0, safety_stock=50),
    ]
    suggestions = suggest_rebalancing(positions)
    assert [(s.from_warehouse_id, s.to_warehouse_id, s.quantity) for s in suggestions] == [
        (1, 2, 20)
    ]


def test_rebalancing_sources_by_distance_then_surplus_then_id():
    positions = [
        SitePosition(1, usable=50),
        SitePosition(2, usable=80),
        SitePosition(3, usable=80),
        SitePosition(9, usable=0, safety_stock=100),
    ]
    by_surplus = suggest_rebalancing(positions)
    assert [(s.from_warehouse_id, s.quantity) for s in by_surplus] == [(2, 80), (3, 20)]
    distance = {(1, 9): 1.0, (2, 9): 5.0, (3, 9): 5.0}
    by_distance = suggest_rebalancing(positions, distance=distance)
    assert [(s.from_warehouse_id, s.quantity) for s in by_distance] == [(1, 50), (2, 50)]


def test_rebalancing_rounding_and_minimum():
    positions = [
        SitePosition(1, usable=10.7, safety_stock=5),
        SitePosition(2, usable=0, safety_stock=8),
    ]
    assert [s.quantity for s in suggest_rebalancing(positions)] == [5]
    assert [s.quantity for s in suggest_rebalancing(positions, RebalanceParams(rounding=0))] == [
        pytest.approx(5.7)
    ]
    assert suggest_rebalancing(positions, RebalanceParams(min_quantity=6)) == []


def test_rebalancing_nothing_without_excess_or_need():
    assert suggest_rebalancing([SitePosition(1, 0, 10, 1), SitePosition(2, 5, 10, 1)]) == []
    assert suggest_rebalancing([SitePosition(1, 500, 10, 1), SitePosition(2, 30, 10, 1)]) == []
    with pytest.raises(ValueError, match="duplicate"):
        suggest_rebalancing([SitePosition(1, 5), SitePosition(1, 6)])


def test_target_level():
    assert target_level(SitePosition(1, 0, safety_stock=20, demand_per_day=2)) == 60
    assert target_level(SitePosition(1, 0, safety_stock=80, demand_per_day=2)) == 80


@pytest.mark.parametrize("seed", range(30))
def test_rebalancing_invariants(seed):
    rng = random.Random(seed)
    positions = [
        SitePosition(
            wh,
            usable=rng.choice([0, 1, 5, 20, 50, 200, 1000]),
            safety_stock=rng.choice([0, 5, 20, 50]),
            demand_per_day=rng.choice([0, 0.5, 1, 3]),
        )
        for wh in rng.sample(range(1, 50), rng.randint(1, 12))
    ]
    params = RebalanceParams()
    suggestions = suggest_rebalancing(positions, params)
    by_id = {p.warehouse_id: p for p in positions}
    given = dict.fromkeys(by_id, 0.0)
    received = dict.fromkeys(by_id, 0.0)
    for s in suggestions:
        assert s.quantity >= params.min_quantity and s.quantity == int(s.quantity)
        assert s.from_warehouse_id != s.to_warehouse_id
        given[s.from_warehouse_id] += s.quantity
        received[s.to_warehouse_id] += s.quantity
    for wh, position in by_id.items():
        status = classify(position.usable, position.safety_stock, position.demand_per_day)
        if given[wh]:
            assert status is StockStatus.EXCESS
            assert position.usable - given[wh] >= target_level(position) - 1e-9
            assert position.usable - given[wh] >= position.safety_stock
        if received[wh]:
            assert status in (StockStatus.STOCK_OUT, StockStatus.BELOW_SAFETY)
            assert position.usable + received[wh] <= target_level(position) + 1e-9
        assert not (given[wh] and received[wh])
    assert suggest_rebalancing(list(reversed(positions)), params) == suggestions
