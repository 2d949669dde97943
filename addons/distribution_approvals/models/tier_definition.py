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
        return [
            *super()._get_tier_validation_model_names(),
            "distribution.hold",
            "distribution.count.request",
            "distribution.transfer.request",
        ]

    distribution_sla_hours = fields.Float(
        string="Approve Within (hours)",
        help="Due time of each review of this tier, from its request. 0: no due time.",
    )
    distribution_warn_hours = fields.Float(
        string="Remind Before Due (hours)",
        help="The reviewers get an activity this long before the due time.",
    )
    distribution_escalation_user_id = fields.Many2one(
        "res.users",
        string="Escalate To",
        help="Who gets an activity and an email when a review is overdue (the reviewers' "
        "manager). Empty: the reviewers of the next tier, else the reviewers again.",
    )
