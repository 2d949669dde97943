from odoo import fields, models


class DistributionAllocation(models.Model):
    """Which warehouse serves how much of an order line, as decided by the engine."""

    _name = "distribution.allocation"
    _description = "Order Line Allocation"
    _order = "order_id, order_line_id, sequence, id"

    order_id = fields.Many2one("sale.order", required=True, index=True, ondelete="cascade")
    order_line_id = fields.Many2one(
        "sale.order.line", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="order_id.company_id", store=True)
    product_id = fields.Many2one(related="order_line_id.product_id", store=True)
    warehouse_id = fields.Many2one("stock.warehouse", required=True, ondelete="restrict")
    sequence = fields.Integer(default=10)
    quantity = fields.Float(
        digits="Product Unit", required=True, help="In the product's unit of measure."
    )
    uom_id = fields.Many2one(related="product_id.uom_id")
    explanation = fields.Text()
