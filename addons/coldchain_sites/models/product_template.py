from odoo import api, fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    coldchain_profile_id = fields.Many2one(
        "coldchain.temperature.profile",
        string="Storage requirement",
        ondelete="restrict",
        help="The product's labelled storage range; empty: its category's.",
    )
    coldchain_effective_profile_id = fields.Many2one(
        "coldchain.temperature.profile",
        string="Effective storage requirement",
        compute="_compute_coldchain_effective_profile_id",
    )

    @api.depends("coldchain_profile_id", "categ_id.coldchain_profile_id")
    def _compute_coldchain_effective_profile_id(self):
        for template in self:
            template.coldchain_effective_profile_id = (
                template.coldchain_profile_id or template.categ_id.coldchain_profile_id
            )
