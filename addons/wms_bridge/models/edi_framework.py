"""The seam between wms_bridge and OCA's EDI framework (edi_core_oca).

Every trading partner has an ``edi.backend`` (backend type ``wms_bridge``);
every ``wms.exchange`` has an ``edi.exchange.record`` of the exchange type of its
document and direction (``wms_945_in``, ``wms_940_out``, ...), linked to the
transfer or sale order it concerns, so that integrators find our documents in
the framework's screens (EDI > Exchange records, a picking's or an order's EDI
exchanges) and on the backend of each partner.

``wms.exchange`` stays the engine: its queue jobs read, validate, apply, send
and acknowledge, and the framework record mirrors its state (one batch of writes
per sync).  The framework's own sync crons leave backends of type ``wms_bridge``
alone (our jobs drive those records); the framework's *Process* and *Retry*
buttons on such a record go through our governed actions (*Reprocess*, *Retry*),
with their group checks.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .wms_governed_mixin import governed, is_governed

BACKEND_TYPE_XMLID = "wms_bridge.edi_backend_type_wms_bridge"

# wms.exchange state -> edi.exchange.record state, per direction
EDI_STATES = {
    "in": {
        "received": "input_received",
        "processed": "input_processed",
        "duplicate": "input_processed",
        "error": "input_processed_error",
        "parked": "input_processed_error",
        "cancel": "input_processed_error",
    },
    "out": {
        "pending": "output_pending",
        "sent": "output_sent",
        "acknowledged": "output_sent_and_processed",
        "rejected": "output_sent_and_error",
        "parked": "output_error_on_send",
        "error": "output_error_on_send",
        "cancel": "output_error_on_send",
    },
}
SYNCED_FIELDS = {"state", "error_text", "picking_id", "sale_order_id", "reconciliation_id"}


def exchange_type_code(document_type, direction):
    """``wms_<document>_<in|out>`` (document lower case: ``wms_invrpt_in``)."""
    return f"wms_{document_type.lower()}_{direction}"


class WmsTradingPartner(models.Model):
    _inherit = "wms.trading.partner"

    edi_backend_id = fields.Many2one(
        "edi.backend",
        "EDI Backend",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="This partner's backend in the EDI framework (created with the partner).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        partners._edi_ensure_backend()
        return partners

    def _edi_ensure_backend(self):
        """One edi.backend per trading partner (created in one batch)."""
        missing = self.filtered(lambda p: not p.edi_backend_id)
        if not missing:
            return
        backend_type = self.env.ref(BACKEND_TYPE_XMLID)
        backends = (
            self.env["edi.backend"]
            .sudo()
            .create(
                [
                    {
                        "name": partner.name,
                        "backend_type_id": backend_type.id,
                        "company_id": partner.company_id.id,
                    }
                    for partner in missing
                ]
            )
        )
        for partner, backend in zip(missing, backends, strict=True):
            partner.sudo().edi_backend_id = backend


class WmsExchange(models.Model):
    _inherit = "wms.exchange"

    edi_exchange_record_id = fields.Many2one(
        "edi.exchange.record",
        "EDI Exchange Record",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )

    @api.model_create_multi
    def create(self, vals_list):
        exchanges = super().create(vals_list)
        exchanges._edi_sync()
        return exchanges

    def write(self, vals):
        result = super().write(vals)
        if SYNCED_FIELDS & set(vals) and not self.env.context.get("wms_edi_syncing"):
            self._edi_sync()
        return result

    def _edi_business_record(self):
        return self.picking_id or self.sale_order_id or self.reconciliation_id

    def _edi_record_values(self):
        self.ensure_one()
        business = self._edi_business_record()
        pending = "input_pending" if self.direction == "in" else "output_pending"
        vals = {
            "edi_exchange_state": EDI_STATES[self.direction].get(self.state, pending),
            "exchange_error": self.error_text or False,
            "model": business._name if business else False,
            "res_id": business.id if business else False,
        }
        return vals

    def _edi_sync(self):
        """Create or update the framework records of ``self`` (batched)."""
        exchanges = self.sudo().with_context(wms_edi_syncing=True, edi__skip_quick_exec=True)
        if not exchanges:
            return
        exchanges.trading_partner_id._edi_ensure_backend()
        Record = governed(
            self.env["edi.exchange.record"].sudo().with_context(edi__skip_quick_exec=True)
        )
        codes = {exchange_type_code(e.document_type, e.direction) for e in exchanges}
        backend_type = self.env.ref(BACKEND_TYPE_XMLID)
        types = {
            t.code: t
            for t in self.env["edi.exchange.type"]
            .sudo()
            .search([("code", "in", list(codes)), ("backend_type_id", "=", backend_type.id)])
        }
        new = exchanges.filtered(lambda e: not e.edi_exchange_record_id)
        todo = new.filtered(lambda e: exchange_type_code(e.document_type, e.direction) in types)
        if todo:
            records = Record.create(
                [
                    {
                        **e._edi_record_values(),
                        "type_id": types[exchange_type_code(e.document_type, e.direction)].id,
                        "backend_id": e.trading_partner_id.edi_backend_id.id,
                        "exchange_filename": e.filename or e.name,
                        "external_identifier": e.name,
                        "company_id": e.company_id.id,
                    }
                    for e in todo
                ]
            )
            for exchange, record in zip(todo, records, strict=True):
                exchange._wms_governed().edi_exchange_record_id = record
        # update the others, one write per distinct set of values
        groups = {}
        for exchange in exchanges - todo:
            record = exchange.edi_exchange_record_id
            if not record:
                continue
            vals = exchange._edi_record_values()
            current = {
                "edi_exchange_state": record.edi_exchange_state,
                "exchange_error": record.exchange_error or False,
                "model": record.model or False,
                "res_id": record.res_id or False,
            }
            if vals != current:
                groups.setdefault(tuple(sorted(vals.items())), Record.browse())
                groups[tuple(sorted(vals.items()))] |= record
        for key, records in groups.items():
            records.write(dict(key))
        exchanges._edi_link_related()

    def _edi_link_related(self):
        """The business record shows its exchanges (consumer mixin related records)."""
        pairs = {
            (e.edi_exchange_record_id.id, b._name, b.id)
            for e in self
            if e.edi_exchange_record_id and (b := e._edi_business_record())
        }
        if not pairs:
            return
        Related = self.env["edi.exchange.related.record"].sudo()
        existing = Related.search([("exchange_record_id", "in", list({p[0] for p in pairs}))])
        have = {(r.exchange_record_id.id, r.model, r.res_id) for r in existing}
        Related.create(
            [
                {"exchange_record_id": rid, "model": model, "res_id": res_id}
                for rid, model, res_id in sorted(pairs - have)
            ]
        )

    @api.model
    def _edi_sync_all(self):
        """Backends for every partner, records for every exchange (migration)."""
        partners = self.env["wms.trading.partner"].sudo().with_context(active_test=False)
        partners.search([("edi_backend_id", "=", False)])._edi_ensure_backend()
        self.sudo().search([("edi_exchange_record_id", "=", False)])._edi_sync()


class EdiExchangeRecord(models.Model):
    _inherit = "edi.exchange.record"

    wms_exchange_ids = fields.One2many("wms.exchange", "edi_exchange_record_id", readonly=True)

    def _wms_driven(self):
        return self.filtered(lambda r: r.backend_id.backend_type_id.code == "wms_bridge")

    # The records of wms_bridge backends mirror wms.exchange: created and changed
    # by the bridge only (the framework lets every internal user write records).
    @api.model_create_multi
    def create(self, vals_list):
        if not is_governed(self.env):
            backend_ids = [v.get("backend_id") for v in vals_list if v.get("backend_id")]
            backends = self.env["edi.backend"].sudo().browse(backend_ids)
            if any(b.backend_type_id.code == "wms_bridge" for b in backends):
                raise AccessError(
                    self.env._("Exchange records of the WMS bridge are created by the bridge.")
                )
        return super().create(vals_list)

    def write(self, vals):
        if not is_governed(self.env) and set(vals) - {"active"} and self.sudo()._wms_driven():
            raise AccessError(
                self.env._(
                    "Exchange records of the WMS bridge change with their exchange: use "
                    "Reprocess, Retry or Cancel on it."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_wms_driven(self):
        if not is_governed(self.env) and self.sudo()._wms_driven():
            raise AccessError(self.env._("Exchange records of the WMS bridge cannot be deleted."))

    def action_exchange_process(self):
        """WMS bridge records: *Reprocess* (integration users, failed exchanges)."""
        ours = self._wms_driven()
        if ours:
            return ours.wms_exchange_ids.action_reprocess()
        return super().action_exchange_process()

    def action_retry(self):
        """WMS bridge records: *Retry* (outgoing) or *Reprocess* (incoming)."""
        ours = self._wms_driven()
        exchanges = ours.wms_exchange_ids
        if exchanges.filtered(lambda e: e.direction == "out"):
            exchanges.filtered(lambda e: e.direction == "out").action_retry()
        if exchanges.filtered(lambda e: e.direction == "in"):
            exchanges.filtered(lambda e: e.direction == "in").action_reprocess()
        rest = self - ours
        return super(EdiExchangeRecord, rest).action_retry() if rest else True


class StockPicking(models.Model):
    """Transfers are exchange consumers: their EDI records show on their form."""

    _name = "stock.picking"
    _inherit = ["stock.picking", "edi.exchange.consumer.mixin"]


class SaleOrder(models.Model):
    """Sale orders (EDIFACT ORDERS, DESADV) are exchange consumers too."""

    _name = "sale.order"
    _inherit = ["sale.order", "edi.exchange.consumer.mixin"]


class EdiBackend(models.Model):
    _inherit = "edi.backend"

    def _check_output_exchange_sync(self, *args, **kwargs):
        """Backends of type wms_bridge are driven by the wms.exchange jobs."""
        others = self.filtered(lambda b: b.backend_type_id.code != "wms_bridge")
        return super(EdiBackend, others)._check_output_exchange_sync(*args, **kwargs)

    def _check_input_exchange_sync(self, *args, **kwargs):
        others = self.filtered(lambda b: b.backend_type_id.code != "wms_bridge")
        return super(EdiBackend, others)._check_input_exchange_sync(*args, **kwargs)


class WmsBridgeEdiHandler(models.AbstractModel):
    """Our codec behind the framework's hooks, for the wms_bridge exchange types.

    The framework calls these when a person uses its buttons on one of our
    records (its crons skip our backends): generate returns the payload our
    codec wrote, validate runs our codec on it, process and send go through the
    governed *Reprocess* and *Retry*."""

    _name = "wms.bridge.edi.handler"
    _description = "WMS Bridge EDI handler (X12 / EDIFACT codec)"
    _inherit = [
        "edi.oca.handler.generate",
        "edi.oca.handler.input.validate",
        "edi.oca.handler.output.validate",
        "edi.oca.handler.send",
        "edi.oca.handler.receive",
        "edi.oca.handler.process",
        "edi.oca.handler.check",
    ]

    def _exchange(self, exchange_record):
        exchange = exchange_record.wms_exchange_ids[:1]
        if not exchange:
            raise UserError(
                self.env._(
                    "%(record)s has no WMS bridge exchange.", record=exchange_record.display_name
                )
            )
        return exchange

    def generate(self, exchange_record):
        return self._exchange(exchange_record)._payload_bytes()

    def input_validate(self, exchange_record, **kw):
        self._validate(exchange_record)

    def output_validate(self, exchange_record, **kw):
        self._validate(exchange_record)

    def _validate(self, exchange_record):
        from ..engine import edifact, x12

        payload = self._exchange(exchange_record)._payload_bytes()
        if payload.lstrip()[:3] in (b"UNA", b"UNB"):
            result = edifact.read_interchange(payload)
        else:
            result = x12.process_interchange(payload)
        if not result.accepted:
            raise UserError(self.env._("The interchange does not validate."))

    def send(self, exchange_record):
        return self._exchange(exchange_record).action_retry()

    def receive(self, exchange_record):
        return self._exchange(exchange_record)._payload_bytes()

    def process(self, exchange_record):
        return self._exchange(exchange_record).action_reprocess()

    def check(self, exchange_record):
        return True
