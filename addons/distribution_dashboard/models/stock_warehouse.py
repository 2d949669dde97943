from odoo import fields, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    distribution_site_manager_id = fields.Many2one(
        "res.users",
        string="Site Manager",
        help="Receives an activity when one of the site's KPIs misses its target "
        "(once per period).",
    )
