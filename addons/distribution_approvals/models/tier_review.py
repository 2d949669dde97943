from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..engine import policy
from .governance import governed, is_governed

# Bookkeeping of base_tier_validation's reminder cron: decides nothing.
FREE_FIELDS = frozenset({"last_reminder_date"})
ESCALATION = [("none", "On time"), ("approaching", "Due soon"), ("overdue", "Overdue")]


class TierReview(models.Model):
    """Reviews of the documents our approval flows govern are the approval itself:
    they are created, changed and deleted only through the documents' own steps
    (request, validate, reject, restart), never by a raw create/write/unlink, which
    base_tier_validation opens to every internal user."""

    _inherit = "tier.review"

    distribution_due_at = fields.Datetime(string="Due", readonly=True, index=True)
    distribution_escalation = fields.Selection(
        ESCALATION, string="Escalation", default="none", readonly=True
    )
    distribution_document_ref = fields.Reference(
        selection="_selection_distribution_document_ref",
        string="Document",
        compute="_compute_distribution_document_ref",
    )

    @api.model
    def _selection_distribution_document_ref(self):
        return [(model.model, model.name) for model in self.env["ir.model"].sudo().search([])]

    def _compute_distribution_document_ref(self):
        for review in self:
            review.distribution_document_ref = (
                f"{review.model},{review.res_id}" if review.model and review.res_id else False
            )

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
        reviews = super().create(vals_list)
        now = fields.Datetime.now()
        for review in reviews:
            due = policy.due_at(now, review.definition_id.distribution_sla_hours)
            if due:
                review.distribution_due_at = due
        return reviews

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

    # ------------------------------------------------------------------ delegation

    def _distribution_own_reviewers(self):
        """The reviewers the tier definition names, without delegates."""
        # the definition's reviewers are base_tier_validation's _get_reviewers, below ours
        return super()._get_reviewers()  # pylint: disable=super-method-mismatch

    def _get_reviewers(self):
        reviewers = super()._get_reviewers()
        if not self._approval_governed_model(self.model):
            return reviewers
        now = fields.Datetime.now()
        delegations = self.env["distribution.approval.delegation"]._engine_delegations(now)
        delegates = {d.delegate_id for d in delegations if d.delegator_id in reviewers.ids}
        extra = self.env["res.users"].browse(sorted(delegates))
        if self.definition_id.exclude_requester and self.requested_by:
            extra -= self.requested_by
        return reviewers | extra

    def _approval_on_behalf_of(self):
        """The reviewer the current user acted for (delegation), or False."""
        self.ensure_one()
        delegator = policy.on_behalf_of(
            self.env.uid,
            self._distribution_own_reviewers().ids,
            self.env["distribution.approval.delegation"]._engine_delegations(),
            fields.Datetime.now(),
        )
        return delegator or False

    @api.model
    def _distribution_refresh_reviewers(self):
        """Delegations started or ended: recompute who reviews the open reviews."""
        # sudo: bookkeeping of who may review, for every open review, whoever delegates
        reviews = (
            self.sudo()
            .search([("status", "in", ("waiting", "pending"))])
            .filtered(lambda r: self._approval_governed_model(r.model))
        )
        if reviews:
            self.env.add_to_compute(self._fields["reviewer_ids"], reviews)
            governed(reviews)._recompute_recordset(["reviewer_ids"])

    # ------------------------------------------------------------------ escalation

    @api.model
    def _cron_distribution_escalate(self):
        self._distribution_refresh_reviewers()
        self._distribution_escalate()

    @api.model
    def _distribution_escalate(self, now=None):
        """Pending reviews close to or past their due time: an activity for the
        reviewers (due soon), then for the escalation user or the next tier (overdue),
        with an email; each stage once, logged."""
        now = now or fields.Datetime.now()
        # sudo: the cron escalates every flow's reviews, whoever runs it
        reviews = (
            self.sudo()
            .search(
                [
                    ("status", "=", "pending"),
                    ("distribution_due_at", "!=", False),
                    ("distribution_escalation", "!=", "overdue"),
                ]
            )
            .filtered(lambda r: self._approval_governed_model(r.model))
        )
        log = []
        for review in reviews:
            stage = policy.escalation_stage(
                now,
                review.distribution_due_at,
                review.definition_id.distribution_warn_hours,
                review.distribution_escalation,
            )
            if stage == review.distribution_escalation:
                continue
            record = self.env[review.model].sudo().browse(review.res_id)
            targets = review._distribution_escalation_targets(stage)
            summary = (
                self.env._("Approval due soon: %(name)s", name=record.display_name)
                if stage == "approaching"
                else self.env._("Approval overdue: %(name)s", name=record.display_name)
            )
            note = self.env._(
                "Tier %(tier)s (%(definition)s) is due %(due)s.",
                tier=review.sequence,
                definition=review.definition_id.name,
                due=review.distribution_due_at,
            )
            for user in targets:
                record.activity_schedule(
                    "mail.mail_activity_data_todo", summary=summary, note=note, user_id=user.id
                )
            record.message_notify(partner_ids=targets.partner_id.ids, subject=summary, body=note)
            governed(review).write({"distribution_escalation": stage})
            log.append(
                {
                    "event": "escalate",
                    "record": record,
                    "review": review,
                    "reason": f"{summary} → {', '.join(targets.mapped('name'))}",
                    "user": self.env.ref("base.user_root").id,
                }
            )
        self.env["distribution.approval.log"]._record(log)

    def _distribution_escalation_targets(self, stage):
        self.ensure_one()
        if stage == "approaching":
            return self.reviewer_ids
        if self.definition_id.distribution_escalation_user_id:
            return self.definition_id.distribution_escalation_user_id
        later = self.search(
            [
                ("model", "=", self.model),
                ("res_id", "=", self.res_id),
                ("sequence", ">", self.sequence),
                ("status", "in", ("waiting", "pending")),
            ],
            order="sequence",
            limit=1,
        )
        return later.reviewer_ids or self.reviewer_ids

    # ------------------------------------------------------------------ my approvals

    @api.model
    def _distribution_my_approvals_domain(self):
        return [("status", "=", "pending"), ("reviewer_ids", "in", [self.env.uid])]

    @api.model
    def _distribution_my_approvals_count(self):
        return self.search_count(self._distribution_my_approvals_domain())
