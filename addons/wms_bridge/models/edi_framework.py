"""wms_bridge on OCA's EDI framework (edi_core_oca).

Every trading partner has an ``edi.backend`` (backend type ``wms_bridge``);
every ``wms.exchange`` is created with its ``edi.exchange.record`` of the
exchange type of its document and direction (``wms_945_in``, ``wms_940_out``,
...), linked to the transfer or sale order it concerns, so that integrators find
our documents in the framework's screens (EDI > Exchange records, a picking's or
an order's EDI exchanges) and on the backend of each partner.

The framework record is the exchange's truth:

* its ``edi_exchange_state`` is the stored state; ``wms.exchange.state`` is
  derived from it and from the bridge's ``outcome`` (what the framework's states
  cannot say: duplicate, unexpected error, cancelled; engine/exchange_state.py);
* its ``exchange_file`` holds the payload and ``exchange_error`` the error;
* incoming documents are processed by the framework's ``exchange_process`` and
  outgoing ones sent by its ``exchange_send``, which call our codec through the
  handler below (``wms.bridge.edi.handler``) and record the outcome the
  framework's way (state, error, traceback, the messages on the transfer).

What the bridge adds around them (queue jobs, retry with backoff, parking, the
integration team's activities) is in :class:`WmsExchange` here.  The framework's
own sync crons leave backends of type ``wms_bridge`` alone: our queue jobs run
them (one job per document, retried with backoff).  The framework's *Process*
and *Retry* buttons on one of our records go through our governed actions
(*Reprocess*, *Retry*), with their group checks.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.sql import column_exists

from ..engine.exchange_state import framework_state
from ..tools.exceptions import PermanentTransportError, TransientTransportError
from .wms_governed_mixin import governed, is_governed

BACKEND_TYPE_XMLID = "wms_bridge.edi_backend_type_wms_bridge"
#: context key of the dict in which the handler leaves what the framework's
#: rollback of a failed process must not lose (see WmsExchange._edi_process)
OUTCOME_KEY = "wms_bridge_process_outcome"


class ProcessOutcomes(dict):
    """What a process handler leaves for its caller, by exchange id.  Compared by
    identity: Odoo reuses an environment whose context is *equal* to the one
    asked for, and two empty dicts are equal, so a nested process (a set applied
    while its interchange is processed) would otherwise get its parent's dict."""

    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__


class WmsExchangeFailed(UserError):
    """A document the bridge could not apply: the framework records the error
    (its savepoint undoes what the processing did)."""


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

    # ------------------------------------------------------------ state and error
    @api.model_create_multi
    def create(self, vals_list):
        """Each exchange with its framework record (created in one batch): the
        state and error given are stored there."""
        self._wms_check_create(vals_list)
        framework_vals = []
        for vals in vals_list:
            direction = vals.get("direction")
            state = vals.pop("state", None) or ("received" if direction == "in" else "pending")
            edi_state, outcome = framework_state(direction, state)
            vals["outcome"] = outcome
            framework_vals.append(
                {
                    "edi_exchange_state": edi_state,
                    "exchange_error": vals.pop("error_text", False) or False,
                    "exchange_error_traceback": vals.pop("error_traceback", False) or False,
                }
            )
        exchanges = super().create(vals_list)
        exchanges._edi_create_records(framework_vals)
        return exchanges

    def write(self, vals):
        """``state``, ``error_text`` and ``error_traceback`` are stored on the
        framework records (one write per distinct set of values)."""
        if not {"state", "error_text", "error_traceback"} & set(vals):
            result = super().write(vals)
        else:
            self._wms_check_write(vals)
            vals = dict(vals)
            state = vals.pop("state", None)
            error = {
                target: vals.pop(name) or False
                for name, target in (
                    ("error_text", "exchange_error"),
                    ("error_traceback", "exchange_error_traceback"),
                )
                if name in vals
            }
            groups = {}
            for exchange in self:
                record_vals = dict(error)
                outcome = None
                if state is not None:
                    edi_state, outcome = framework_state(
                        exchange.direction,
                        state,
                        exchange.edi_exchange_record_id.edi_exchange_state,
                    )
                    record_vals["edi_exchange_state"] = edi_state
                key = (outcome, tuple(sorted(record_vals.items())))
                groups.setdefault(key, self.browse())
                groups[key] |= exchange
            result = super().write(vals) if vals else True
            for (outcome, record_vals), exchanges in groups.items():
                if outcome is not None:
                    super(WmsExchange, exchanges).write({"outcome": outcome})
                records = governed(exchanges.sudo().edi_exchange_record_id)
                if record_vals and records:
                    records.with_context(edi__skip_quick_exec=True).write(dict(record_vals))
        if {"picking_id", "sale_order_id", "reconciliation_id"} & set(vals):
            self._edi_link_business()
        return result

    def _edi_business_record(self):
        return self.picking_id or self.sale_order_id or self.reconciliation_id

    def _edi_create_records(self, framework_vals):
        """The framework records of new exchanges (one create), each linked to its
        exchange and to the business record it concerns."""
        exchanges = self.sudo()
        exchanges.trading_partner_id._edi_ensure_backend()
        backend_type = self.env.ref(BACKEND_TYPE_XMLID)
        codes = {exchange_type_code(e.document_type, e.direction) for e in exchanges}
        types = {
            t.code: t
            for t in self.env["edi.exchange.type"]
            .sudo()
            .search([("code", "in", list(codes)), ("backend_type_id", "=", backend_type.id)])
        }
        missing = codes - set(types)
        if missing:
            raise UserError(
                self.env._(
                    "No EDI exchange type %(codes)s: update the WMS Bridge module.",
                    codes=", ".join(sorted(missing)),
                )
            )
        # sudo + governed: the bridge's own records, created with its exchanges
        Record = governed(
            self.env["edi.exchange.record"].sudo().with_context(edi__skip_quick_exec=True)
        )
        values = []
        for exchange, extra in zip(exchanges, framework_vals, strict=True):
            business = exchange._edi_business_record()
            values.append(
                {
                    **extra,
                    "type_id": types[
                        exchange_type_code(exchange.document_type, exchange.direction)
                    ].id,
                    "backend_id": exchange.trading_partner_id.edi_backend_id.id,
                    "exchange_filename": exchange.filename or exchange.name,
                    "external_identifier": exchange.name,
                    "company_id": exchange.company_id.id,
                    "model": business._name if business else False,
                    "res_id": business.id if business else False,
                }
            )
        records = Record.create(values)
        governed_exchanges = exchanges._wms_governed()
        for exchange, record in zip(governed_exchanges, records, strict=True):
            exchange.edi_exchange_record_id = record.id
        exchanges._edi_link_related()

    def _edi_link_business(self):
        """The framework record follows the transfer / order the exchange concerns."""
        groups = {}
        for exchange in self.sudo():
            record = exchange.edi_exchange_record_id
            business = exchange._edi_business_record()
            vals = {
                "model": business._name if business else False,
                "res_id": business.id if business else False,
            }
            if record and (record.model or False, record.res_id or False) != (
                vals["model"],
                vals["res_id"],
            ):
                key = tuple(sorted(vals.items()))
                groups.setdefault(key, record.browse())
                groups[key] |= record
        for key, records in groups.items():
            governed(records).write(dict(key))
        self.sudo()._edi_link_related()

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

    # --------------------------------------------------- processing and sending
    def _edi_process(self, doc=None):
        """Process this incoming exchange through the framework's
        ``exchange_process`` (our handler applies it).

        A document that fails is parked the framework's way: the handler raises,
        the framework's savepoint undoes what the processing did and stores the
        error on its record.  What the bridge adds to a failure (its outcome, the
        transfer the document names, the traceback of the real cause, the
        integration team's activity) is handed out of that savepoint in a dict
        of the context and applied here.  An interchange read with errors keeps
        the sets it could read: nothing is rolled back, its error is applied
        here after the framework recorded the processing."""
        self.ensure_one()
        # prefetching itself only: the framework reads the record's file, and the
        # file of every sibling of an interchange's set would be read with it
        record = self.edi_exchange_record_id.with_prefetch(self.edi_exchange_record_id._ids)
        failures = ProcessOutcomes()
        backend = record.backend_id.with_context(
            **{OUTCOME_KEY: failures, "wms_bridge_document": doc}
        )
        backend.exchange_process(record.with_env(backend.env))
        kept = failures.get(self.id)
        if not kept:
            return self.state == "processed"
        vals = {"state": kept["state"], "error_text": kept["error_text"]}
        if kept.get("error_traceback"):
            vals["error_traceback"] = kept["error_traceback"]
        linked = kept.get("picking_id") and not self.picking_id
        if linked:
            vals["picking_id"] = kept["picking_id"]
        self.write(vals)
        if kept["rolled_back"]:
            if linked:
                # the framework told the records it knew when it failed: the
                # transfer the document names is known again only now
                record._notify_related_record(
                    record._exchange_status_message("process_ko"), level="error"
                )
            self._notify_failure()
        return False

    def _edi_send(self):
        """Send this outgoing exchange through the framework's ``exchange_send``.

        A refusal by the far end (permanent) is recorded by the framework as an
        error on send (parked); a transient failure leaves the record pending
        and is raised for the caller's retry with backoff."""
        self.ensure_one()
        record = self.edi_exchange_record_id.with_prefetch(self.edi_exchange_record_id._ids)
        record.backend_id.exchange_send(record)
        if self.state == "parked":
            self._notify_failure()
            return False
        return self.state == "sent"

    @api.model
    def _edi_sync_all(self):
        """Backends for every partner, framework records for exchanges without one
        (databases from before 19.0.1.3.0: their state and error were columns of
        wms_exchange, read here by SQL)."""
        partners = self.env["wms.trading.partner"].sudo().with_context(active_test=False)
        partners.search([("edi_backend_id", "=", False)])._edi_ensure_backend()
        self.env.flush_all()  # the SQL below reads what the ORM may still hold
        if column_exists(self.env.cr, "wms_exchange", "error_traceback"):
            self.env.cr.execute(
                "SELECT id, state, error_text, error_traceback FROM wms_exchange "
                "WHERE edi_exchange_record_id IS NULL ORDER BY id"
            )
        else:
            self.env.cr.execute(
                "SELECT id, state, NULL, NULL FROM wms_exchange "
                "WHERE edi_exchange_record_id IS NULL ORDER BY id"
            )
        rows = self.env.cr.fetchall()
        if not rows:
            return
        exchanges = self.sudo().browse([r[0] for r in rows])
        framework_vals, outcomes = [], {}
        for exchange, (_id, state, error, trace) in zip(exchanges, rows, strict=True):
            edi_state, outcome = framework_state(exchange.direction, state or "pending")
            framework_vals.append(
                {
                    "edi_exchange_state": edi_state,
                    "exchange_error": error or False,
                    "exchange_error_traceback": trace or False,
                }
            )
            outcomes.setdefault(outcome, []).append(exchange.id)
        exchanges._edi_create_records(framework_vals)
        for outcome, ids in outcomes.items():
            exchanges.browse(ids)._wms_governed().write({"outcome": outcome})


class EdiExchangeRecord(models.Model):
    _inherit = "edi.exchange.record"

    wms_exchange_ids = fields.One2many("wms.exchange", "edi_exchange_record_id", readonly=True)

    def _wms_driven(self):
        return self.filtered(lambda r: r.backend_id.backend_type_id.code == "wms_bridge")

    # The records of wms_bridge backends are the exchanges of the bridge: created and changed
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

    The framework's ``exchange_process`` and ``exchange_send`` call ``process``
    and ``send`` (our queue jobs call those framework methods); ``generate``
    returns the payload our codec wrote, ``validate`` runs our codec on it."""

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
        # sudo: the bridge exchange of a framework record the framework is running
        exchange = exchange_record.sudo().wms_exchange_ids[:1]
        if not exchange:
            raise UserError(
                self.env._(
                    "%(record)s has no WMS bridge exchange.", record=exchange_record.display_name
                )
            )
        return exchange.with_env(self.env)

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
        """Hand the payload to the partner's transport.  A refusal is raised as a
        UserError (the framework records the error on send); a transient failure
        goes through unchanged (nothing recorded, the caller retries)."""
        exchange = self._exchange(exchange_record)
        try:
            exchange.trading_partner_id._transport_send(exchange)
        except PermanentTransportError as exc:
            raise UserError(str(exc)) from exc
        except TransientTransportError:
            raise
        return self.env._("Sent to %(partner)s.", partner=exchange.trading_partner_id.name)

    def receive(self, exchange_record):
        return self._exchange(exchange_record)._payload_bytes()

    def process(self, exchange_record):
        """Read and apply the document.  A set or message that fails raises (the
        framework's savepoint undoes it and records the error); what the bridge
        adds to the failure is left in the context's dict for the caller.  An
        interchange never raises: the sets it could read, and the acknowledgment
        answering it, stay."""
        exchange = self._exchange(exchange_record)
        failures = self.env.context.get(OUTCOME_KEY)
        exchange._process_now(self.env.context.get("wms_bridge_document"))
        if exchange.state not in ("parked", "error", "duplicate"):
            return self.env._("%(name)s processed.", name=exchange.name)
        if failures is not None:
            failures[exchange.id] = {
                "state": exchange.state,
                "error_text": exchange.error_text,
                "error_traceback": exchange.error_traceback,
                "picking_id": exchange.picking_id.id,
                "rolled_back": exchange.state != "duplicate"
                and exchange.document_type not in ("x12", "edifact"),
            }
        if exchange.state == "duplicate" or exchange.document_type in ("x12", "edifact"):
            # the framework records a success and clears the error: the note is
            # written back by the caller
            return exchange.error_text
        raise WmsExchangeFailed(exchange.error_text or exchange.state)

    def check(self, exchange_record):
        return True
