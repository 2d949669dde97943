from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    distribution_rule_governance = fields.Boolean(
        related="company_id.distribution_rule_governance", readonly=False
    )

    def action_distribution_propose_policy_change(self):
        """A draft version of the company's allocation policy (rule administrators)."""
        return self.company_id.action_rule_propose_change()
