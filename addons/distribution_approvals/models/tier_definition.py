from odoo import api, fields, models


class TierDefinition(models.Model):
    _inherit = "tier.definition"

    distribution_allow_self_approval = fields.Boolean(
        string="Allow Self-Approval",
        help="Off (default): whoever requested the approval, and the people the document "
        "belongs to (the user who submitted the order, the buyer), never approve this tier "
        "themselves, whatever their groups. On: they may.",
    )

    @api.model
    def _get_tier_validation_model_names(self):
        return [*super()._get_tier_validation_model_names(), "distribution.hold"]
