from odoo import api, fields, models
from odoo.addons.distribution_orchestration.models.governance import governed_action
from odoo.exceptions import AccessError, UserError, ValidationError

from ..engine.policy import Delegation

ADMIN = "base.group_erp_manager"


class DistributionApprovalDelegation(models.Model):
    """A reviewer on leave lets a colleague review in their place for a period.

    The delegate becomes a reviewer of the delegator's pending reviews for the
    period; the approval log says on whose behalf they approved.  A delegation is
    a record of who allowed what: it cannot be changed or deleted, only ended
    early (``action_end``), and both are logged."""

    _name = "distribution.approval.delegation"
    _description = "Approval Delegation"
    _order = "date_from desc, id desc"

    delegator_id = fields.Many2one(
        "res.users",
        string="Reviewer",
        required=True,
        default=lambda self: self.env.user,
        index=True,
    )
    delegate_id = fields.Many2one("res.users", required=True, index=True)
    date_from = fields.Datetime(string="From", required=True, default=fields.Datetime.now)
    date_to = fields.Datetime(string="Until", required=True)
    reason = fields.Char()
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    active_now = fields.Boolean(compute="_compute_active_now")

    def _compute_active_now(self):
        now = fields.Datetime.now()
        for delegation in self:
            delegation.active_now = delegation.date_from <= now < delegation.date_to

    @api.constrains("delegator_id", "delegate_id", "date_from", "date_to")
    def _check_period(self):
        for delegation in self:
            if delegation.date_to <= delegation.date_from:
                raise ValidationError(self.env._("A delegation ends after it starts."))
            if delegation.delegate_id == delegation.delegator_id:
                raise ValidationError(self.env._("Delegate to someone else."))
            if delegation.delegate_id.share:
                raise ValidationError(self.env._("Delegate to an internal user."))

    @api.model_create_multi
    def create(self, vals_list):
        user = self.env.user
        for vals in vals_list:
            delegator = vals.get("delegator_id", user.id)
            if delegator != user.id and not self.env.su and not user.has_group(ADMIN):
                raise AccessError(self.env._("You can only delegate your own reviews."))
        # sudo: delegations are records of the reviewers' own decision, created here
        # only after the check above (users have no create right of their own)
        delegations = super(DistributionApprovalDelegation, self.sudo()).create(vals_list)
        self.env["distribution.approval.log"]._record(
            [
                {
                    "event": "delegate",
                    "record": delegation,
                    "on_behalf_of": delegation.delegator_id.id,
                    "reason": self.env._(
                        "%(delegator)s delegates to %(delegate)s "
                        "from %(start)s until %(end)s. %(reason)s",
                        delegator=delegation.delegator_id.name,
                        delegate=delegation.delegate_id.name,
                        start=delegation.date_from,
                        end=delegation.date_to,
                        reason=delegation.reason or "",
                    ),
                }
                for delegation in delegations
            ]
        )
        self.env["tier.review"]._distribution_refresh_reviewers()
        return delegations.with_env(self.env)

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(self.env._("A delegation cannot be changed: end it and create another."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("A delegation cannot be deleted: end it."))

    @governed_action(
        "base.group_user", rule="the delegating reviewer, or an access rights administrator"
    )
    def action_end(self):
        user = self.env.user
        if not user.has_group(ADMIN) and self.filtered(lambda d: d.delegator_id != user):
            raise AccessError(self.env._("You can only end your own delegations."))
        now = fields.Datetime.now()
        ending = self.filtered(lambda d: d.date_to > now)
        for delegation in ending:
            # the one change a delegation accepts, its early end: past our write(),
            # which refuses every other change
            models.Model.write(delegation.sudo(), {"date_to": max(now, delegation.date_from)})
        self.env["distribution.approval.log"]._record(
            [
                {
                    "event": "delegate",
                    "record": delegation,
                    "on_behalf_of": delegation.delegator_id.id,
                    "reason": self.env._("Delegation ended by %(user)s.", user=user.name),
                }
                for delegation in ending
            ]
        )
        self.env["tier.review"]._distribution_refresh_reviewers()
        return True

    @api.model
    def _engine_delegations(self, now=None):
        now = now or fields.Datetime.now()
        # sudo: who delegated to whom decides who may review; read whole, for the check
        active = self.sudo().search([("date_from", "<=", now), ("date_to", ">", now)])
        return [
            Delegation(d.delegator_id.id, d.delegate_id.id, d.date_from, d.date_to) for d in active
        ]
