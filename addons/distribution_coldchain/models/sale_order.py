from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _distribution_quant_domain(self, products, stock_locations):
        """Lots on cold-chain hold cannot be reserved, picked or shipped: they are
        not available to the pipeline either, so an order that needs them fails the
        stock availability check and waits on hold until a disposition releases them."""
        return [
            *super()._distribution_quant_domain(products, stock_locations),
            "|",
            ("lot_id", "=", False),
            ("lot_id.coldchain_hold", "=", False),
        ]
