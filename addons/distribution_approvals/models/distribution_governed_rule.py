"""Rules under governed change control: order checks, allocation policies, tiers.

When a company turns on *Governed Rule Changes* (Settings), the governed fields of
its rules change only through an activated version (``distribution.rule.version``):
a direct write of another value, from the web client or over RPC, is refused, and
a new rule is created inactive with a draft version that activates it.
"""

from odoo import api, fields, models
from odoo.addons.distribution_orchestration.models.governance import governed_action
from odoo.exceptions import UserError

from ..engine import rules as rule_engine
from .governance import governed, is_governed

GROUP_RULE_ADMIN = "distribution_approvals.group_rule_admin"
GROUP_RULE_APPROVER = "distribution_approvals.group_rule_approver"
GROUP_RULE_EMERGENCY = "distribution_approvals.group_rule_emergency"


class DistributionGovernedRule(models.AbstractModel):
    _name = "distribution.governed.rule"
    _description = "Rule under governed change control"

    #: fields that change only through a version (when the company governs rules)
    _rule_governed_fields = ()
    #: fields that identify the rule and never change under governance
    _rule_identity_fields = ()

    rule_version_id = fields.Many2one(
        "distribution.rule.version",
        string="Version in Force",
        compute="_compute_rule_version_id",
        help="The activated version whose values this rule has now.",
    )

    def _compute_rule_version_id(self):
        versions = self.env["distribution.rule.version"]._active_versions(self)
        for rule in self:
            rule.rule_version_id = versions.get(rule.id, False)

    # ------------------------------------------------------------ what a rule is

    def _rule_site(self):
        self.ensure_one()
        return self.warehouse_id if "warehouse_id" in self._fields else self.env["stock.warehouse"]

    @api.model
    def _rule_records_of(self, companies):
        """The rules of ``companies`` (and the rules of every company)."""
        return self.search(["|", ("company_id", "in", companies.ids), ("company_id", "=", False)])

    def _rule_bound_refusals(self, values):
        """Why ``values`` may not be this rule's (scope and bounds); none by default."""
        return []

    def _rule_current(self):
        """The record that carries the rule's values after a version was applied."""
        self.ensure_one()
        return self

    def _rule_company(self):
        self.ensure_one()
        return self.company_id if "company_id" in self._fields else self.env["res.company"]

    def _rule_governed(self):
        """The rules of self whose company governs its rule changes."""
        # sudo: reads the company switch of the rules' companies, decides nothing else
        any_company = None
        governed_rules = self.browse()
        for rule in self:
            company = rule.sudo()._rule_company()
            if company:
                if company.distribution_rule_governance:
                    governed_rules |= rule
                continue
            # a rule of every company: governed where any company governs
            if any_company is None:
                any_company = bool(
                    self.env["res.company"]
                    .sudo()
                    .search_count([("distribution_rule_governance", "=", True)], limit=1)
                )
            if any_company:
                governed_rules |= rule
        return governed_rules

    def _rule_snapshot(self):
        """{field: value} of the governed fields, as stored in a version."""
        self.ensure_one()
        snapshot = {}
        for name in self._rule_governed_fields:
            field = self._fields[name]
            value = self[name]
            if field.type == "many2one":
                value = value.id or False
            elif field.type == "many2many":
                value = sorted(value.ids)
            snapshot[name] = value
        return snapshot

    def _rule_changed_fields(self, vals):
        """Governed or identity fields ``vals`` would change on some rule of self."""
        watched = (set(self._rule_governed_fields) | set(self._rule_identity_fields)) & set(vals)
        changed = set()
        for rule in self:
            for name in watched:
                field = self._fields[name]
                current = rule[name]
                if field.type == "many2one":
                    current = current.id or False
                    new = vals[name] or False
                    if isinstance(new, models.BaseModel):
                        new = new.id or False
                elif field.type == "many2many":
                    current = set(current.ids)
                    new = set(rule.new({name: vals[name]})[name].ids) if vals[name] else set()
                else:
                    new = field.convert_to_cache(vals[name], rule)
                    current = field.convert_to_cache(current, rule)
                if current != new:
                    changed.add(name)
        return changed

    # ------------------------------------------------------------ the guard

    def write(self, vals):
        self._rule_guard(vals)
        return super().write(vals)

    def _rule_guard(self, vals):
        """Refuse ``vals`` changing a governed rule outside a version's activation."""
        if not is_governed(self.env):
            ruled = self._rule_governed()
            changed = ruled._rule_changed_fields(vals) if ruled else set()
            if changed:
                labels = ", ".join(sorted(self._fields[name].string for name in changed))
                raise UserError(
                    self.env._(
                        "%(fields)s of %(rules)s change only through an activated version "
                        "(governed rule changes): use Propose Change.",
                        fields=labels,
                        rules=", ".join(ruled.mapped("display_name")),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        if is_governed(self.env) or "active" not in self._rule_governed_fields:
            return rules
        ruled = rules._rule_governed()
        if ruled:
            # a new rule takes effect only once a version activates it
            wanted = ruled.filtered("active")
            governed(wanted).write({"active": False})
            self.env["distribution.rule.version"]._propose(
                wanted, [[("active", "yes")] for _rule in wanted], reason=self.env._("New rule")
            )
        return rules

    # ------------------------------------------------------------ buttons

    @governed_action(GROUP_RULE_ADMIN, rule="on rules of their companies")
    def action_rule_propose_change(self):
        """A draft version of this rule, to fill in and submit for activation."""
        self.ensure_one()
        self.check_access("read")
        version = self.env["distribution.rule.version"]._propose(self, [[]])
        return version._open_form()

    def action_rule_versions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "distribution_approvals.distribution_rule_version_action"
        )
        action["domain"] = [("rule_model", "=", self._name), ("rule_id", "=", self.id)]
        action["context"] = {}
        return action


class DistributionCheck(models.Model):
    _name = "distribution.check"
    _inherit = ["distribution.check", "distribution.governed.rule"]
    _rule_governed_fields = (
        "active",
        "sequence",
        "distribution_scope",
        "resolver_group_id",
        "due_hours",
        "tolerance_pct",
        "min_margin_pct",
        "anomaly_factor",
        "anomaly_min_history",
        "anomaly_min_quantity",
        "anomaly_history_days",
        "include_incoming",
        "require_delivery_address",
        "require_incoterm",
        "require_payment_term",
        "require_customer_reference",
    )
    _rule_identity_fields = ("code", "company_id", "warehouse_id")

    distribution_scope = fields.Selection(
        [("site", "Site-configurable within bounds"), ("locked", "Enterprise-locked")],
        string="Scope",
        default="site",
        required=True,
        help="On a company-wide check: enterprise-locked, no site may have its own "
        "variant; site-configurable, a site's variant may only be stricter (a higher "
        "margin floor, a lower tolerance...). Enforced when a version is activated "
        "under governed rule changes; the conformance report lists every deviation.",
    )

    def _rule_enterprise(self):
        """The company-wide check this site check varies (same kind and company)."""
        self.ensure_one()
        if not self.warehouse_id:
            return self.browse()
        return self.with_context(active_test=False).search(
            [
                ("company_id", "=", self.company_id.id),
                ("code", "=", self.code),
                ("warehouse_id", "=", False),
            ],
            limit=1,
        )

    def _rule_deviations(self, values, enterprise):
        """Engine deviations of a site check's ``values`` from its enterprise check."""
        compared = [name for name in rule_engine.CHECK_BOUNDS if name in values]
        snapshot = enterprise._rule_snapshot()
        return rule_engine.deviations(
            {name: snapshot[name] for name in compared},
            {name: values[name] for name in compared},
            rule_engine.CHECK_BOUNDS,
            locked=enterprise.distribution_scope == "locked",
        )

    def _rule_bound_refusals(self, values):
        enterprise = self._rule_enterprise()
        if not enterprise:
            return []
        if enterprise.distribution_scope == "locked" and values.get("active", True):
            return [
                self.env._(
                    "%(check)s is enterprise-locked: no site has its own variant.",
                    check=enterprise.display_name,
                )
            ]
        return [
            self.env._(
                "%(field)s %(rule)s at a site (enterprise: %(enterprise)s, here: %(site)s).",
                field=self._fields[d.field].string,
                rule=rule_engine.DIRECTION_WORDS[d.rule],
                enterprise=rule_engine.format_value(d.enterprise),
                site=rule_engine.format_value(d.site),
            )
            for d in self._rule_deviations(values, enterprise)
            if not d.within_bounds
        ]


class TierDefinition(models.Model):
    _name = "tier.definition"
    _inherit = ["tier.definition", "distribution.governed.rule"]
    _rule_governed_fields = (
        "active",
        "sequence",
        "review_type",
        "reviewer_id",
        "reviewer_group_id",
        "definition_type",
        "definition_domain",
        "approve_sequence",
        "has_comment",
        "distribution_allow_self_approval",
        "distribution_sla_hours",
        "distribution_warn_hours",
        "distribution_escalation_user_id",
    )
    _rule_identity_fields = ("model_id", "company_id")


class ResCompany(models.Model):
    """A company's allocation policy is a governed rule of that company."""

    _name = "res.company"
    _inherit = ["res.company", "distribution.governed.rule"]
    _rule_governed_fields = (
        "distribution_allocation_policy",
        "distribution_allow_split",
        "distribution_max_shipments",
        "distribution_min_split_qty",
        "distribution_release_mode",
    )

    distribution_rule_governance = fields.Boolean(
        string="Governed Rule Changes",
        help="Order checks, the allocation policy and approval tiers of this company "
        "change only through versions an approver activates from an effective date, "
        "outside the freeze periods of the change calendar.",
    )

    def _rule_company(self):
        self.ensure_one()
        return self

    @api.model
    def _rule_records_of(self, companies):
        return companies

    def write(self, vals):
        if "distribution_rule_governance" in vals and not is_governed(self.env):
            switching = self.filtered(
                lambda c: (
                    c.distribution_rule_governance != bool(vals["distribution_rule_governance"])
                )
            )
            if switching:
                switching._switch_rule_governance(bool(vals["distribution_rule_governance"]))
                vals = {k: v for k, v in vals.items() if k != "distribution_rule_governance"}
                if not vals:
                    return True
        return super().write(vals)

    def _switch_rule_governance(self, enabled):
        """Only rule approvers turn governance on or off; it is logged, and turning
        it on records every current rule of the company as its version 1."""
        if not self.env.user.has_group(GROUP_RULE_APPROVER):
            raise UserError(
                self.env._("Only rule change approvers turn governed rule changes on or off.")
            )
        # sudo: an approver switches governance without being a Settings administrator;
        # the group was checked just above and the switch is logged below
        governed(self.sudo()).write({"distribution_rule_governance": enabled})
        Version = self.env["distribution.rule.version"]
        if enabled:
            Version._baseline_companies(self)
        self.env["distribution.approval.log"]._record(
            [
                {
                    "event": "activate",
                    "record": company,
                    "reason": self.env._("Governed rule changes turned on")
                    if enabled
                    else self.env._("Governed rule changes turned off"),
                }
                for company in self
            ]
        )
