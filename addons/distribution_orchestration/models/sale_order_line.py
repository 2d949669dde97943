from odoo import fields, models

from .governance import is_governed


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    distribution_allocation_ids = fields.One2many(
        "distribution.allocation", "order_line_id", string="Allocation", readonly=True
    )

    def _create_procurements(self, product_qty, procurement_uom, values):
        """On release, one procurement per allocated warehouse (Odoo's stock rules of
        that warehouse then create its picking); what the engine could not allocate
        is procured from the order's warehouse and waits there as a backorder."""
        # sudo: the pipeline's own allocation, read for whoever changes the order
        # (users of the standard sales groups have no access to distribution.allocation)
        allocations = self.sudo().distribution_allocation_ids
        # only the pipeline's release step (never a context key set by a caller)
        if not is_governed(self.env) or not allocations:
            return super()._create_procurements(product_qty, procurement_uom, values)
        product_uom = self.product_id.uom_id
        remaining = product_qty
        procurements = []
        for allocation in allocations.sorted("sequence"):
            quantity = min(
                remaining, product_uom._compute_quantity(allocation.quantity, procurement_uom)
            )
            if procurement_uom.compare(quantity, 0) <= 0:
                continue
            procurements += super()._create_procurements(
                quantity, procurement_uom, dict(values, warehouse_id=allocation.warehouse_id)
            )
            remaining -= quantity
        if procurement_uom.compare(remaining, 0) > 0:
            procurements += super()._create_procurements(remaining, procurement_uom, values)
        return procurements
