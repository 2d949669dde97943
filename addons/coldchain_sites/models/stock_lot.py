from odoo import api, fields, models


class StockLot(models.Model):
    _inherit = "stock.lot"

    coldchain_profile_id = fields.Many2one(
        "coldchain.temperature.profile",
        string="Storage requirement",
        ondelete="restrict",
        help="This lot's own storage range (e.g. a stability study); empty: the product's.",
    )
    coldchain_effective_profile_id = fields.Many2one(
        "coldchain.temperature.profile",
        string="Effective storage requirement",
        compute="_compute_coldchain_effective_profile_id",
    )

    @api.depends("coldchain_profile_id", "product_id.product_tmpl_id.coldchain_profile_id")
    def _compute_coldchain_effective_profile_id(self):
        for lot in self:
            lot.coldchain_effective_profile_id = (
                lot.coldchain_profile_id
                or lot.product_id.product_tmpl_id.coldchain_effective_profile_id
            )
