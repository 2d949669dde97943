from odoo import models
from odoo.exceptions import UserError


class WmsStockReconciliation(models.Model):
    """The differences a 3PL reports are adjustment requests: when a tier definition
    applies (by default, any difference, reviewed by the inventory administrators),
    the reconciliation must be validated before its differences touch the stock."""

    _name = "wms.stock.reconciliation"
    _inherit = ["wms.stock.reconciliation", "tier.validation"]
    _state_from = ["draft"]
    _state_to = ["applied"]
    _cancel_state = "cancel"
    # base_tier_validation adds its buttons, banner and reviews to the form views
    _tier_validation_manual_config = False

    def _wms_awaiting_validation(self):
        """Open reconciliations that a tier definition holds back: validation not
        requested yet, or requested and not (or not yet) granted."""
        # need_validation is computed without dependencies: a value cached earlier in
        # this transaction (before a request, a restart, a change of lines) is stale.
        self.invalidate_recordset(["need_validation"])
        return self.filtered(
            lambda rec: (
                rec.state in self._state_from
                and (
                    rec.need_validation or (rec.review_ids and rec.validation_status != "validated")
                )
            )
        )

    def action_apply_differences(self):
        """Refuse before anything is applied, unlike the generic check on the state
        change, which a reviewer would also pass by validating implicitly."""
        awaiting = self._wms_awaiting_validation()
        if awaiting:
            raise UserError(
                self.env._(
                    "These stock differences must be validated before they are applied: "
                    "%(names)s. Request a validation, or wait for the reviewers.",
                    names=", ".join(awaiting.mapped("name")),
                )
            )
        return super().action_apply_differences()
