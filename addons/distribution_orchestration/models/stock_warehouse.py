from odoo import fields, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    distribution_capacity_lines = fields.Integer(
        string="Picking Capacity (lines/day)",
        help="Order lines this site can pick per day; 0 means unlimited.",
    )
    distribution_cost = fields.Float(
        string="Relative Shipping Cost", help="Tie-breaker between equally near sites."
    )
