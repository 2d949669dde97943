from odoo import models
from odoo.addons.distribution_orchestration.models.governance import (
    GROUP_USER,
    governed_action,
)
from odoo.addons.distribution_orchestration.models.governance import (
    is_governed as orchestration_governed,
)
from odoo.exceptions import UserError


class DistributionHold(models.Model):
    """Releasing a hold that a tier definition covers (by check, reason code, site,
    amount...) goes through its reviews: the release is requested, each tier
    approves, and the last approval releases the hold.  Holds no tier covers are
    released directly, as before.  Rejecting the order stays a direct decision of
    the hold's responsible group."""

    _name = "distribution.hold"
    _inherit = ["distribution.hold", "mail.activity.mixin", "distribution.approval.mixin"]
    _state_from = ["open"]
    _state_to = ["released"]
    # no hold state removes its reviews: they stay with the hold as its history
    _cancel_state = "distribution_approvals_never"
    _tier_validation_buttons_xpath = "/form/header/button[last()]"
    _approval_requester_groups = (GROUP_USER,)

    def _approval_interested_users(self):
        return self.order_id.distribution_submitted_by_id

    def _check_allow_write_under_validation(self, vals):
        # the pipeline's own steps (clearing on resubmission, rejecting the order)
        # change holds under validation; they are governed by distribution_orchestration
        return orchestration_governed(self.env) or super()._check_allow_write_under_validation(vals)

    def _approval_awaiting(self):
        """Open holds a tier definition covers whose release is not approved yet."""
        self.invalidate_recordset(["need_validation"])
        return self.filtered(
            lambda h: (
                h.state == "open"
                and (
                    h.need_validation
                    or (h.review_ids and any(r.status != "approved" for r in h.review_ids))
                )
            )
        )

    @governed_action(
        GROUP_USER,
        rule="as distribution_orchestration; a hold a tier definition covers only through "
        "its approved reviews",
    )
    def action_release(self, note=None):
        awaiting = self._approval_awaiting()
        if awaiting:
            raise UserError(
                self.env._(
                    "Releasing %(holds)s needs an approval: request it (Request Validation) "
                    "and the last approval releases the hold.",
                    holds=", ".join(awaiting.mapped("name")),
                )
            )
        return super().action_release(note)

    def _approval_after_validated(self):
        open_holds = self.filtered(lambda h: h.state == "open")
        if not open_holds:
            return
        note = self.env._("Released after approval by %(user)s.", user=self.env.user.name)
        self.env["distribution.approval.log"]._record(
            [{"event": "release", "record": hold, "reason": note} for hold in open_holds]
        )
        # need_validation is computed without dependencies: the value cached before the
        # reviews were created is stale
        open_holds.invalidate_recordset(["need_validation", "validation_status"])
        open_holds._resolve("released", note)
