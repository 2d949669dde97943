"""Release priority score and deterministic batch order."""

from datetime import date, datetime

import pytest

from distribution_orchestration.engine.scoring import (
    OrderPriorityInput,
    ScoreWeights,
    release_score,
    sort_for_release,
    tier_component,
    urgency_component,
)

NOW = datetime(2025, 3, 1, 12, 0)


@pytest.mark.parametrize(
    ("promised", "expected"),
    [
        (datetime(2025, 2, 20), 1.0),  # overdue
        (NOW, 1.0),  # due now
        (datetime(2025, 3, 8, 12, 0), 0.5),  # 7 of 14 days left
        (datetime(2025, 3, 15, 12, 0), 0.0),  # exactly the horizon
        (datetime(2025, 6, 1), 0.0),  # far away
        (None, 0.0),
    ],
)
def test_urgency_component(promised, expected):
    urgency, _days = urgency_component(promised, NOW)
    assert urgency == pytest.approx(expected)


def test_urgency_with_date_means_midnight_and_custom_no_date():
    urgency, days = urgency_component(date(2025, 3, 4), NOW)
    assert days == pytest.approx(2.5)
    assert urgency == pytest.approx(1 - 2.5 / 14)
    assert urgency_component(None, NOW, ScoreWeights(no_date_urgency=0.3)) == (0.3, None)


def test_tier_component():
    assert tier_component("Gold") == 0.75
    assert tier_component(" platinum ") == 1.0
    assert tier_component("unknown") == 0.0
    assert tier_component(None, ScoreWeights(default_tier_score=0.2)) == 0.2
    assert tier_component(0.6) == 0.6
    assert tier_component(7) == 1.0
    with pytest.raises(TypeError):
        tier_component(["gold"])


def test_release_score_known_answer():
    order = OrderPriorityInput(
        "SO1",
        promised_date=datetime(2025, 3, 8, 12, 0),  # urgency 0.5
        customer_tier="gold",  # 0.75
        amount=5000,  # value 0.5
        margin=1000,  # 20 % of 40 % -> 0.5
    )
    score = release_score(order, NOW)
    assert (score.urgency, score.tier, score.value, score.margin) == (0.5, 0.75, 0.5, 0.5)
    # 100 * (0.4*0.5 + 0.25*0.75 + 0.2*0.5 + 0.15*0.5) / 1.0
    assert score.score == pytest.approx(56.25)
    assert score.days_left == pytest.approx(7)


def test_release_score_clamps_and_handles_zero_amount():
    score = release_score(OrderPriorityInput(1, amount=0, margin=-50), NOW)
    assert (score.value, score.margin) == (0.0, 0.0)
    big = release_score(OrderPriorityInput(2, amount=1e9, margin=9e8), NOW)
    assert (big.value, big.margin) == (1.0, 1.0)
    negative = release_score(OrderPriorityInput(3, amount=1000, margin=-100), NOW)
    assert negative.margin == 0.0


def test_custom_weights_only_urgency():
    weights = ScoreWeights(urgency=1, tier=0, value=0, margin=0)
    score = release_score(OrderPriorityInput(1, NOW, "platinum", 1e6, 1e6), NOW, weights)
    assert score.score == pytest.approx(100)


def test_invalid_weights_rejected():
    with pytest.raises(ValueError, match="at least one"):
        ScoreWeights(urgency=0, tier=0, value=0, margin=0)
    with pytest.raises(ValueError, match=">= 0"):
        ScoreWeights(urgency=-1)
    with pytest.raises(ValueError, match="urgency_horizon_days"):
        ScoreWeights(urgency_horizon_days=0)
    with pytest.raises(ValueError, match="amount"):
        release_score(OrderPriorityInput(1, amount=float("nan")), NOW)


def test_sort_for_release_is_deterministic_with_documented_tie_breaks():
    orders = [
        OrderPriorityInput("C", None, "gold", 1000, 100),
        OrderPriorityInput("B", datetime(2025, 3, 20), "gold", 1000, 100),
        OrderPriorityInput("A", datetime(2025, 3, 20), "gold", 1000, 100),
        OrderPriorityInput("D", datetime(2025, 3, 25), "gold", 1000, 100),
        OrderPriorityInput("URGENT", datetime(2025, 3, 2), "bronze", 100, 0),
        OrderPriorityInput("VIP", None, "platinum", 20000, 8000),
    ]
    ranked = [score.order_id for score in sort_for_release(orders, NOW)]
    # A, B, C and D all score the same (due beyond the horizon): date then id decide,
    # orders without date last.
    assert ranked == ["VIP", "URGENT", "A", "B", "D", "C"]
    assert [s.order_id for s in sort_for_release(list(reversed(orders)), NOW)] == ranked
