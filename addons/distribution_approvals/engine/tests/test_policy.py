"""Approval decisions on plain data: four eyes, delegation, SLA stages, counts, bounds."""

from datetime import datetime

from distribution_approvals.engine.policy import (
    CountedLine,
    Delegation,
    acting_for,
    count_decision,
    due_at,
    escalation_stage,
    four_eyes_refusal,
    on_behalf_of,
    within_bounds,
)

T0 = datetime(2026, 12, 1, 9, 0)


def test_requester_never_approves_own_request():
    assert four_eyes_refusal(7, [7]) == "requester"
    assert four_eyes_refusal(7, [3], interested_ids=[7]) == "interested"
    assert four_eyes_refusal(7, [3], interested_ids=[4]) is None


def test_tier_may_allow_self_approval():
    assert four_eyes_refusal(7, [7], interested_ids=[7], allow_self=True) is None


def test_delegation_covers_its_period_only():
    delegations = [Delegation(1, 2, datetime(2026, 12, 1), datetime(2026, 12, 8))]
    assert acting_for(2, delegations, datetime(2026, 12, 3)) == {1, 2}
    assert acting_for(2, delegations, datetime(2026, 12, 8)) == {2}
    assert acting_for(2, delegations, datetime(2026, 11, 30)) == {2}


def test_delegation_is_not_transitive():
    delegations = [
        Delegation(1, 2, datetime(2026, 12, 1), datetime(2026, 12, 8)),
        Delegation(2, 3, datetime(2026, 12, 1), datetime(2026, 12, 8)),
    ]
    assert acting_for(3, delegations, datetime(2026, 12, 3)) == {2, 3}


def test_on_behalf_of_names_the_delegating_reviewer():
    delegations = [Delegation(1, 2, datetime(2026, 12, 1), datetime(2026, 12, 8))]
    now = datetime(2026, 12, 3)
    assert on_behalf_of(2, [1, 5], delegations, now) == 1
    assert on_behalf_of(5, [1, 5], delegations, now) is None
    assert on_behalf_of(9, [1, 5], delegations, now) is None


def test_due_time_from_sla():
    assert due_at(T0, 4) == datetime(2026, 12, 1, 13, 0)
    assert due_at(T0, 0) is None


def test_escalation_moves_forward_once():
    due = datetime(2026, 12, 1, 13, 0)
    assert escalation_stage(datetime(2026, 12, 1, 10, 0), due, 2) == "none"
    assert escalation_stage(datetime(2026, 12, 1, 11, 30), due, 2) == "approaching"
    assert escalation_stage(datetime(2026, 12, 1, 13, 0), due, 2) == "overdue"
    assert escalation_stage(datetime(2026, 12, 1, 11, 30), due, 2, "overdue") == "overdue"
    assert escalation_stage(datetime(2026, 12, 1, 11, 30), None, 2) == "none"


def test_count_below_thresholds_applies_directly():
    lines = [CountedLine("a", 100, 98, 5.0), CountedLine("b", 10, 10, 1.0)]
    decision = count_decision(lines, threshold_value=50, threshold_pct=5)
    assert not decision.needs_approval
    assert decision.value == 10.0
    assert decision.worst_pct == 2.0


def test_count_above_value_or_percent_needs_approval():
    assert count_decision([CountedLine("a", 100, 80, 5.0)], 50, 0).reasons == ("value",)
    assert count_decision([CountedLine("a", 10, 8, 1.0)], 50, 10).reasons == ("percent",)
    # counted where the system had nothing: a 100 % difference
    assert count_decision([CountedLine("a", 0, 1, 1.0)], 0, 50).needs_approval


def test_site_may_tighten_but_not_loosen():
    assert within_bounds(12, 10, "tighten_up", None, None) is None
    assert within_bounds(8, 10, "tighten_up", None, None) == "looser"
    assert within_bounds(8, 10, "tighten_down", 5, None) is None
    assert within_bounds(4, 10, "tighten_down", 5, None) == "below"
    assert within_bounds(40, 10, "any", None, 30) == "above"
