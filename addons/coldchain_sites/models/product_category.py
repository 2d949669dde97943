from odoo import fields, models


class ProductCategory(models.Model):
    _inherit = "product.category"

    coldchain_profile_id = fields.Many2one(
        "coldchain.temperature.profile",
        string="Storage requirement",
        ondelete="restrict",
        help="Labelled storage range of the products of this category (unless a product "
        "or a lot says otherwise).",
    )
