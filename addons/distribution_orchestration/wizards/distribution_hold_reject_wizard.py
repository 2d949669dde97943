from odoo import fields, models


class DistributionHoldRejectWizard(models.TransientModel):
    _name = "distribution.hold.reject.wizard"
    _description = "Reject Held Order"

    hold_ids = fields.Many2many("distribution.hold", required=True)
    reason = fields.Text(required=True)

    def action_reject(self):
        self.ensure_one()
        self.hold_ids.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
