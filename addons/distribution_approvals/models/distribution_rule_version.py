from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.addons.distribution_orchestration.models.governance import governed_action
from odoo.exceptions import AccessError, UserError

from ..engine import rules as rule_engine
from .distribution_governed_rule import GROUP_RULE_ADMIN, GROUP_RULE_APPROVER, GROUP_RULE_EMERGENCY
from .governance import governed, is_governed

STATES = [
    ("draft", "Draft"),
    ("scheduled", "Scheduled"),
    ("active", "In Force"),
    ("superseded", "Superseded"),
    ("cancelled", "Cancelled"),
]
#: models whose records are governed rules (distribution.governed.rule)
RULE_MODELS = [
    ("distribution.check", "Order Check"),
    ("res.company", "Allocation Policy"),
    ("tier.definition", "Approval Tier"),
]


class DistributionRuleVersion(models.Model):
    """One version of one governed rule: the changes it makes, who proposed and
    activated it, from when it takes effect.  Versions are written by their own
    steps only (propose, edit the draft's changes, activate, cancel); the versions
    a rule had stay readable, and order decisions point at the one they used."""

    _name = "distribution.rule.version"
    _description = "Rule Version"
    _inherit = ["mail.thread"]
    _order = "rule_model, rule_id, version desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    rule_model = fields.Selection(RULE_MODELS, string="Rule Type", required=True, readonly=True)
    rule_id = fields.Many2oneReference(
        model_field="rule_model", required=True, readonly=True, index=True
    )
    rule_name = fields.Char(string="Rule", readonly=True)
    version = fields.Integer(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    warehouse_id = fields.Many2one("stock.warehouse", string="Site", readonly=True, index=True)
    state = fields.Selection(STATES, default="draft", required=True, readonly=True, tracking=True)
    change_ids = fields.One2many("distribution.rule.version.change", "version_id", string="Changes")
    values = fields.Json(readonly=True, help="The rule's governed values under this version.")
    values_text = fields.Text(string="Values", compute="_compute_values_text")
    reason = fields.Text(help="Why the rule changes (required to activate).")
    effective_date = fields.Datetime(
        default=fields.Datetime.now,
        help="The rule takes this version's values from this moment (activated now when "
        "it is past).",
    )
    proposed_by_id = fields.Many2one("res.users", readonly=True, default=lambda self: self.env.user)
    approved_by_id = fields.Many2one("res.users", readonly=True, string="Activated By")
    approved_at = fields.Datetime(readonly=True, string="Approved On")
    activated_at = fields.Datetime(readonly=True, string="In Force Since")
    superseded_at = fields.Datetime(readonly=True)
    emergency = fields.Boolean(
        readonly=True, help="Activated during a freeze period by the emergency group."
    )
    freeze_id = fields.Many2one(
        "distribution.change.freeze", readonly=True, string="Freeze Overridden"
    )

    @api.depends("rule_name", "version")
    def _compute_name(self):
        for version in self:
            version.name = f"{version.rule_name or ''} v{version.version or 0}"

    def _compute_values_text(self):
        for version in self:
            Rule = self.env[version.rule_model] if version.rule_model else None
            lines = []
            for name, value in sorted((version.values or {}).items()):
                label = (
                    Rule._fields[name].string if Rule is not None and name in Rule._fields else name
                )
                lines.append(f"{label}: {version._display_value(name, value)}")
            version.values_text = "\n".join(lines)

    def _display_value(self, name, value):
        field = self.env[self.rule_model]._fields.get(name)
        if field is not None and field.type == "many2one" and value:
            return self.env[field.comodel_name].browse(value).exists().display_name or str(value)
        if field is not None and field.type == "many2many":
            records = self.env[field.comodel_name].browse(value or []).exists()
            return ", ".join(records.mapped("display_name")) or "—"
        if field is not None and field.type == "selection" and value:
            labels = dict(field._description_selection(self.env))
            return labels.get(value, value)
        return rule_engine.format_value(value)

    # ------------------------------------------------------------ protection

    _GUARDED = frozenset(
        {
            "rule_model",
            "rule_id",
            "rule_name",
            "version",
            "company_id",
            "warehouse_id",
            "state",
            "values",
            "proposed_by_id",
            "approved_by_id",
            "approved_at",
            "activated_at",
            "superseded_at",
            "emergency",
            "freeze_id",
        }
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not is_governed(self.env):
            raise AccessError(self.env._("Versions are created with Propose Change on the rule."))
        return super().create(vals_list)

    def write(self, vals):
        if not is_governed(self.env):
            if set(vals) & self._GUARDED:
                raise AccessError(
                    self.env._("A version changes through its own steps (Activate, Cancel).")
                )
            if set(vals) - {"message_main_attachment_id"} and self.filtered(
                lambda v: v.state != "draft"
            ):
                raise UserError(self.env._("Only a draft version can be edited."))
            if set(vals) & {"reason", "effective_date", "change_ids"}:
                self._check_rule_admin()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Versions are kept: cancel a draft instead."))

    def _check_rule_admin(self):
        if not self.env.user.has_group(GROUP_RULE_ADMIN):
            raise AccessError(self.env._("Only rule administrators edit draft versions."))
        self._check_companies()

    def _check_companies(self):
        allowed = self.env.user.company_ids
        if any(v.company_id and v.company_id not in allowed for v in self):
            raise AccessError(self.env._("This version belongs to a company you do not work in."))

    # ------------------------------------------------------------ look-ups

    @api.model
    def _active_versions(self, rules):
        """{rule id: its version in force} for records of one rule model (one query)."""
        if not rules:
            return {}
        # sudo: the version in force of rules the caller can read
        found = (
            self.sudo()
            .search(
                [
                    ("rule_model", "=", rules._name),
                    ("rule_id", "in", rules.ids),
                    ("state", "=", "active"),
                ]
            )
            .with_env(self.env)
        )
        return {version.rule_id: version for version in found}

    @api.model
    def _next_numbers(self, rules):
        # sudo: numbering counts every version of the rule, whoever sees them
        groups = self.sudo()._read_group(
            [("rule_model", "=", rules._name), ("rule_id", "in", rules.ids)],
            ["rule_id"],
            ["version:max"],
        )
        return defaultdict(int, dict(groups))

    # ------------------------------------------------------------ steps

    @api.model
    def _propose(self, rules, changes_per_rule, reason=False):
        """Draft versions of ``rules`` with ``changes_per_rule`` ([(field, text)]:
        what an administrator would type)."""
        if not rules:
            return self.browse()
        numbers = self._next_numbers(rules)
        vals_list = []
        for rule, changes in zip(rules, changes_per_rule, strict=True):
            vals_list.append(
                {
                    "rule_model": rule._name,
                    "rule_id": rule.id,
                    "rule_name": rule.display_name,
                    "version": numbers[rule.id] + 1,
                    "company_id": rule._rule_company().id,
                    "warehouse_id": rule._rule_site().id,
                    "reason": reason,
                    "values": rule._rule_snapshot(),
                    "change_ids": [
                        (0, 0, {"field_key": f"{rule._name}|{name}", "new_value": text})
                        for name, text in changes
                    ],
                }
            )
        # sudo: versions are created by this step only (no access right creates them);
        # callers are rule administrators (Propose Change) or a rule's own creation
        return governed(self.sudo()).create(vals_list).with_env(self.env)

    @api.model
    def _rule_models(self):
        """The governed rule types (bridges add theirs to ``rule_model``)."""
        return [key for key, _label in self._fields["rule_model"]._description_selection(self.env)]

    @api.model
    def _baseline_companies(self, companies):
        """Version 1, in force now, of every governed rule of ``companies`` that has
        no version yet (turning governance on)."""
        now = fields.Datetime.now()
        for model in self._rule_models():
            # sudo: every rule of the companies gets its version 1 (the switch's step)
            rules = (
                self.env[model].sudo().with_context(active_test=False)._rule_records_of(companies)
            )
            numbers = self._next_numbers(rules)
            rules = rules.filtered(lambda r, numbers=numbers: not numbers[r.id])
            if not rules:
                continue
            # sudo: version 1 of each rule, written by the governance switch itself
            governed(self.sudo()).create(
                [
                    {
                        "rule_model": model,
                        "rule_id": rule.id,
                        "rule_name": rule.display_name,
                        "version": 1,
                        "company_id": rule._rule_company().id,
                        "warehouse_id": rule._rule_site().id,
                        "state": "active",
                        "values": rule._rule_snapshot(),
                        "reason": self.env._("Rule as it was when governed changes were turned on"),
                        "approved_by_id": self.env.user.id,
                        "approved_at": now,
                        "activated_at": now,
                        "effective_date": now,
                    }
                    for rule in rules
                ]
            )

    def _rule(self):
        self.ensure_one()
        return (
            self.env[self.rule_model].with_context(active_test=False).browse(self.rule_id).exists()
        )

    def _new_values(self):
        """The rule's values under this draft: its current values with the changes."""
        self.ensure_one()
        # sudo: the rule's current values, read for a version the caller may see
        rule = self._rule().sudo()
        if not rule:
            raise UserError(
                self.env._("The rule of %(version)s no longer exists.", version=self.name)
            )
        changes = [(c.field_name, c._parsed_value()) for c in self.change_ids]
        return rule, rule_engine.version_values(rule._rule_snapshot(), changes)

    @governed_action(
        GROUP_RULE_APPROVER, rule="four eyes; outside freeze periods unless emergency group"
    )
    def action_activate(self):
        """Activate drafts: now when their effective date is past, else scheduled."""
        Freeze = self.env["distribution.change.freeze"]
        now = fields.Datetime.now()
        logs = []
        for version in self:
            version._check_companies()
            if version.state != "draft":
                raise UserError(self.env._("%(version)s is not a draft.", version=version.name))
            if not version.reason:
                raise UserError(self.env._("Say why the rule changes before activating it."))
            if version.proposed_by_id == self.env.user:
                raise UserError(
                    self.env._(
                        "%(version)s was proposed by you: another approver activates it.",
                        version=version.name,
                    )
                )
            rule, values = version._new_values()
            if not rule_engine.differences(rule._rule_snapshot(), values) and version.version > 1:
                raise UserError(self.env._("%(version)s changes nothing.", version=version.name))
            refusals = rule._rule_bound_refusals(values)
            if refusals:
                raise UserError("\n".join(refusals))
            # to the second, as Odoo keeps datetimes: "now" typed in the form is now
            effective = max((version.effective_date or now).replace(microsecond=0), now)
            # a rule of every company (excursion rules) follows the approver's calendar
            company = version.company_id or self.env.company
            freeze = Freeze._covering(company, version.warehouse_id, effective)
            emergency = bool(freeze)
            if freeze and not self.env.user.has_group(GROUP_RULE_EMERGENCY):
                raise UserError(
                    self.env._(
                        "Rule changes are frozen from %(start)s to %(end)s (%(freeze)s): only the "
                        "emergency change group activates %(version)s now.",
                        start=freeze.date_from,
                        end=freeze.date_to,
                        freeze=freeze.name,
                        version=version.name,
                    )
                )
            # sudo: the approver's step, checked above (group, four eyes, freeze)
            governed(version.sudo()).write(
                {
                    "values": values,
                    "approved_by_id": self.env.user.id,
                    "approved_at": now,
                    "emergency": emergency,
                    "freeze_id": freeze.id if freeze else False,
                    "effective_date": effective,
                    "state": "scheduled",
                }
            )
            reason = version.reason
            if emergency:
                reason = self.env._(
                    "Emergency change during freeze %(freeze)s: %(reason)s",
                    freeze=freeze.name,
                    reason=version.reason,
                )
            logs.append({"event": "activate", "record": version, "reason": reason})
        self.env["distribution.approval.log"]._record(logs)
        self.filtered(lambda v: v.effective_date <= now)._apply()
        return True

    def _apply(self):
        """Scheduled versions take effect: the rule takes their values, the version
        in force before becomes superseded."""
        now = fields.Datetime.now()
        for version in self.sorted(lambda v: (v.effective_date, v.id)):
            rule = version._rule()
            if not rule:
                continue
            previous = self._active_versions(rule).get(rule.id)
            # sudo: the activation (or the cron) compares and writes the rule itself
            current = rule.sudo()._rule_snapshot()
            changed = {
                name: [Command.set(value)] if isinstance(value, list) else value
                for name, value in (version.values or {}).items()
                if current.get(name) != value
            }
            if changed:
                governed(rule.sudo()).write(changed)
            current = rule._rule_current()
            if current != rule:
                # the rule keeps its own chain of records (excursion rules): the
                # version follows the record that now carries its values
                governed(version.sudo()).write({"rule_id": current.id})
            # sudo: the activation (or the cron) puts an approved version in force
            if previous:
                governed(previous.sudo()).write({"state": "superseded", "superseded_at": now})
            governed(version.sudo()).write({"state": "active", "activated_at": now})
            version.message_post(
                body=self.env._(
                    "In force: %(rule)s has this version's values.", rule=rule.display_name
                )
            )

    @api.model
    def _cron_apply_scheduled(self):
        """Scheduled versions whose effective date has come; those a freeze period
        now covers wait (unless an emergency activation overrode that freeze)."""
        now = fields.Datetime.now()
        # sudo: the cron applies every company's due versions, approved earlier
        due = self.sudo().search([("state", "=", "scheduled"), ("effective_date", "<=", now)])
        Freeze = self.env["distribution.change.freeze"].sudo()
        ready = due.filtered(
            lambda v: (
                not (
                    f := Freeze._covering(
                        v.company_id or v.approved_by_id.company_id, v.warehouse_id, now
                    )
                )
                or f == v.freeze_id
            )
        )
        ready._apply()
        return ready

    @governed_action(
        GROUP_RULE_ADMIN,
        GROUP_RULE_APPROVER,
        rule="drafts and scheduled versions of their companies",
    )
    def action_cancel(self):
        self._check_companies()
        if self.filtered(lambda v: v.state not in ("draft", "scheduled")):
            raise UserError(self.env._("Only draft or scheduled versions are cancelled."))
        # sudo: the cancel step, group and companies checked above
        governed(self.sudo()).write({"state": "cancelled"})
        self.env["distribution.approval.log"]._record(
            [
                {"event": "reject", "record": v, "reason": self.env._("Rule version cancelled")}
                for v in self
            ]
        )
        return True

    def action_open_rule(self):
        self.ensure_one()
        rule = self._rule()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.rule_model,
            "res_id": rule.id,
            "view_mode": "form",
            "target": "current",
        }

    def _open_form(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }


class DistributionRuleVersionChange(models.Model):
    """One change of a draft version: a governed field and the value it takes."""

    _name = "distribution.rule.version.change"
    _description = "Rule Version Change"

    version_id = fields.Many2one(
        "distribution.rule.version", required=True, ondelete="cascade", index=True
    )
    field_key = fields.Selection(selection="_selection_field_key", string="Field", required=True)
    current_value = fields.Char(compute="_compute_current_value", string="Value Now")
    new_value = fields.Char(
        help="Numbers, yes/no, a choice's name, or the name of a record (group, user).",
    )

    @api.model
    def _selection_field_key(self):
        """Every governed field of every rule type: ``model|field`` keys."""
        options = []
        Version = self.env["distribution.rule.version"]
        for model, label in Version._fields["rule_model"]._description_selection(self.env):
            Rule = self.env[model]
            for name in Rule._rule_governed_fields:
                options.append((f"{model}|{name}", f"{label}: {Rule._fields[name].string}"))
        return options

    @property
    def field_name(self):
        return (self.field_key or "|").split("|", 1)[1]

    @api.depends("field_key", "version_id.rule_model", "version_id.rule_id")
    def _compute_current_value(self):
        for change in self:
            version = change.version_id
            rule = version._rule() if version.rule_model and version.rule_id else None
            name = change.field_name
            if rule and name in rule._fields:
                # sudo: shows the governed value of a rule the version belongs to
                value = rule.sudo()._rule_snapshot().get(name)
                change.current_value = version._display_value(name, value)
            else:
                change.current_value = False

    def _parsed_value(self):
        """The value ``new_value`` stands for (many2one: a record id by name)."""
        self.ensure_one()
        Rule = self.env[self.version_id.rule_model]
        name = self.field_name
        if name not in Rule._rule_governed_fields:
            raise UserError(self.env._("%(field)s is not governed by versions.", field=name))
        field = Rule._fields[name]
        if field.type == "many2many":
            names = [n.strip() for n in (self.new_value or "").split(",") if n.strip()]
            return sorted({self._record_id_by_name(field, text) for text in names})
        if field.type == "many2one":
            text = (self.new_value or "").strip()
            return self._record_id_by_name(field, text) if text else False
        selection = field._description_selection(self.env) if field.type == "selection" else ()
        try:
            return rule_engine.parse_value(field.type, self.new_value, selection)
        except rule_engine.RuleValueError as exc:
            raise UserError(
                self.env._("%(field)s: %(error)s", field=field.string, error=str(exc))
            ) from None

    def _record_id_by_name(self, field, text):
        """The one record of ``field``'s model named ``text`` (exact name, case aside)."""
        # sudo: resolves a name the administrator typed (a group, a user, a zone) to
        # its id; the value is only stored in the draft and applied on activation
        Comodel = self.env[field.comodel_name].sudo()
        found = [r.id for r in Comodel.search([("name", "=ilike", text)], limit=2)]
        if len(found) != 1:
            found = [row[0] for row in Comodel.name_search(text, operator="=ilike", limit=2)]
        if len(found) != 1:
            raise UserError(
                self.env._(
                    "%(field)s: no single %(model)s is named %(text)s.",
                    field=field.string,
                    model=Comodel._description,
                    text=text,
                )
            )
        return found[0]

    @api.model_create_multi
    def create(self, vals_list):
        if not is_governed(self.env):
            versions = self.env["distribution.rule.version"].browse(
                [v.get("version_id") for v in vals_list if v.get("version_id")]
            )
            versions._check_rule_admin()
            if versions.filtered(lambda v: v.state != "draft"):
                raise UserError(self.env._("Only a draft version can be edited."))
        changes = super().create(vals_list)
        changes._check_governed_field()
        return changes

    def write(self, vals):
        if not is_governed(self.env):
            self.version_id._check_rule_admin()
            if self.version_id.filtered(lambda v: v.state != "draft"):
                raise UserError(self.env._("Only a draft version can be edited."))
        result = super().write(vals)
        self._check_governed_field()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if is_governed(self.env):
            return
        self.version_id._check_rule_admin()
        if self.version_id.filtered(lambda v: v.state != "draft"):
            raise UserError(self.env._("Only a draft version can be edited."))

    def _check_governed_field(self):
        for change in self:
            model = change.version_id.rule_model
            key_model, name = (change.field_key or "|").split("|", 1)
            if key_model != model or name not in self.env[model]._rule_governed_fields:
                raise UserError(
                    self.env._(
                        "%(field)s is not a governed field of %(rule)s.",
                        field=name,
                        rule=change.version_id.rule_name,
                    )
                )
            change._parsed_value()  # a clear error now, not at activation
