from odoo import api, models
from odoo.addons.wms_bridge.models.wms_governed_mixin import governed, is_governed
from odoo.exceptions import AccessError

RECONCILIATION = "wms.stock.reconciliation"
# Bookkeeping of base_tier_validation's reminder cron: decides nothing.
FREE_FIELDS = frozenset({"last_reminder_date"})


class TierReview(models.Model):
    """Reviews of 3PL stock differences are the approval itself: they are created,
    changed and deleted only through the reconciliation's own steps (request,
    validate, reject, restart, dismiss), never by a raw create/write/unlink, which
    base_tier_validation opens to every internal user."""

    _inherit = "tier.review"

    def _wms_guarded(self, vals_list=()):
        """True when self, or the values to create/write, concern a reconciliation."""
        # sudo: reads which document the reviews are for, to decide on the check only
        return any(vals.get("model") == RECONCILIATION for vals in vals_list) or any(
            review.model == RECONCILIATION for review in self.sudo()
        )

    def _wms_refuse(self):
        raise AccessError(
            self.env._(
                "Validations of 3PL stock differences change through the reconciliation's "
                "own buttons only (Request Validation, Validate, Reject, Restart)."
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        if not is_governed(self.env) and self._wms_guarded(vals_list):
            self._wms_refuse()
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) - FREE_FIELDS and not is_governed(self.env) and self._wms_guarded([vals]):
            self._wms_refuse()
        return super().write(vals)

    def unlink(self):
        if not is_governed(self.env) and self._wms_guarded():
            self._wms_refuse()
        return super().unlink()

    def _update_review_status(self):
        # Promoting a waiting review to pending when its turn comes is
        # base_tier_validation's own bookkeeping (the reviews systray runs it for
        # any reviewer): it approves nothing.
        return super(TierReview, governed(self))._update_review_status()
