from odoo import models
from odoo.addons.wms_bridge.models.wms_governed_mixin import governed
from odoo.exceptions import AccessError, UserError

# Who asks for (or restarts) the validation of a 3PL's stock differences.
REQUESTERS = ("wms_bridge.group_wms_bridge_user", "stock.group_stock_manager")


class WmsStockReconciliation(models.Model):
    """The differences a 3PL reports are adjustment requests: when a tier definition
    applies (by default, any difference, reviewed by the inventory administrators),
    the reconciliation must be validated before its differences touch the stock.

    Every step checks its caller on the server, whoever calls (web client or RPC):
    requesting and restarting are for the integration team and the inventory
    administrators; validating and rejecting for a reviewer of a pending review,
    and validating never for the person who requested it (four eyes).  The
    reviews themselves change only through these steps (see ``tier.review``)."""

    _name = "wms.stock.reconciliation"
    _inherit = ["wms.stock.reconciliation", "tier.validation"]
    _state_from = ["draft"]
    _state_to = ["applied"]
    _cancel_state = "cancel"
    # base_tier_validation adds its buttons, banner and reviews to the form views
    _tier_validation_manual_config = False

    def _wms_protected_fields(self):
        # the approval is in the reviews; its stored summary is computed from them
        return super()._wms_protected_fields() | {"review_ids", "validation_status"}

    def _wms_awaiting_validation(self):
        """Open reconciliations that a tier definition holds back: validation not
        requested yet, or requested and not granted by every review (read from the
        reviews themselves, not from the stored summary)."""
        # need_validation is computed without dependencies: a value cached earlier in
        # this transaction (before a request, a restart, a change of lines) is stale.
        self.invalidate_recordset(["need_validation"])
        return self.filtered(
            lambda rec: (
                rec.state in self._state_from
                and (
                    rec.need_validation
                    or (
                        rec.review_ids
                        and any(review.status != "approved" for review in rec.review_ids)
                    )
                )
            )
        )

    def _wms_check_reviewer(self, action, reviews=None, approving=False):
        """Refuse ``action`` unless the user reviews a pending review of this
        reconciliation (``reviews``, when given, must all be such reviews of it),
        and, when ``approving``, did not request that validation."""
        self.ensure_one()
        if self.env.su:
            return
        self.check_access("read")
        user = self.env.user
        pending = self.review_ids.filtered(lambda r: r.status in ("waiting", "pending"))
        mine = pending.filtered(lambda r: user in r.reviewer_ids)
        foreign = (reviews or mine) - mine
        if not mine or not self.can_review or foreign:
            raise AccessError(
                self.env._(
                    "%(action)s: you are not a reviewer of the pending validation of %(name)s.",
                    action=action,
                    name=self.name,
                )
            )
        if approving and user in (reviews or mine).requested_by:
            raise AccessError(
                self.env._(
                    "%(name)s: you requested this validation; another reviewer must "
                    "validate it (four eyes).",
                    name=self.name,
                )
            )

    def request_validation(self):
        self._wms_check_action(self.env._("Request Validation"), REQUESTERS)
        return super(WmsStockReconciliation, governed(self)).request_validation()

    def restart_validation(self):
        self._wms_check_action(self.env._("Restart Validation"), REQUESTERS)
        return super(WmsStockReconciliation, governed(self)).restart_validation()

    def validate_tier(self):
        self._wms_check_reviewer(self.env._("Validate"), approving=True)
        return super(WmsStockReconciliation, governed(self)).validate_tier()

    def reject_tier(self):
        self._wms_check_reviewer(self.env._("Reject"))
        return super(WmsStockReconciliation, governed(self)).reject_tier()

    def action_apply_differences(self):
        """Refuse before anything is applied, unlike the generic check on the state
        change, which a reviewer would also pass by validating implicitly."""
        self._wms_check_action(self.env._("Apply Differences"), ["stock.group_stock_manager"])
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
