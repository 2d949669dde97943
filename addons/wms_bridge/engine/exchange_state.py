"""An exchange's state: the EDI framework's state plus the bridge's outcome.

The framework (OCA ``edi_core_oca``) keeps one state per exchange record
(``edi_exchange_state``): waiting, received, processed, sent, error on send ...
That is the stored truth.  What the framework's states cannot say, the bridge
keeps beside it as an *outcome*: an interchange received twice (``duplicate``),
an exchange that failed on something unexpected rather than on the document
(``error``, as opposed to ``parked``), an exchange a person cancelled.

The bridge's familiar state (``received``, ``processed``, ``parked``,
``acknowledged`` ...) is derived from those two: :func:`bridge_state`.  When the
bridge's own code moves an exchange to a state, :func:`framework_state` says
what to store.  Pure functions, no Odoo.
"""

from __future__ import annotations

#: Outcomes the framework's states cannot express (stored beside them).
OUTCOMES = ("duplicate", "error", "cancel")

# bridge state -> (framework state, outcome), per direction
_TO_FRAMEWORK = {
    "in": {
        "received": ("input_received", False),
        "processed": ("input_processed", False),
        "duplicate": ("input_processed", "duplicate"),
        "parked": ("input_processed_error", False),
        "error": ("input_processed_error", "error"),
    },
    "out": {
        "pending": ("output_pending", False),
        "sent": ("output_sent", False),
        "acknowledged": ("output_sent_and_processed", False),
        "rejected": ("output_sent_and_error", False),
        "parked": ("output_error_on_send", False),
        "error": ("output_error_on_send", "error"),
    },
}

# framework state -> bridge state when there is no outcome
_FROM_FRAMEWORK = {
    "input_pending": "received",
    "input_received": "received",
    "input_receive_error": "parked",
    "input_processed": "processed",
    "input_processed_error": "parked",
    "validate_error": "parked",
    "new": None,
    "output_pending": "pending",
    "output_sent": "sent",
    "output_sent_and_processed": "acknowledged",
    "output_sent_and_error": "rejected",
    "output_error_on_send": "parked",
}


def framework_state(direction, state, current=None):
    """``(edi_exchange_state, outcome)`` storing the bridge state ``state``.

    ``cancel`` keeps the framework state where it is (``current``: the
    framework has no cancelled state; the outcome says it)."""
    if state == "cancel":
        default = "input_processed_error" if direction == "in" else "output_error_on_send"
        return current or default, "cancel"
    try:
        return _TO_FRAMEWORK[direction][state]
    except KeyError:
        raise ValueError(f"no {state!r} state for direction {direction!r}") from None


def bridge_state(direction, edi_state, outcome=False):
    """The bridge state of an exchange whose framework state is ``edi_state``."""
    if outcome:
        return outcome
    state = _FROM_FRAMEWORK.get(edi_state)
    if state is None:
        return "received" if direction == "in" else "pending"
    return state
