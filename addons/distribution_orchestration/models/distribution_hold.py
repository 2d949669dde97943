from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .distribution_check import CHECK_CODES
from .governance import GROUP_MANAGER, GROUP_USER, governed, governed_action, refuse_protected
from .reason_text import render_reason

RESOLVE_RULE = (
    "member of the hold's responsible group (or orchestration administrator), on holds "
    "of their companies and sites"
)


class DistributionHold(models.Model):
    """One failed check of one order, waiting for the responsible group's decision."""

    _name = "distribution.hold"
    _description = "Order Hold"
    _inherit = ["mail.thread"]
    _order = "state, due_at, id"

    name = fields.Char(compute="_compute_name", store=True)
    order_id = fields.Many2one(
        "sale.order", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    warehouse_id = fields.Many2one(related="order_id.warehouse_id", store=True, string="Site")
    partner_id = fields.Many2one(related="order_id.partner_id", store=True)
    check_id = fields.Many2one("distribution.check", readonly=True, ondelete="set null")
    check_code = fields.Selection(CHECK_CODES, required=True, readonly=True)
    reason_code = fields.Char(required=True, readonly=True)
    reason_params = fields.Json(
        string="Reason Parameters",
        readonly=True,
        help="Figures and names of the explanation (engine/messages.py), rendered in the "
        "reader's language.",
    )
    explanation = fields.Text(
        compute="_compute_explanation",
        inverse="_inverse_explanation",
        search="_search_explanation",
        help="Why the order is on hold, in your language. Searching matches the recorded "
        "(English) text.",
    )
    explanation_text = fields.Text(
        string="Recorded Explanation",
        readonly=True,
        help="The explanation as the pipeline recorded it, in English (the only one of "
        "holds recorded before explanations were translated).",
    )
    inputs = fields.Text(readonly=True)
    responsible_group_id = fields.Many2one("res.groups", required=True, readonly=True)
    due_at = fields.Datetime(string="Due", readonly=True)
    overdue = fields.Boolean(compute="_compute_overdue", search="_search_overdue")
    state = fields.Selection(
        [
            ("open", "Open"),
            ("released", "Released"),
            ("rejected", "Rejected"),
            ("cleared", "Cleared on resubmission"),
        ],
        default="open",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    resolved_by_id = fields.Many2one("res.users", readonly=True)
    resolved_at = fields.Datetime(readonly=True)
    resolution_note = fields.Text(readonly=True)
    can_resolve = fields.Boolean(compute="_compute_can_resolve")

    # A hold is audit trail: only the pipeline creates it, only its resolution
    # changes it (for every user, administrators included).
    _PROTECTED = (
        "order_id",
        "check_id",
        "check_code",
        "reason_code",
        "reason_params",
        "explanation",
        "explanation_text",
        "inputs",
        "responsible_group_id",
        "due_at",
        "state",
        "resolved_by_id",
        "resolved_at",
        "resolution_note",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            refuse_protected(self, vals, self._PROTECTED)
        return super().create(vals_list)

    def write(self, vals):
        refuse_protected(self, vals, self._PROTECTED)
        return super().write(vals)

    @api.depends("order_id.name", "check_code")
    def _compute_name(self):
        labels = dict(CHECK_CODES)
        for hold in self:
            hold.name = f"{hold.order_id.name} / {labels.get(hold.check_code, hold.check_code)}"

    @api.depends_context("lang")
    @api.depends("reason_code", "reason_params", "explanation_text")
    def _compute_explanation(self):
        for hold in self:
            hold.explanation = render_reason(
                self.env, hold.reason_code, hold.reason_params, hold.explanation_text
            )

    def _inverse_explanation(self):
        # a text given as such (no parameters): kept as the recorded explanation
        for hold in self:
            hold.explanation_text = hold.explanation

    def _search_explanation(self, operator, value):
        return [("explanation_text", operator, value)]

    @api.depends("due_at", "state")
    def _compute_overdue(self):
        now = fields.Datetime.now()
        for hold in self:
            hold.overdue = hold.state == "open" and bool(hold.due_at) and hold.due_at < now

    def _search_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on overdue holds."))
        overdue = [("state", "=", "open"), ("due_at", "<", fields.Datetime.now())]
        return overdue if (operator == "=") == value else ["!", "&", *overdue]

    @api.depends_context("uid")
    @api.depends("responsible_group_id", "state", "order_id.distribution_submitted_by_id")
    def _compute_can_resolve(self):
        user = self.env.user
        manager = user.has_group(GROUP_MANAGER)
        groups = user.all_group_ids
        for hold in self:
            hold.can_resolve = (
                hold.state == "open"
                and (manager or hold.responsible_group_id in groups)
                and hold.order_id.distribution_submitted_by_id != user
            )

    def _check_can_resolve(self, releasing=True):
        """Who may decide: the hold's responsible group (or an orchestration
        administrator), on holds they can see (company and site rules), and never
        the user who submitted the order when the decision releases it."""
        self.check_access("read")
        if self.filtered(lambda h: h.state != "open"):
            raise UserError(self.env._("Only open holds can be resolved."))
        if self.env.su:
            return
        user = self.env.user
        manager = user.has_group(GROUP_MANAGER)
        refused = self.filtered(
            lambda h: not manager and h.responsible_group_id not in user.all_group_ids
        )
        if refused:
            raise AccessError(
                self.env._(
                    "Only members of %(groups)s can resolve these holds.",
                    groups=", ".join(refused.responsible_group_id.mapped("full_name")),
                )
            )
        own = self.filtered(lambda h: h.order_id.distribution_submitted_by_id == user)
        if releasing and own:
            raise AccessError(
                self.env._(
                    "You submitted %(orders)s: another authorised user must release its holds.",
                    orders=", ".join(own.order_id.mapped("name")),
                )
            )

    @governed_action(GROUP_USER, rule=RESOLVE_RULE + "; never the user who submitted the order")
    def action_release(self, note=None):
        """Waive the failed checks; the order's remaining checks run again."""
        self._check_can_resolve()
        self._resolve("released", note)
        return True

    @governed_action(GROUP_USER, rule=RESOLVE_RULE)
    def action_reject(self, reason):
        """Refuse the order for these reasons: it is cancelled."""
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason for rejecting the order."))
        self._check_can_resolve(releasing=False)
        self._resolve("rejected", reason)
        return True

    @governed_action(GROUP_USER, rule=RESOLVE_RULE)
    def action_open_reject_wizard(self):
        self._check_can_resolve(releasing=False)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reject Order"),
            "res_model": "distribution.hold.reject.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_hold_ids": self.ids},
        }

    def _clear_on_resubmission(self):
        """The order was submitted again and these holds' checks pass now (the facts
        they held on changed): closed by the pipeline, not by a person."""
        note = self.env._(
            "Cleared on resubmission by %(user)s: the check passes now.", user=self.env.user.name
        )
        # sudo: the pipeline's own step (governed), whoever resubmitted
        governed(self).sudo().write(
            {"state": "cleared", "resolved_at": fields.Datetime.now(), "resolution_note": note}
        )
        self.env["distribution.log"]._record(
            [
                {
                    "order": hold.order_id,
                    "event": "resolve",
                    "check_code": hold.check_code,
                    "result": "passed",
                    "reason": ("cleared_on_resubmission", {"user": self.env.user.name}),
                }
                for hold in self
            ]
        )

    def _resolve(self, state, note):
        # sudo: resolvers have no write access on holds; _check_can_resolve ran above
        governed(self).sudo().write(
            {
                "state": state,
                "resolved_by_id": self.env.user.id,
                "resolved_at": fields.Datetime.now(),
                "resolution_note": note or False,
            }
        )
        self.env["distribution.log"]._record(
            [
                {
                    "order": hold.order_id,
                    "event": "resolve" if state == "released" else "reject",
                    "check_code": hold.check_code,
                    "result": "passed" if state == "released" else "failed",
                    "message": note,
                    "reason": None if note else ("released_by", {"user": self.env.user.name}),
                }
                for hold in self
            ]
        )
        self.order_id._distribution_resume()
