from odoo import models
from odoo.exceptions import UserError

from ..engine import policy
from .governance import is_governed


class StockQuant(models.Model):
    """Counted quantities are applied directly below their site's thresholds; above
    them, only through an approved inventory adjustment request (for every caller:
    the check is in ``_apply_inventory``, under every button and RPC call)."""

    _inherit = "stock.quant"

    def _distribution_count_decisions(self):
        """{warehouse: CountDecision} of these counted quants, per site with thresholds."""
        decisions = {}
        by_site = {}
        for quant in self:
            warehouse = quant.location_id.warehouse_id
            if warehouse and (
                warehouse.distribution_count_threshold_value
                or warehouse.distribution_count_threshold_pct
            ):
                by_site.setdefault(warehouse, self.browse())
                by_site[warehouse] |= quant
        for warehouse, quants in by_site.items():
            decisions[warehouse] = policy.count_decision(
                [
                    policy.CountedLine(
                        quant.id,
                        quant.quantity,
                        quant.inventory_quantity,
                        quant.product_id.standard_price,
                    )
                    for quant in quants
                    if quant.inventory_quantity_set
                ],
                warehouse.distribution_count_threshold_value,
                warehouse.distribution_count_threshold_pct,
            )
        return decisions

    def _apply_inventory(self, date=None):
        if not is_governed(self.env):
            above = [
                warehouse.name
                for warehouse, decision in self._distribution_count_decisions().items()
                if decision.needs_approval
            ]
            if above:
                raise UserError(
                    self.env._(
                        "These counted quantities differ from the system beyond the "
                        "approval threshold of %(sites)s: select them and use Request "
                        "Adjustment Approval; they are applied once approved.",
                        sites=", ".join(above),
                    )
                )
        return super()._apply_inventory(date)

    def action_distribution_request_adjustment(self):
        """Group the selected counted quants into one request per site."""
        counted = self.filtered("inventory_quantity_set")
        if not counted:
            raise UserError(self.env._("Select counted quantities (with a counted quantity set)."))
        requests = self.env["distribution.count.request"]._create_from_quants(counted)
        return {
            "type": "ir.actions.act_window",
            "res_model": "distribution.count.request",
            "view_mode": "list,form",
            "domain": [("id", "in", requests.ids)],
            "name": self.env._("Inventory Adjustment Requests"),
        }
