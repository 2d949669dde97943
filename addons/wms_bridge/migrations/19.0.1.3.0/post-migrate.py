"""19.0.1.3.0: wms_bridge on OCA's EDI framework (edi_core_oca).

Every existing trading partner gets its edi.backend, every existing exchange its
edi.exchange.record (type per document and direction, state mirrored, linked to
its transfer, sale order or reconciliation).  Nothing of wms.exchange changes:
payloads, states, control numbers and links stay where they are."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["wms.exchange"]._edi_sync_all()
