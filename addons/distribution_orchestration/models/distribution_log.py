import json

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engine import messages as engine_messages
from .reason_text import render_reason

EVENTS = [
    ("submit", "Submitted"),
    ("check", "Check"),
    ("hold", "Hold"),
    ("resolve", "Hold resolved"),
    ("allocate", "Allocation"),
    ("override", "Allocation override"),
    ("release", "Release"),
    ("reject", "Rejected"),
    ("error", "Refused"),
]


class DistributionLog(models.Model):
    """Orchestration log: every decision, automatic or human, with its inputs.

    Append-only: nobody can edit or delete an entry (not even an administrator
    through the ORM); entries are written by the pipeline with :meth:`_record`.
    """

    _name = "distribution.log"
    _description = "Orchestration Log"
    _order = "id desc"
    _log_access = True

    order_id = fields.Many2one(
        "sale.order", required=True, readonly=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(related="order_id.company_id", store=True, readonly=True)
    event = fields.Selection(EVENTS, required=True, readonly=True)
    check_code = fields.Char(readonly=True)
    result = fields.Selection(
        [("passed", "Passed"), ("failed", "Failed"), ("info", "Info")],
        required=True,
        readonly=True,
        default="info",
    )
    reason_code = fields.Char(
        readonly=True, help="Code of the decision's message (engine/messages.py)."
    )
    reason_params = fields.Json(
        string="Reason Parameters",
        readonly=True,
        help="Figures and names of the message, rendered in the reader's language.",
    )
    message = fields.Text(
        compute="_compute_message",
        search="_search_message",
        help="The decision in your language. Searching matches the recorded (English) text.",
    )
    message_text = fields.Text(
        string="Recorded Message",
        readonly=True,
        help="The message as recorded: in English for the pipeline's decisions, as typed "
        "for people's notes.",
    )
    inputs = fields.Text(readonly=True, help="Inputs and figures the decision used (JSON).")
    user_id = fields.Many2one(
        "res.users", string="By", readonly=True, default=lambda self: self.env.user
    )

    @api.depends_context("lang")
    @api.depends("reason_code", "reason_params", "message_text")
    def _compute_message(self):
        for entry in self:
            entry.message = render_reason(
                self.env, entry.reason_code, entry.reason_params, entry.message_text
            )

    def _search_message(self, operator, value):
        return [("message_text", operator, value)]

    @api.model
    def _record(self, entries):
        """Write log entries: dicts with order (record or id), event, and optionally
        check_code, result, inputs (any JSON-compatible value) and either ``reason``,
        a message ``(code, params)`` of engine/messages.py rendered in each reader's
        language, or ``message``, a text kept as it is (a person's note, the
        allocation's explanation)."""
        vals_list = []
        for entry in entries:
            order = entry["order"]
            code, params = entry.get("reason") or (False, None)
            text = engine_messages.render(code, params) if code else entry.get("message")
            vals_list.append(
                {
                    "order_id": order if isinstance(order, int) else order.id,
                    "event": entry["event"],
                    "check_code": entry.get("check_code"),
                    "result": entry.get("result", "info"),
                    "reason_code": code,
                    "reason_params": params,
                    "message_text": text,
                    "inputs": json.dumps(entry["inputs"], sort_keys=True, default=str)
                    if entry.get("inputs") is not None
                    else False,
                    "user_id": self.env.user.id,
                }
            )
        return self.sudo().create(vals_list)

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(self.env._("The orchestration log cannot be changed."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("The orchestration log cannot be deleted."))
