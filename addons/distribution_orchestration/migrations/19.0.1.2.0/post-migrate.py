"""19.0.1.2.0: parameters for the explanations recorded as text (see pre-migrate.py).

* A hold, or a log entry of a check: its check is evaluated again from the inputs
  recorded with it (``engine.checks.recorded_result``); when the English rendering
  equals the recorded text exactly, the row gets that reason code and parameters.
* A log entry of a hold ("On hold for <group>: <why>"): the parameters of the hold it
  announced (same order, check and text).
* The pipeline's other messages (released, released by, cleared on resubmission,
  policy override, re-allocated) are read back from their English template.

Anything else (people's notes, allocation explanations, a text that does not read
back exactly) keeps its recorded text, which is what the rendered field then shows.
"""

import json
import logging

from psycopg2.extras import execute_values

from odoo.addons.distribution_orchestration.engine import checks as engine_checks
from odoo.addons.distribution_orchestration.engine import messages as engine_messages

_logger = logging.getLogger(__name__)

BATCH = 5000
# messages of the pipeline's own steps whose parameters are names (read back as text)
PLAIN = (
    "released_pickings",
    "released_by",
    "cleared_on_resubmission",
    "policy_override",
    "reallocated_archived",
)


def _rows(cr, query):
    """The rows of ``query`` (which selects ``id`` first and has ``%s`` for the last
    id seen), in batches, whatever the size of the table."""
    last = 0
    while True:
        cr.execute(query, (last, BATCH))
        rows = cr.fetchall()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def _recorded(check_code, inputs, text):
    """(reason code, params) of a check's recorded text, or None."""
    try:
        recorded = json.loads(inputs or "{}")
    except ValueError:
        return None
    result = engine_checks.recorded_result(check_code, recorded)
    if result is None or result.explanation != text:
        return None
    return result.reason_code, result.params


def _plain(text):
    for code in PLAIN:
        params = engine_messages.parse(code, text)
        if params is not None:
            default = engine_messages.render("policy_company_default")
            for name, value in params.items():
                if code == "policy_override" and value == default:
                    params[name] = engine_messages.msg("policy_company_default")
            return code, params
    return None


def _update(cr, table, values):
    if values:
        execute_values(
            cr,
            f"UPDATE {table} t SET reason_code = v.code, reason_params = v.params::jsonb "
            "FROM (VALUES %s) AS v(id, code, params) WHERE t.id = v.id",
            [(row_id, code, json.dumps(params)) for row_id, code, params in values],
        )


def fill_holds(cr):
    """Parameters of the holds whose check reads back; returns {(order, check, text):
    (code, params)} for the log entries that announced them."""
    found, values, total = {}, [], 0
    query = (
        "SELECT id, order_id, check_code, reason_code, explanation_text, inputs "
        "FROM distribution_hold WHERE reason_params IS NULL AND id > %s ORDER BY id LIMIT %s"
    )
    for row_id, order_id, check_code, reason_code, text, inputs in _rows(cr, query):
        total += 1
        reason = _recorded(check_code, inputs, text)
        if reason and reason[0] == reason_code:
            found[order_id, check_code, text] = reason
            values.append((row_id, *reason))
    for start in range(0, len(values), BATCH):
        _update(cr, "distribution_hold", values[start : start + BATCH])
    _logger.info("holds: %s of %s explanations given parameters", len(values), total)
    return found


def fill_log(cr, holds):
    values, total, done = [], 0, 0
    query = (
        "SELECT id, order_id, event, check_code, message_text, inputs FROM distribution_log "
        "WHERE reason_code IS NULL AND message_text IS NOT NULL AND id > %s "
        "ORDER BY id LIMIT %s"
    )
    for row_id, order_id, event, check_code, text, inputs in _rows(cr, query):
        total += 1
        reason = None
        if event == "check":
            reason = _recorded(check_code, inputs, text)
        elif event == "hold":
            params = engine_messages.parse("hold_for_group", text)
            hold = params and holds.get((order_id, check_code, params["why"]))
            if hold:
                why = {"msg": hold[0], "params": hold[1]}
                reason = "hold_for_group", {"group": params["group"], "why": why}
        else:
            reason = _plain(text)
        if reason:
            values.append((row_id, *reason))
            done += 1
        if len(values) >= BATCH:
            _update(cr, "distribution_log", values)
            values = []
    _update(cr, "distribution_log", values)
    _logger.info("decision log: %s of %s messages given parameters", done, total)


def migrate(cr, version):
    if not version:
        return
    fill_log(cr, fill_holds(cr))
