from odoo import models
from odoo.addons.distribution_orchestration.models.governance import governed_action
from odoo.exceptions import AccessError, UserError

from ..engine import policy
from .governance import governed

REVIEW_RULE = (
    "reviewer of the document's current tier (delegates included), on documents they can read"
)


class DistributionApprovalMixin(models.AbstractModel):
    """base_tier_validation, made safe for every caller.

    A document that inherits this mixin is approved through its reviews only, and
    every step checks its caller on the server (web client, JSON-RPC, XML-RPC):

    - requesting or restarting a validation: the model's requester groups, on a
      document the user can read;
    - validating or rejecting: a reviewer of a pending review whose turn it is
      (``can_review``); validating never by the requester of that review nor by the
      people the document belongs to (:meth:`_approval_interested_users`), unless
      the tier definition allows self-approval;
    - rejecting always carries a reason (the comment of the reviews);
    - reviews change only inside these steps (see ``tier.review``).

    Every step is written to the append-only ``distribution.approval.log``.
    """

    _name = "distribution.approval.mixin"
    _inherit = "tier.validation"
    _description = "Governed Approval (abstract)"
    _tier_validation_manual_config = False

    # XML ids of the groups that may request (and restart) a validation.
    _approval_requester_groups = ("base.group_user",)

    # ------------------------------------------------------------------ hooks

    def _approval_interested_users(self):
        """The users this document belongs to, who do not approve it (four eyes)."""
        return self.env["res.users"]

    def _approval_after_validated(self):
        """Called on documents whose last review was just approved."""

    def _approval_after_rejected(self, reviews):
        """Called on a document whose reviews were just rejected."""

    # ------------------------------------------------------------------ checks

    def _approval_check_requester(self, action):
        if self.env.su:
            return
        self.check_access("read")
        user = self.env.user
        if not any(user.has_group(xmlid) for xmlid in self._approval_requester_groups):
            raise AccessError(
                self.env._(
                    "%(action)s on %(model)s needs one of these groups: %(groups)s.",
                    action=action,
                    model=self._description,
                    groups=", ".join(
                        self.env.ref(x).sudo().full_name for x in self._approval_requester_groups
                    ),
                )
            )

    def _approval_my_reviews(self):
        """Pending reviews of this document the user may do now."""
        self.ensure_one()
        user = self.env.user
        sequences = self._get_sequences_to_approve(user)
        return self.review_ids.filtered(
            lambda r: (
                r.status in ("waiting", "pending")
                and user in r.reviewer_ids
                and (r.sequence in sequences or r.approve_sequence_bypass)
            )
        )

    def _approval_check_reviewer(self, action, reviews=None):
        """Refuse unless the user reviews a pending review of this document whose turn
        it is (``reviews``, when given, must all be such reviews)."""
        self.ensure_one()
        if self.env.su:
            return
        self.check_access("read")
        mine = self._approval_my_reviews()
        if not mine or (reviews is not None and reviews - mine):
            raise AccessError(
                self.env._(
                    "%(action)s: you are not a reviewer of the current tier of %(name)s.",
                    action=action,
                    name=self.display_name,
                )
            )

    def _approval_check_four_eyes(self, reviews):
        """Refuse when the user approved ``reviews`` of their own request."""
        if self.env.su:
            return
        user = self.env.user
        interested = self._approval_interested_users()
        for review in reviews:
            refusal = policy.four_eyes_refusal(
                user.id,
                review.requested_by.ids,
                interested.ids,
                allow_self=review.definition_id.distribution_allow_self_approval,
            )
            if refusal:
                raise AccessError(
                    self.env._(
                        "%(name)s: you requested this approval or the document is yours; "
                        "another reviewer must approve it (four eyes).",
                        name=self.display_name,
                    )
                )

    def _approval_check_delegation(self, reviews):
        """Refuse when the user approved ``reviews`` they are not a reviewer of
        themself, without a delegation running now (a stale reviewer list after a
        delegation ended approves nothing)."""
        if self.env.su:
            return
        user = self.env.user
        for review in reviews:
            if user in review._distribution_own_reviewers():
                continue
            if not review._approval_on_behalf_of():
                raise AccessError(
                    self.env._(
                        "%(name)s: your delegation for this review is not running.",
                        name=self.display_name,
                    )
                )

    # ------------------------------------------------------------------ steps

    @governed_action(
        "base.group_user", rule="the model's requester groups, on documents they can read"
    )
    def request_validation(self):
        self._approval_check_requester(self.env._("Request Validation"))
        reviews = super(DistributionApprovalMixin, governed(self)).request_validation()
        self.invalidate_recordset(["need_validation"])
        requested = self.browse(sorted(set(reviews.mapped("res_id"))))
        self.env["distribution.approval.log"]._record(
            [{"event": "request", "record": rec} for rec in requested]
        )
        return reviews

    @governed_action(
        "base.group_user", rule="the model's requester groups, on documents they can read"
    )
    def restart_validation(self):
        self._approval_check_requester(self.env._("Restart Validation"))
        result = super(DistributionApprovalMixin, governed(self)).restart_validation()
        # the reviews are gone: recompute the stored summary (the form's read-only
        # state hangs on it) and the dependency-less need_validation
        self.modified(["review_ids"])
        self.invalidate_recordset(["need_validation"])
        self.env["distribution.approval.log"]._record(
            [{"event": "restart", "record": rec} for rec in self]
        )
        return result

    @governed_action(
        "base.group_user",
        rule=REVIEW_RULE
        + "; never the requester or the document's owner unless the tier allows it",
    )
    def validate_tier(self):
        self.ensure_one()
        self._approval_check_reviewer(self.env._("Validate"))
        return super().validate_tier()

    @governed_action("base.group_user", rule=REVIEW_RULE + "; with a reason")
    def reject_tier(self):
        """A rejection always says why: the comment wizard asks for the reason."""
        self.ensure_one()
        self._approval_check_reviewer(self.env._("Reject"))
        if not self.has_comment:
            return self._add_comment("reject", self._approval_my_reviews())
        return super().reject_tier()

    @governed_action("base.group_user", rule=REVIEW_RULE + "; with a reason")
    def action_reject_approval(self, reason):
        """Reject the user's reviews of the current tier with ``reason`` (RPC-friendly
        alternative to the comment wizard)."""
        self.ensure_one()
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason for the rejection."))
        self._approval_check_reviewer(self.env._("Reject"))
        reviews = self._approval_my_reviews()
        governed(reviews).write({"comment": reason.strip()})
        self._rejected_tier(reviews)
        self._update_counter({"review_deleted": True})
        return True

    def _validate_tier(self, tiers=False):
        self.ensure_one()
        before = {review.id: review.status for review in self.review_ids}
        result = super(DistributionApprovalMixin, governed(self))._validate_tier(
            tiers and governed(tiers)
        )
        approved = self.review_ids.filtered(
            lambda r: r.status == "approved" and before.get(r.id) != "approved"
        )
        if approved:
            self._approval_check_four_eyes(approved)
            self._approval_check_delegation(approved)
            self.env["tier.review"]._approval_log_reviews("approve", approved)
        if self.review_ids and self.validation_status == "validated" and approved:
            self._approval_after_validated()
        return result

    def _rejected_tier(self, tiers=False):
        self.ensure_one()
        before = {review.id: review.status for review in self.review_ids}
        result = super(DistributionApprovalMixin, governed(self))._rejected_tier(
            tiers and governed(tiers)
        )
        rejected = self.review_ids.filtered(
            lambda r: r.status == "rejected" and before.get(r.id) != "rejected"
        )
        if rejected:
            if not self.env.su and not all((r.comment or "").strip() for r in rejected):
                raise UserError(self.env._("Give the reason for the rejection."))
            self.env["tier.review"]._approval_log_reviews("reject", rejected)
            self._approval_after_rejected(rejected)
        return result

    def _tier_validation_check_state_on_write(self, vals):
        # need_validation is computed without dependencies: a value cached earlier in
        # this transaction (before a request, a restart, a change of lines) is stale
        self.invalidate_recordset(["need_validation"])
        return super()._tier_validation_check_state_on_write(vals)

    def _tier_validation_check_write_remove_reviews(self, vals):
        # reviews of a cancelled document are dropped by base_tier_validation; the
        # approval log keeps their history
        return super(
            DistributionApprovalMixin, governed(self)
        )._tier_validation_check_write_remove_reviews(vals)

    def unlink(self):
        self.check_access("unlink")
        return super(DistributionApprovalMixin, governed(self)).unlink()
