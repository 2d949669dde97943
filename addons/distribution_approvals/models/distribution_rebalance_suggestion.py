from collections import defaultdict

from odoo import fields, models
from odoo.addons.distribution_orchestration.models.governance import (
    GROUP_MANAGER,
    governed_action,
)


class DistributionRebalanceSuggestion(models.TransientModel):  # pylint: disable=no-wizard-in-models
    """Rebalancing transfers above the source site's value threshold become transfer
    approval requests; the others are created at once, as before."""

    _inherit = "distribution.rebalance.suggestion"

    distribution_transfer_request_id = fields.Many2one(
        "distribution.transfer.request", string="Approval Request", readonly=True
    )

    @governed_action(
        GROUP_MANAGER,
        rule="above the source site's transfer threshold: an approval request instead",
    )
    def action_create_transfer(self):
        self._check_can_transfer()
        todo = self.filtered(lambda s: not s.picking_id and not s.distribution_transfer_request_id)
        groups = defaultdict(self.browse)
        for suggestion in todo:
            groups[suggestion.from_warehouse_id, suggestion.to_warehouse_id] |= suggestion
        above = {
            key: suggestions
            for key, suggestions in groups.items()
            if key[0].distribution_transfer_threshold_value
            and sum(s.quantity * s.product_id.standard_price for s in suggestions)
            > key[0].distribution_transfer_threshold_value
        }
        if not above:
            return super().action_create_transfer()
        requests = self.env["distribution.transfer.request"]._create_from_suggestions(above)
        for suggestions, request in zip(above.values(), requests, strict=True):
            suggestions.distribution_transfer_request_id = request
        rest = todo.filtered(lambda s: not s.distribution_transfer_request_id)
        if rest:
            super(DistributionRebalanceSuggestion, rest).action_create_transfer()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Transfer Approval Requests"),
            "res_model": "distribution.transfer.request",
            "view_mode": "list,form",
            "domain": [("id", "in", requests.ids)],
        }
