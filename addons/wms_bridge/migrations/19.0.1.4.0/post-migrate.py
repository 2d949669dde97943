"""19.0.1.4.0: the EDI framework's record is the exchange's truth.

Until 19.0.1.3.0 ``wms.exchange`` kept its state, error, traceback and payload
itself and its ``edi.exchange.record`` mirrored the state.  From 19.0.1.4.0 the
framework record holds them (``edi_exchange_state``, ``exchange_error``,
``exchange_error_traceback``, ``exchange_file``) and ``wms.exchange.state`` is
derived from it and from the new ``outcome`` (engine/exchange_state.py).

Every exchange keeps exactly what it had: its state (recomputed from the moved
values and compared with the old column: a difference is logged and stops the
upgrade), its error and traceback, its payload (the same attachment, now the
framework record's file).  Exchanges without a framework record (databases that
skipped 19.0.1.3.0) get one first."""

import logging

from odoo import SUPERUSER_ID, api
from odoo.addons.wms_bridge.engine.exchange_state import framework_state
from odoo.tools.sql import column_exists

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Exchange = env["wms.exchange"]
    Exchange._edi_sync_all()
    env.flush_all()

    cr.execute(
        "SELECT e.id, e.direction, e.state, r.id, r.edi_exchange_state "
        "FROM wms_exchange e JOIN edi_exchange_record r ON r.id = e.edi_exchange_record_id"
    )
    rows = cr.fetchall()
    old_states = {row[0]: row[2] for row in rows}
    groups = {}
    for exchange_id, direction, state, record_id, current in rows:
        edi_state, outcome = framework_state(direction, state or "pending", current)
        groups.setdefault((edi_state, outcome or None), []).append((exchange_id, record_id))
    for (edi_state, outcome), pairs in groups.items():
        cr.execute(
            "UPDATE edi_exchange_record SET edi_exchange_state = %s WHERE id = ANY(%s)",
            (edi_state, [p[1] for p in pairs]),
        )
        cr.execute(
            "UPDATE wms_exchange SET outcome = %s WHERE id = ANY(%s)",
            (outcome, [p[0] for p in pairs]),
        )
    if column_exists(cr, "wms_exchange", "error_traceback"):
        cr.execute(
            "UPDATE edi_exchange_record r SET exchange_error = e.error_text, "
            "exchange_error_traceback = e.error_traceback FROM wms_exchange e "
            "WHERE e.edi_exchange_record_id = r.id "
            "AND (e.error_text IS NOT NULL OR e.error_traceback IS NOT NULL)"
        )
    # the payload: the same attachment, now the file of the framework record
    cr.execute(
        "UPDATE ir_attachment a SET res_model = 'edi.exchange.record', "
        "res_field = 'exchange_file', res_id = e.edi_exchange_record_id "
        "FROM wms_exchange e WHERE e.attachment_id = a.id AND a.res_model = 'wms.exchange'"
    )
    moved = cr.rowcount
    env.invalidate_all()

    exchanges = Exchange.browse(list(old_states)).with_context(active_test=False)
    env.add_to_compute(Exchange._fields["state"], exchanges)
    exchanges.flush_recordset(["state"])
    changed = [(e.id, old_states[e.id], e.state) for e in exchanges if e.state != old_states[e.id]]
    if changed:
        raise RuntimeError(f"wms_bridge 19.0.1.4.0: states would change: {changed[:20]}")
    _logger.info(
        "wms_bridge 19.0.1.4.0: %d exchanges on their framework records (%d payloads moved)",
        len(exchanges),
        moved,
    )
