from odoo import api, models
from odoo.exceptions import AccessError

from .governance import governed, is_governed

# Bookkeeping of base_tier_validation's reminder cron: decides nothing.
FREE_FIELDS = frozenset({"last_reminder_date"})


class TierReview(models.Model):
    """Reviews of the documents our approval flows govern are the approval itself:
    they are created, changed and deleted only through the documents' own steps
    (request, validate, reject, restart), never by a raw create/write/unlink, which
    base_tier_validation opens to every internal user."""

    _inherit = "tier.review"

    @api.model
    def _approval_governed_model(self, model):
        return (
            bool(model)
            and model in self.env
            and hasattr(self.env[model], "_approval_check_reviewer")
        )

    def _approval_guarded(self, vals_list=()):
        # sudo: reads which document the reviews are for, to decide on the check only
        return any(self._approval_governed_model(vals.get("model")) for vals in vals_list) or any(
            self._approval_governed_model(review.model) for review in self.sudo()
        )

    def _approval_refuse(self):
        raise AccessError(
            self.env._(
                "Approvals change through their document's own buttons only "
                "(Request Validation, Validate, Reject, Restart)."
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        if not is_governed(self.env) and self._approval_guarded(vals_list):
            self._approval_refuse()
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) - FREE_FIELDS and not is_governed(self.env) and self._approval_guarded([vals]):
            self._approval_refuse()
        return super().write(vals)

    def unlink(self):
        if not is_governed(self.env) and self._approval_guarded():
            self._approval_refuse()
        return super().unlink()

    def _update_review_status(self):
        # promoting a waiting review to pending when its turn comes is
        # base_tier_validation's own bookkeeping: it approves nothing
        return super(TierReview, governed(self))._update_review_status()

    @api.model
    def _approval_log_reviews(self, event, reviews):
        entries = []
        for review in reviews:
            entries.append(
                {
                    "event": event,
                    "record": self.env[review.model].browse(review.res_id),
                    "review": review,
                    "reason": review.comment,
                    "on_behalf_of": review._approval_on_behalf_of(),
                }
            )
        self.env["distribution.approval.log"]._record(entries)

    def _approval_on_behalf_of(self):
        """The reviewer the current user acted for (delegation), or False."""
        return False
