from odoo import api, fields, models

from .governance import GROUP_CREDIT, require_group
from .res_company import ALLOCATION_POLICIES

# Customer governance: who may change what decides whether an order is held.
# Restricted fields need credit control (or the orchestration administrator, who
# has it); every change of a logged field is written to distribution.partner.log.
RESTRICTED_FIELDS = (
    "distribution_on_hold",
    "distribution_blocked",
    "distribution_hold_note",
    "distribution_allocation_policy",
    "credit_limit",
)
LOGGED_FIELDS = (
    *RESTRICTED_FIELDS,
    "distribution_tier",
    "distribution_home_warehouse_id",
    "distribution_requires_reference",
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    distribution_tier = fields.Selection(
        [
            ("platinum", "Platinum"),
            ("gold", "Gold"),
            ("silver", "Silver"),
            ("bronze", "Bronze"),
            ("standard", "Standard"),
        ],
        string="Customer Tier",
        default="standard",
        help="Weighs in the release priority score when orders compete for stock.",
    )
    distribution_home_warehouse_id = fields.Many2one(
        "stock.warehouse", string="Home Warehouse", company_dependent=True
    )
    distribution_allocation_policy = fields.Selection(
        ALLOCATION_POLICIES,
        string="Allocation Policy Override",
        help="Empty: the company's policy. Changed by credit control only, and logged.",
    )
    distribution_on_hold = fields.Boolean(
        string="Orders On Hold",
        help="Every new order of this customer goes on hold. Changed by credit control "
        "only, and logged.",
    )
    distribution_blocked = fields.Boolean(
        string="Customer Blocked", help="Changed by credit control only, and logged."
    )
    distribution_hold_note = fields.Char(string="Hold Reason")
    distribution_requires_reference = fields.Boolean(
        string="Requires Customer Reference",
        help="Orders without the customer's reference go on hold (required data check).",
    )
    distribution_partner_log_ids = fields.One2many(
        "distribution.partner.log",
        "partner_id",
        string="Governance Changes",
        groups="distribution_orchestration.group_orchestration_credit",
    )

    def _distribution_restricted(self, vals):
        """The restricted fields ``vals`` changes for the current company: the credit
        limit is Odoo's own field, governed only where the pipeline is enabled (until
        then accounting users keep their standard right to set it)."""
        restricted = [name for name in RESTRICTED_FIELDS if name in vals]
        if "credit_limit" in restricted and not self.env.company.distribution_pipeline_enabled:
            restricted.remove("credit_limit")
        return restricted

    def _distribution_check_governance(self, vals):
        if self._distribution_restricted(vals):
            require_group(
                self.env, [GROUP_CREDIT], self.env._("Changing a customer's credit or hold status")
            )

    def _distribution_snapshot(self, names):
        # sudo: credit_limit is readable by accounting groups only; the values are
        # read for the governance log, never returned to the caller
        return {
            partner.id: {
                name: partner[name].id
                if partner._fields[name].type == "many2one"
                else partner[name]
                for name in names
            }
            for partner in self.sudo()
        }

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            set_values = {k: v for k, v in vals.items() if k in RESTRICTED_FIELDS and v}
            self._distribution_check_governance(set_values)
        partners = super().create(vals_list)
        logged = {
            name for vals in vals_list for name, value in vals.items() if name in LOGGED_FIELDS
        }
        if logged:
            defaults = self.default_get(list(logged))
            before = {p.id: {name: defaults.get(name, False) for name in logged} for p in partners}
            self.env["distribution.partner.log"]._record_changes(
                partners, before, partners._distribution_snapshot(logged)
            )
        return partners

    def write(self, vals):
        logged = [name for name in LOGGED_FIELDS if name in vals]
        if not logged:
            return super().write(vals)
        self._distribution_check_governance(vals)
        before = self._distribution_snapshot(logged)
        result = super().write(vals)
        self.env["distribution.partner.log"]._record_changes(
            self, before, self._distribution_snapshot(logged)
        )
        return result
