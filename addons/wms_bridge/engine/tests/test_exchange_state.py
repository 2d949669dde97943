"""The bridge state is derived from the framework state and the outcome."""

import itertools

import pytest

from ..exchange_state import OUTCOMES, bridge_state, framework_state

IN_STATES = ("received", "processed", "duplicate", "parked", "error", "cancel")
OUT_STATES = ("pending", "sent", "acknowledged", "rejected", "parked", "error", "cancel")


@pytest.mark.parametrize(
    ("direction", "state"),
    [("in", s) for s in IN_STATES] + [("out", s) for s in OUT_STATES],
)
def test_every_bridge_state_round_trips(direction, state):
    edi_state, outcome = framework_state(direction, state)
    assert bridge_state(direction, edi_state, outcome) == state


def test_framework_states_are_of_the_direction():
    for state in IN_STATES:
        assert framework_state("in", state)[0].startswith("input_")
    for state in OUT_STATES:
        assert framework_state("out", state)[0].startswith("output_")


def test_cancel_keeps_the_framework_state():
    assert framework_state("out", "cancel", current="output_pending") == (
        "output_pending",
        "cancel",
    )
    assert bridge_state("out", "output_pending", "cancel") == "cancel"


def test_a_failure_is_an_error_state_of_the_framework():
    # what an integrator sees in the framework's screens for each failure
    assert framework_state("in", "parked") == ("input_processed_error", False)
    assert framework_state("in", "error") == ("input_processed_error", "error")
    assert framework_state("out", "parked") == ("output_error_on_send", False)
    assert framework_state("out", "rejected") == ("output_sent_and_error", False)


def test_framework_moves_alone_give_the_bridge_state():
    # the framework's own transitions (process, send, retry) need no outcome
    assert bridge_state("in", "input_processed") == "processed"
    assert bridge_state("in", "input_processed_error") == "parked"
    assert bridge_state("in", "input_receive_error") == "parked"
    assert bridge_state("out", "output_sent") == "sent"
    assert bridge_state("out", "new") == "pending"
    assert bridge_state("in", "new") == "received"


def test_outcome_wins_and_unknown_states_refused():
    for outcome, edi_state in itertools.product(OUTCOMES, ("input_processed", "output_sent")):
        assert bridge_state("in", edi_state, outcome) == outcome
    with pytest.raises(ValueError):
        framework_state("in", "sent")
    with pytest.raises(ValueError):
        framework_state("sideways", "processed")
