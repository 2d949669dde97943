import logging
import traceback
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engine import acks as edi_acks
from ..engine import edifact, x12
from ..engine.exchange_state import OUTCOMES, bridge_state
from ..tools.exceptions import TransientTransportError, WmsMappingError
from .wms_governed_mixin import create_governed, governed
from .wms_mapping_version import WmsLookups
from .wms_trading_partner import DOCUMENT_TYPES

_logger = logging.getLogger(__name__)

CHANNEL = "root.wms_bridge"
STATES = [
    ("pending", "Pending"),
    ("sent", "Sent"),
    ("acknowledged", "Acknowledged"),
    ("rejected", "Rejected"),
    ("received", "Received"),
    ("processed", "Processed"),
    ("error", "Error"),
    ("parked", "Parked"),
    ("duplicate", "Duplicate"),
    ("cancel", "Cancelled"),
]
FAILED_STATES = ("rejected", "error", "parked")
# What a person may do, from which states (the buttons of the form).
RETRY_STATES = ("pending", "parked", "rejected")
CANCEL_STATES = {"out": ("pending", "parked", "rejected"), "in": FAILED_STATES}
INTEGRATION_USER = "wms_bridge.group_wms_bridge_user"
# Fields changed only by the exchange's own methods: what was exchanged, its state,
# control numbers, acknowledgment and the records it touched.  Mail fields
# (followers, messages, activities) stay open to whoever may write on exchanges.
PROTECTED_FIELDS = frozenset(
    {
        "name",
        "trading_partner_id",
        "company_id",
        "document_type",
        "direction",
        "state",
        "parent_id",
        "child_ids",
        "isa_control",
        "gs_control",
        "st_control",
        "interchange_key",
        "filename",
        "attachment_id",
        "ack_payload_text",
        "error_text",
        "error_traceback",
        "retry_count",
        "next_retry",
        "ack_expected",
        "ack_alert_sent",
        "ack_exchange_id",
        "mapping_version_id",
        "picking_id",
        "backorder_id",
        "sale_order_id",
        "reconciliation_id",
        "received_date",
        "sent_date",
        "processed_date",
        "acknowledged_date",
        "edi_exchange_record_id",  # the EDI framework's record (models/edi_framework.py)
        "outcome",
    }
)
ACK_TYPES = ("997", "999", "TA1", "CONTRL")
# Incoming business documents -> method applying them (on wms.exchange).
HANDLERS = {
    "945": "_apply_945",
    "944": "_apply_944",
    "846": "_apply_846",
    "INVRPT": "_apply_invrpt",
    "214": "_apply_214",
    "ORDERS": "_apply_orders",
}


class WmsExchange(models.Model):
    _name = "wms.exchange"
    _description = "EDI Exchange"
    _inherit = ["mail.thread", "mail.activity.mixin", "wms.governed.mixin"]
    _order = "id desc"
    # Exchanges are created by the bridge only (send and receive paths), and their
    # PROTECTED_FIELDS change only through its own methods: the send and process
    # jobs, Retry, Reprocess and Cancel.
    _wms_governed_create = True

    name = fields.Char(required=True, copy=False, readonly=True, default="/")
    trading_partner_id = fields.Many2one(
        "wms.trading.partner", required=True, ondelete="restrict", index=True
    )
    company_id = fields.Many2one(related="trading_partner_id.company_id", store=True, index=True)
    document_type = fields.Selection(DOCUMENT_TYPES, required=True, index=True)
    direction = fields.Selection([("in", "Incoming"), ("out", "Outgoing")], required=True)
    # The EDI framework's record of this exchange holds its state (edi_exchange_state),
    # payload (exchange_file) and error; the bridge keeps beside it what the
    # framework's states cannot say (outcome) and derives its own state from both
    # (engine/exchange_state.py).
    edi_exchange_record_id = fields.Many2one(
        "edi.exchange.record",
        "EDI Exchange Record",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )
    edi_exchange_state = fields.Selection(
        related="edi_exchange_record_id.edi_exchange_state", string="Framework State"
    )
    outcome = fields.Selection(
        [(o, o.capitalize()) for o in OUTCOMES],
        readonly=True,
        copy=False,
        help="What the framework's state cannot say: a duplicate interchange, an "
        "unexpected error (rather than a document parked for a person), a cancellation.",
    )
    state = fields.Selection(
        STATES, compute="_compute_state", store=True, tracking=True, index=True, readonly=True
    )
    parent_id = fields.Many2one("wms.exchange", "Interchange", ondelete="cascade", index=True)
    child_ids = fields.One2many("wms.exchange", "parent_id", "Transaction Sets")
    # ---- envelope
    isa_control = fields.Char("Interchange Control", index=True, help="ISA13 / UNB05")
    gs_control = fields.Char("Group Control", help="GS06")
    st_control = fields.Char("Set Control", help="ST02 / UNH01")
    interchange_key = fields.Char(
        index=True, help="Sender qualifier/id, receiver id and ISA13: duplicates share it."
    )
    # ---- payload
    filename = fields.Char()
    attachment_id = fields.Many2one("ir.attachment", "Payload", readonly=True, copy=False)
    payload_text = fields.Text(compute="_compute_payload_text", string="Payload (text)")
    ack_payload_text = fields.Text(
        "Acknowledgment Received",
        readonly=True,
        help="Summary of the 997/999/TA1/CONTRL that answered this exchange.",
    )
    # ---- outcome
    error_text = fields.Text(related="edi_exchange_record_id.exchange_error", readonly=True)
    error_traceback = fields.Text(
        related="edi_exchange_record_id.exchange_error_traceback", readonly=True
    )
    retry_count = fields.Integer(readonly=True)
    next_retry = fields.Datetime(readonly=True)
    ack_expected = fields.Boolean(readonly=True)
    ack_alert_sent = fields.Boolean(readonly=True)
    ack_exchange_id = fields.Many2one(
        "wms.exchange",
        "Acknowledgment",
        readonly=True,
        help="Outgoing: the acknowledgment received for it. Incoming: the one we sent.",
    )
    mapping_version_id = fields.Many2one("wms.mapping.version", readonly=True, ondelete="restrict")
    # ---- links to Odoo records
    picking_id = fields.Many2one("stock.picking", "Transfer", index=True, readonly=True)
    backorder_id = fields.Many2one("stock.picking", readonly=True)
    sale_order_id = fields.Many2one("sale.order", readonly=True, index=True)
    reconciliation_id = fields.Many2one("wms.stock.reconciliation", readonly=True)
    # ---- timestamps
    received_date = fields.Datetime(readonly=True)
    sent_date = fields.Datetime(readonly=True)
    processed_date = fields.Datetime(readonly=True)
    acknowledged_date = fields.Datetime(readonly=True)

    # ================================================================== basics
    def _wms_protected_fields(self):
        return PROTECTED_FIELDS

    @api.depends("direction", "outcome", "edi_exchange_record_id.edi_exchange_state")
    def _compute_state(self):
        for exchange in self:
            exchange.state = bridge_state(
                exchange.direction,
                exchange.edi_exchange_record_id.edi_exchange_state,
                exchange.outcome,
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._wms_check_create(vals_list)
        sequence = self.env["ir.sequence"]
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = sequence.next_by_code("wms.exchange") or "/"
        return super().create(vals_list)

    def unlink(self):
        """Administrators (access rights) may delete exchanges; their framework
        record and payload go with them, which the guards allow in governed mode
        only."""
        records = self.sudo().edi_exchange_record_id
        result = super(WmsExchange, self._wms_governed()).unlink()
        # sudo: the framework records of the exchanges just deleted (the caller's
        # right to delete those was checked by the unlink above)
        governed(records).unlink()
        return result

    def _compute_payload_text(self):
        for exchange in self:
            exchange.payload_text = exchange._payload_bytes()[:200000].decode("latin-1")

    def _payload_bytes(self):
        """This exchange's payload: the framework record's file (``exchange_file``).

        Read through the attachment alone: ``raw`` is computed for every record of
        the prefetch set, and each child of an interchange of N sets would read
        the N files of its siblings.  sudo: the caller reads an exchange it may
        read (its record rules applied); the payload is part of it (the
        attachment's own check would ask for the framework record's related
        transfer, which an integration user need not see)."""
        self.ensure_one()
        attachment = self.attachment_id.sudo()
        return (attachment.with_prefetch(attachment._ids).raw if attachment else b"") or b""

    def _attach(self, payloads):
        """Store ``payloads`` (bytes, one per exchange in self) as the files of
        their framework records, in one batch (where the framework's send,
        process and download read them)."""
        exchanges = self._wms_governed()
        # sudo: the payload of an exchange the bridge's own method just built or
        # received, stored as the file of its framework record
        attachments = (
            exchanges.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": exchange.filename or f"{exchange.name}.edi",
                        "raw": payload,
                        "res_model": "edi.exchange.record",
                        "res_field": "exchange_file",
                        "res_id": exchange.edi_exchange_record_id.id,
                        "mimetype": "text/plain",
                    }
                    for exchange, payload in zip(exchanges, payloads, strict=True)
                ]
            )
        )
        for exchange, attachment in zip(exchanges, attachments, strict=True):
            exchange.attachment_id = attachment.with_env(exchanges.env)
        exchanges.edi_exchange_record_id.invalidate_recordset(["exchange_file"])

    # ================================================================== failures
    def _fail(self, state, message, with_traceback=False):
        """Store the failure and raise an activity for the integration team."""
        vals = {"state": state, "error_text": message}
        if with_traceback:
            vals["error_traceback"] = traceback.format_exc()
        self.write(vals)
        self._notify_failure()

    def _notify_failure(self):
        activity_type = self.env.ref("mail.mail_activity_data_warning")
        for exchange in self:
            exchange.activity_schedule(
                activity_type_id=activity_type.id,
                summary=self.env._(
                    "EDI %(name)s: %(state)s", name=exchange.name, state=exchange.state
                ),
                note=exchange.error_text or "",
                user_id=exchange.trading_partner_id._integration_user().id,
            )

    # ================================================================== outgoing
    @api.model
    def _create_outgoing(self, partner, document_type, document, links=None, builder=None):
        """One pending exchange carrying ``document`` (a codec dict, or the error that
        prevented building it) as its own interchange; its sending is queued.

        ``builder(mapping)`` may be given instead of ``document``: a
        WmsMappingError it raises parks the exchange."""
        return (
            self._wms_governed()
            ._create_outgoing_governed(partner, document_type, document, links, builder)
            .with_env(self.env)
        )

    @api.model
    def _create_outgoing_governed(self, partner, document_type, document, links, builder):
        mapping = partner.mapping_version_id
        vals = {
            "trading_partner_id": partner.id,
            "document_type": document_type,
            "direction": "out",
            "state": "pending",
            "mapping_version_id": mapping.id,
            "ack_expected": document_type not in ACK_TYPES,
            **(links or {}),
        }
        exchange = self.create(vals)
        try:
            with self.env.cr.savepoint():
                doc = builder(mapping) if builder else document
                payload = exchange._render(document_type, doc)
        except (WmsMappingError, ValidationError, ValueError, KeyError) as exc:
            exchange._fail("parked", str(exc), with_traceback=True)
            return exchange
        exchange._attach([payload.encode("latin-1", errors="replace")])
        exchange._enqueue_send()
        return exchange

    def _render(self, document_type, doc):
        """Payload text of one document in its own interchange (control numbers set)."""
        self.ensure_one()
        partner = self.trading_partner_id
        number = partner._next_control_number()
        self.isa_control = f"{number:09d}" if partner.standard == "x12" else str(number)
        if partner.standard == "edifact" or document_type in ("DESADV", "CONTRL"):
            self.st_control = "1"
            self.filename = f"{document_type}_{self.isa_control}_{self.name.replace('/', '-')}.edi"
            return edifact.write_interchange(
                partner._edifact_envelope(), [(document_type, doc)], control_ref=self.isa_control
            )
        self.gs_control = str(number)
        self.st_control = "0001"
        self.filename = f"{document_type}_{self.isa_control}_{self.name.replace('/', '-')}.x12"
        return x12.write_interchange(
            partner._x12_envelope(), [(document_type, doc)], control_number=number
        )

    def _enqueue_send(self, eta=None):
        for exchange in self:
            exchange.with_user(SUPERUSER_ID).with_delay(
                channel=CHANNEL, eta=eta, description=f"EDI send {exchange.name}"
            )._job_send()

    def _job_send(self):
        """Queue job: hand the payload to the partner's transport.

        Transient failures are retried with exponential backoff (a new job with an
        ``eta``) up to the partner's max_retries, then parked; permanent ones park
        the exchange at once.  Failures are stored, the job itself succeeds."""
        self.ensure_one()
        return self._wms_governed()._send_payload()

    def _send_payload(self):
        """Send through the framework (``_edi_send``); the bridge adds the retry
        with backoff of transient failures, then parks."""
        self.ensure_one()
        if self.state != "pending":
            return False
        partner = self.trading_partner_id
        try:
            sent = self._edi_send()
        except TransientTransportError as exc:
            count = self.retry_count + 1
            if count > partner.max_retries:
                self.retry_count = count
                self._fail(
                    "parked",
                    self.env._(
                        "Gave up after %(count)s attempts: %(error)s", count=count, error=exc
                    ),
                )
                return False
            delay = partner.retry_base_seconds * 2 ** (count - 1)
            eta = fields.Datetime.now() + timedelta(seconds=delay)
            self.write({"retry_count": count, "next_retry": eta, "error_text": str(exc)})
            self._enqueue_send(eta=eta)
            return False
        if sent:
            self.write({"sent_date": fields.Datetime.now(), "next_retry": False})
        return sent

    # ================================================================== incoming
    @api.model
    def _create_received(self, partner, files):
        """``files`` = ``[(filename, bytes)]`` -> received exchanges (one per file)."""
        now = fields.Datetime.now()
        exchanges = create_governed(
            self,
            [
                {
                    "trading_partner_id": partner.id,
                    "document_type": "edifact" if _is_edifact(data) else "x12",
                    "direction": "in",
                    "state": "received",
                    "filename": name,
                    "received_date": now,
                }
                for name, data in files
            ],
        )
        exchanges._attach([data for _name, data in files])
        return exchanges

    def _enqueue_processing(self):
        for exchange in self:
            exchange.with_user(SUPERUSER_ID).with_delay(
                channel=CHANNEL, description=f"EDI process {exchange.name}"
            )._job_process()

    def _job_process(self):
        """Queue job: process through the framework (``_edi_process``)."""
        self.ensure_one()
        if self.state != "received":
            return False
        # Jobs run as the superuser: whatever the processing creates (sale orders,
        # lots, reconciliations) takes the partner's company as the current one.
        return self.with_company(self.company_id)._wms_governed()._edi_process()

    def _process_now(self, doc=None):
        """Read an interchange (splitting it per set) or apply one set (the
        framework's process handler calls this)."""
        exchange = self.with_company(self.company_id)._wms_governed()
        if exchange.document_type == "x12":
            return exchange._process_x12_interchange()
        if exchange.document_type == "edifact":
            return exchange._process_edifact_interchange()
        return exchange._process_document(doc)

    def _is_duplicate(self, key):
        """Another interchange with the same key from the same partner was received."""
        self.ensure_one()
        self.interchange_key = "|".join(key)
        return bool(
            self.search_count(
                [
                    ("id", "!=", self.id),
                    ("trading_partner_id", "=", self.trading_partner_id.id),
                    ("interchange_key", "=", self.interchange_key),
                    ("direction", "=", "in"),
                    ("parent_id", "=", False),
                    ("state", "not in", ("duplicate", "received")),
                ],
                limit=1,
            )
        )

    def _process_x12_interchange(self):
        partner = self.trading_partner_id
        raw = self._payload_bytes()
        result = x12.process_interchange(raw, ack_control_number=partner._next_control_number())
        info = result.interchange
        if info is not None:
            self.isa_control = info.control_number
            if self._is_duplicate(result.duplicate_key):
                self.write(
                    {
                        "state": "duplicate",
                        "processed_date": fields.Datetime.now(),
                        "error_text": self.env._(
                            "Interchange %(number)s was already received: not processed again.",
                            number=info.control_number,
                        ),
                    }
                )
                return False
        if result.ta1_received:
            self._apply_ta1(result.ta1_received)
        if result.ack:
            self.ack_exchange_id = self._send_ack(result.ack_type or "TA1", result.ack)
        children = self._split_x12(result, raw)
        if result.fatal or result.errors:
            self._fail(
                "error",
                "\n".join(f"TA1 {e.code}: {e.message}" for e in result.errors)
                or self.env._("Interchange unreadable."),
            )
        else:
            self.write({"state": "processed", "processed_date": fields.Datetime.now()})
        children.filtered(lambda c: c.state == "received")._enqueue_processing()
        return True

    def _split_x12(self, result, raw):
        """One child exchange per transaction set: a self-contained interchange (ISA,
        GS, the set, GE, IEA) so that each set is processed and reprocessed alone."""
        info = result.interchange
        if info is None or result.fatal:
            return self.browse()
        text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
        seps = info.separators
        end = seps.segment
        isa = text[: text.find(end, 100) + 1].lstrip()
        vals_list, payloads, acks = [], [], []
        for ts in result.sets:
            group = ts.group
            if group is not None and group.functional_id == "FA" and ts.data:
                acks.append(ts.data)
            if group is not None and not group.implicit:
                gs = seps.element.join(
                    [
                        "GS",
                        group.functional_id,
                        group.sender,
                        group.receiver,
                        group.date,
                        group.time,
                        group.control_number,
                        "X",
                        group.version,
                    ]
                )
                body = (
                    f"{gs}{end}{ts.raw}GE{seps.element}1{seps.element}{group.control_number}{end}"
                )
            else:
                body = ts.raw
            payloads.append(
                f"{isa}{body}IEA{seps.element}1{seps.element}{info.control_number}{end}"
            )
            accepted = ts.accepted
            vals_list.append(
                {
                    "trading_partner_id": self.trading_partner_id.id,
                    "document_type": ts.set_id if ts.set_id in _TYPES else "x12",
                    "direction": "in",
                    "parent_id": self.id,
                    "isa_control": info.control_number,
                    "gs_control": group.control_number if group else False,
                    "st_control": ts.control_number,
                    "state": "received" if accepted else "error",
                    "error_text": False if accepted else ts.describe(),
                    "received_date": self.received_date,
                    "filename": f"{ts.set_id}_{ts.control_number}.x12",
                    "ack_exchange_id": self.ack_exchange_id.id,
                    "mapping_version_id": self.trading_partner_id.mapping_version_id.id,
                }
            )
        children = self.create(vals_list)
        children._attach([p.encode("latin-1") for p in payloads])
        children.filtered(lambda c: c.state == "error")._notify_failure()
        fa_children = children.filtered(lambda c: c.document_type in ("997", "999"))
        if acks:
            self._apply_x12_acks(acks)
            fa_children.filtered(lambda c: c.state == "received").write(
                {"state": "processed", "processed_date": fields.Datetime.now()}
            )
        return children

    def _process_edifact_interchange(self):
        raw = self._payload_bytes()
        partner = self.trading_partner_id
        result = edifact.process_interchange(raw, control_ref=str(partner._next_control_number()))
        if result.interchange is not None:
            self.isa_control = result.interchange.control_ref
            if self._is_duplicate(result.duplicate_key):
                self.write(
                    {
                        "state": "duplicate",
                        "processed_date": fields.Datetime.now(),
                        "error_text": self.env._(
                            "Interchange %(number)s was already received: not processed again.",
                            number=self.isa_control,
                        ),
                    }
                )
                return False
        if result.contrl:
            self.ack_exchange_id = self._send_ack("CONTRL", result.contrl)
        vals_list, payloads = [], []
        for message in result.messages:
            if message.message_type == "CONTRL":
                self._apply_contrl(message.data or {})
            # each message gets its own interchange: processed and reprocessed alone,
            # without reading the parent's whole interchange again
            payloads.append(edifact.message_payload(result, message).encode("utf-8"))
            accepted = message.accepted
            vals_list.append(
                {
                    "trading_partner_id": partner.id,
                    "document_type": message.message_type
                    if message.message_type in _TYPES
                    else "edifact",
                    "direction": "in",
                    "parent_id": self.id,
                    "isa_control": self.isa_control,
                    "st_control": message.reference,
                    "state": "processed"
                    if message.message_type == "CONTRL"
                    else "received"
                    if accepted
                    else "error",
                    "error_text": False if accepted else message.describe(),
                    "received_date": self.received_date,
                    "filename": f"{message.message_type or 'message'}_{message.reference}.edi",
                    "ack_exchange_id": self.ack_exchange_id.id,
                    "mapping_version_id": partner.mapping_version_id.id,
                }
            )
        children = self.create(vals_list)
        children._attach(payloads)
        children.filtered(lambda c: c.state == "error")._notify_failure()
        if result.fatal or result.errors:
            self._fail("error", "\n".join(f"{e.code}: {e.message}" for e in result.errors))
        else:
            self.write({"state": "processed", "processed_date": fields.Datetime.now()})
        received = children.filtered(lambda c: c.state == "received")
        if received:
            # The messages of one interchange are applied here, one savepoint each
            # (a failure parks that message only), sharing one look-up of their
            # products and units; a reprocessed message runs alone in its own job.
            lookups = WmsLookups()
            mapping = partner.mapping_version_id.with_context(wms_lookups=lookups)
            id_dicts = [
                ids
                for message in result.messages
                if message.accepted and message.data
                for ids in _line_product_ids(message.data)
            ]
            if mapping and id_dicts:
                mapping._product_tables(partner, id_dicts)
            mapping._uom_table()
            children = children.with_context(wms_lookups=lookups)
            for child, message in zip(children, result.messages, strict=True):
                if child.state == "received":
                    child._edi_process(message.data)
        return True

    def _read_document(self):
        """The mapped dict of this child exchange's set or message."""
        if self.trading_partner_id.standard == "edifact" or self.document_type in (
            "ORDERS",
            "INVRPT",
        ):
            # its own one-message interchange (exchanges received before messages had
            # their own payload read the parent's)
            raw = (
                self if self.attachment_id or not self.parent_id else self.parent_id
            )._payload_bytes()
            result = edifact.read_interchange(raw)
            for message in result.messages:
                if message.reference == self.st_control:
                    return message.data or {}
            raise WmsMappingError(self.env._("Message %(ref)s not found.", ref=self.st_control))
        result = x12.process_interchange(self._payload_bytes())
        if not result.sets or not result.sets[0].accepted:
            raise WmsMappingError(
                result.sets[0].describe() if result.sets else self.env._("No transaction set.")
            )
        return result.sets[0].data or {}

    def _process_document(self, doc=None):
        """Apply one incoming set in a savepoint: a failure parks this set only.

        ``doc``: the set's mapped dict when the caller has just read it (the
        interchange applying its messages), else it is read from the payload."""
        handler = HANDLERS.get(self.document_type)
        if handler is None:
            self._fail(
                "parked",
                self.env._("No processing defined for %(type)s.", type=self.document_type),
            )
            return False
        if self.env.context.get("wms_lookups") is None:
            # product and unit look-ups batched over the document's lines
            self = self.with_context(wms_lookups=WmsLookups())  # noqa: PLW0642
        try:
            with self.env.cr.savepoint():
                if doc is None:
                    doc = self._read_document()
                getattr(self, handler)(doc)
        except (UserError, ValidationError) as exc:
            self._link_failed_document(doc)
            self._fail("parked", str(exc), with_traceback=True)
            return False
        except Exception as exc:
            _logger.exception("wms_bridge: %s failed", self.name)
            self._link_failed_document(doc)
            self._fail("error", f"{type(exc).__name__}: {exc}", with_traceback=True)
            return False
        self.write(
            {
                "state": "processed",
                "processed_date": fields.Datetime.now(),
                "error_text": False,
                "error_traceback": False,
            }
        )
        return True

    def _link_failed_document(self, doc):
        """A 945/944 that could not be applied still shows on its transfer (the
        savepoint undid the link): found by its order reference, if it exists."""
        kinds = {"945": "outgoing", "944": "incoming"}
        if not doc or self.document_type not in kinds:
            return
        reference = doc.get("order_ref") or doc.get("shipment_id")
        picking = self.env["stock.picking"].search(
            [
                ("name", "=", reference or ""),
                ("picking_type_code", "=", kinds[self.document_type]),
                ("picking_type_id.warehouse_id", "in", self.trading_partner_id.warehouse_ids.ids),
            ],
            limit=1,
        )
        if picking:
            self.picking_id = picking

    # ================================================================== acknowledgments
    def _send_ack(self, ack_type, payload):
        """Outgoing acknowledgment exchange answering self, queued for sending."""
        ack = self.create(
            {
                "trading_partner_id": self.trading_partner_id.id,
                "document_type": ack_type if ack_type in ACK_TYPES else "997",
                "direction": "out",
                "state": "pending",
                "isa_control": _ack_control(payload),
                "filename": f"{ack_type}_{self.name.replace('/', '-')}.edi",
                "ack_expected": False,
            }
        )
        ack._attach([payload.encode("latin-1", errors="replace")])
        ack._enqueue_send()
        return ack

    def _sent_to_partner_domain(self):
        return [
            ("trading_partner_id", "=", self.trading_partner_id.id),
            ("direction", "=", "out"),
            ("document_type", "not in", ACK_TYPES),
        ]

    def _apply_x12_acks(self, ack_docs):
        """Received 997/999 groups: our outgoing sets become acknowledged/rejected."""
        summaries = [edi_acks.x12_ack_summary(doc) for doc in ack_docs]
        group_controls = [str(int(s["group_control"])) for s in summaries if _digits(s)]
        sent = self.search([*self._sent_to_partner_domain(), ("gs_control", "in", group_controls)])
        by_key = {(e.gs_control, e.st_control): e for e in sent}
        now = fields.Datetime.now()
        rejected = self.browse()
        for summary in summaries:
            if not _digits(summary):
                continue
            group = str(int(summary["group_control"]))
            for control, code in summary["sets"].items():
                exchange = by_key.get((group, control))
                if not exchange:
                    continue
                reasons = summary["rejected"].get(control) or []
                vals = {
                    "acknowledged_date": now,
                    "ack_exchange_id": self.id,
                    "ack_payload_text": f"AK5/IK5 {code}\n" + "\n".join(reasons),
                }
                if code in ("A", "E"):
                    vals["state"] = "acknowledged"
                else:
                    vals.update(state="rejected", error_text="\n".join(reasons) or code)
                    rejected |= exchange
                exchange.write(vals)
        rejected._notify_failure()

    def _apply_ta1(self, ta1_segments):
        """TA1 answering our interchanges: R rejects them, A/E acknowledge receipt."""
        numbers = {seg[1]: seg for seg in ta1_segments if len(seg) > 5}
        sent = self.search([*self._sent_to_partner_domain(), ("isa_control", "in", list(numbers))])
        for exchange in sent:
            seg = numbers[exchange.isa_control]
            if seg[4] == "R":
                exchange.write({"ack_payload_text": f"TA1 R {seg[5]}"})
                exchange._fail(
                    "rejected", self.env._("Interchange rejected: TA1 %(code)s", code=seg[5])
                )

    def _apply_contrl(self, contrl):
        """Received CONTRL: the interchange it answers is acknowledged or rejected."""
        ref = contrl.get("interchange_ref") or contrl.get("control_ref")
        if not ref:
            return
        sent = self.search([*self._sent_to_partner_domain(), ("isa_control", "=", ref)])
        action = contrl.get("action") or contrl.get("code") or ""
        now = fields.Datetime.now()
        for exchange in sent:
            if action in ("4", "R"):
                exchange.write({"ack_exchange_id": self.id, "acknowledged_date": now})
                exchange._fail("rejected", self.env._("CONTRL rejected the interchange."))
            else:
                exchange.write(
                    {"state": "acknowledged", "acknowledged_date": now, "ack_exchange_id": self.id}
                )

    @api.model
    def _cron_check_missing_acks(self):
        self._check_missing_acks()

    @api.model
    def _check_missing_acks(self):
        """Sent exchanges unacknowledged after their partner's timeout: one alert each."""
        now = fields.Datetime.now()
        candidates = self._wms_governed().search(
            [
                ("state", "=", "sent"),
                ("ack_expected", "=", True),
                ("ack_alert_sent", "=", False),
                ("sent_date", "!=", False),
            ]
        )
        late = candidates.filtered(
            lambda e: e.sent_date + timedelta(hours=e.trading_partner_id.ack_timeout_hours) <= now
        )
        activity_type = self.env.ref("mail.mail_activity_data_warning")
        for exchange in late:
            exchange.activity_schedule(
                activity_type_id=activity_type.id,
                summary=self.env._("EDI %(name)s: no acknowledgment", name=exchange.name),
                note=self.env._(
                    "Sent %(date)s to %(partner)s, not acknowledged after %(hours)s h.",
                    date=exchange.sent_date,
                    partner=exchange.trading_partner_id.name,
                    hours=exchange.trading_partner_id.ack_timeout_hours,
                ),
                user_id=exchange.trading_partner_id._integration_user().id,
            )
        late.write({"ack_alert_sent": True})
        return late.with_env(self.env)

    # ================================================================== buttons
    def _check_person_action(self, action, allowed):
        """Integration users only, on exchanges of their companies, each one in a
        state where ``allowed(exchange)`` is true; returns self in governed mode."""
        self._wms_check_action(action, [INTEGRATION_USER])
        refused = self.filtered(lambda e: not allowed(e))
        if refused:
            raise UserError(
                self.env._(
                    "%(action)s does not apply to %(names)s (direction and state).",
                    action=action,
                    names=", ".join(f"{e.name} ({e.direction}, {e.state})" for e in refused),
                )
            )
        return self._wms_governed()

    def action_retry(self):
        """Send again (outgoing pending/parked/rejected, after a fix)."""
        todo = self._check_person_action(
            self.env._("Retry"),
            lambda e: e.direction == "out" and e.attachment_id and e.state in RETRY_STATES,
        )
        todo.write({"state": "pending", "retry_count": 0, "next_retry": False, "error_text": False})
        todo._enqueue_send()
        return True

    def action_reprocess(self):
        """Process again (incoming error/parked, e.g. after a product was created)."""
        todo = self._check_person_action(
            self.env._("Reprocess"), lambda e: e.direction == "in" and e.state in FAILED_STATES
        )
        todo.write({"state": "received", "error_text": False, "error_traceback": False})
        todo.activity_ids.action_feedback(feedback=self.env._("Reprocessed"))
        todo._enqueue_processing()
        return True

    def action_cancel(self):
        """Neither send nor process again: outgoing not yet sent or failed, incoming
        failed.  The payload and the error stay on the record."""
        todo = self._check_person_action(
            self.env._("Cancel"), lambda e: e.state in CANCEL_STATES[e.direction]
        )
        todo.write({"state": "cancel", "next_retry": False})
        todo.activity_ids.action_feedback(feedback=self.env._("Cancelled"))
        return True

    # ================================================================== business effects
    def _apply_945(self, doc):
        picking = self.env["stock.picking"]._wms_find_for_document(
            self.trading_partner_id, doc.get("order_ref"), "outgoing"
        )
        self.picking_id = picking
        self.backorder_id = picking._wms_apply_shipment(self, doc)

    def _apply_944(self, doc):
        picking = self.env["stock.picking"]._wms_find_for_document(
            self.trading_partner_id, doc.get("order_ref") or doc.get("shipment_id"), "incoming"
        )
        self.picking_id = picking
        self.backorder_id = picking._wms_apply_receipt(self, doc)

    def _apply_214(self, doc):
        self.picking_id = self.env["stock.picking"]._wms_apply_carrier_status(self, doc)

    def _apply_846(self, doc):
        self.reconciliation_id = self.env["wms.stock.reconciliation"]._create_from_846(self, doc)

    def _apply_invrpt(self, doc):
        self.reconciliation_id = self.env["wms.stock.reconciliation"]._create_from_invrpt(self, doc)

    def _apply_orders(self, doc):
        self.sale_order_id = self.env["sale.order"]._wms_create_from_orders(self, doc)


_TYPES = {code for code, _label in DOCUMENT_TYPES}


def _line_product_ids(doc):
    """Product code dicts of a mapped document's lines or items (item ids as GTINs)."""
    out = []
    for line in [*(doc.get("lines") or []), *(doc.get("items") or [])]:
        ids = dict(line.get("product_ids") or {})
        if line.get("item_id"):
            ids.setdefault("EN", line["item_id"])
        out.append(ids)
    return out


def _is_edifact(data):
    head = data[:10].lstrip() if isinstance(data, bytes) else data[:10].lstrip().encode()
    return head.startswith((b"UNA", b"UNB"))


def _digits(summary):
    value = summary.get("group_control") or ""
    return value.isdigit()


def _ack_control(payload):
    """ISA13 of an acknowledgment interchange we built (for the record)."""
    if payload.startswith("ISA") and len(payload) > 99:
        return payload[90:99]
    return False
