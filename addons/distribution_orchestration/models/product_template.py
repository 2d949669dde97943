from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    distribution_floor_price = fields.Float(
        string="Floor Price",
        digits="Product Price",
        help="Lowest net unit price allowed without approval (price floor check). "
        "0 means no floor.",
    )
