"""The one definition of available-to-promise, in Python and in SQL."""

import random
import sqlite3

import pytest

from distribution_orchestration.engine.allocation import (
    Availability,
    StockPosition,
    free_quantity,
)
from distribution_orchestration.engine.atp import (
    AvailabilityInputError,
    available_to_promise,
    available_to_promise_sql,
)
from distribution_orchestration.engine.stock_status import stock_status


def test_definition():
    atp = available_to_promise(on_hand=100, reserved=30, safety_stock=20, unavailable=15)
    assert atp.usable == 55  # 100 - 30 - 15
    assert atp.net == 35  # 55 - 20
    assert atp.now == 35 and atp.usable_now == 55


def test_deficit_is_kept_and_floored_only_for_now():
    atp = available_to_promise(on_hand=10, reserved=4, safety_stock=20, unavailable=0)
    assert atp.net == -14
    assert atp.now == 0
    assert available_to_promise(on_hand=5, reserved=3, unavailable=4).usable_now == 0


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), None, "3", True])
def test_bad_figures_are_refused(bad):
    with pytest.raises(AvailabilityInputError, match="must be a finite number"):
        available_to_promise(bad)
    with pytest.raises(AvailabilityInputError, match="unavailable"):
        available_to_promise(1, unavailable=bad)


def test_sql_matches_python():
    rng = random.Random(11)
    rows = [
        (
            rng.choice([0, 1, 2.5, 10, 40, 100]),
            rng.choice([0, 0, 3, 10, 50]),
            rng.choice([0, 0, 5, 20]),
            rng.choice([0, 0, 0, 4, 30]),
        )
        for _ in range(300)
    ]
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE s (on_hand REAL, reserved REAL, safety REAL, blocked REAL)")
    connection.executemany("INSERT INTO s VALUES (?, ?, ?, ?)", rows)
    sql = available_to_promise_sql("on_hand", "reserved", "safety", "blocked")
    names = ["usable", "net", "usable_now", "now"]
    query = "SELECT " + ", ".join(sql[name] for name in names) + " FROM s"
    for row, figures in zip(rows, connection.execute(query), strict=True):
        atp = available_to_promise(*row)
        expected = (atp.usable, atp.net, atp.usable_now, atp.now)
        assert figures == pytest.approx(expected), row


def test_every_consumer_uses_the_same_figure():
    """Pipeline availability, free quantity and the status screen's figures agree."""
    figures = {"on_hand": 100.0, "reserved": 30.0, "safety_stock": 20.0, "unavailable": 15.0}
    atp = available_to_promise(**figures)
    position = StockPosition(warehouse_id=1, product_id=7, **figures)
    availability = Availability.from_positions([position])
    assert availability.available(1, 7) == atp.now == 35
    assert free_quantity(**figures) == atp.now
    status = stock_status(
        figures["on_hand"],
        reserved=figures["reserved"],
        safety_stock=figures["safety_stock"],
        unavailable=figures["unavailable"],
    )
    assert status.available_to_promise == atp.now
    assert status.usable == atp.usable_now


def test_quarantined_stock_is_not_promised_anywhere():
    """All of it quarantined: nothing to promise, the status is a stock-out."""
    position = StockPosition(1, 7, on_hand=40, unavailable=40)
    assert Availability.from_positions([position]).available(1, 7) == 0
    assert stock_status(40, unavailable=40).status.value == "stock_out"
