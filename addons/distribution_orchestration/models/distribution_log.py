import json

from odoo import api, fields, models
from odoo.exceptions import UserError

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
    message = fields.Text(readonly=True)
    inputs = fields.Text(readonly=True, help="Inputs and figures the decision used (JSON).")
    user_id = fields.Many2one(
        "res.users", string="By", readonly=True, default=lambda self: self.env.user
    )

    @api.model
    def _record(self, entries):
        """Write log entries: dicts with order (record or id), event, and optionally
        check_code, result, message, inputs (any JSON-compatible value)."""
        vals_list = []
        for entry in entries:
            order = entry["order"]
            vals_list.append(
                {
                    "order_id": order if isinstance(order, int) else order.id,
                    "event": entry["event"],
                    "check_code": entry.get("check_code"),
                    "result": entry.get("result", "info"),
                    "message": entry.get("message"),
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
