from odoo import api, fields, models
from odoo.exceptions import AccessError

from .governance import is_governed


class DistributionCountRequestLine(models.Model):
    _name = "distribution.count.request.line"
    _description = "Inventory Adjustment Request Line"

    request_id = fields.Many2one(
        "distribution.count.request", required=True, ondelete="cascade", index=True
    )
    quant_id = fields.Many2one("stock.quant", required=True, ondelete="cascade")
    product_id = fields.Many2one(related="quant_id.product_id")
    location_id = fields.Many2one(related="quant_id.location_id")
    lot_id = fields.Many2one(related="quant_id.lot_id")
    system_qty = fields.Float(string="System Quantity", readonly=True)
    counted_qty = fields.Float(string="Counted Quantity", readonly=True)
    difference = fields.Float(compute="_compute_difference")
    unit_value = fields.Float(readonly=True)
    value = fields.Float(compute="_compute_difference")

    @api.depends("system_qty", "counted_qty", "unit_value")
    def _compute_difference(self):
        for line in self:
            line.difference = line.counted_qty - line.system_qty
            line.value = line.difference * line.unit_value

    @api.model_create_multi
    def create(self, vals_list):
        if not is_governed(self.env):
            raise AccessError(self.env._("Request lines come from counted quantities only."))
        return super().create(vals_list)

    def write(self, vals):
        if not is_governed(self.env):
            raise AccessError(self.env._("Request lines cannot be changed."))
        return super().write(vals)
