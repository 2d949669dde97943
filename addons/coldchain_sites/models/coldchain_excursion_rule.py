from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engine.excursion_types import Rule
from .governance import GROUP_MANAGER, check_governed, governed, governed_action, is_governed

SEVERITIES = [
    ("info", "Informational"),
    ("operator", "Operator action"),
    ("product_risk", "Product at risk"),
]
SEVERITY_RANK = {"info": 0, "operator": 1, "product_risk": 2}

KINDS = [
    ("threshold", "Instant threshold"),
    ("delay", "Threshold + consecutive delay"),
    ("budget", "Threshold + cumulative budget"),
    ("mkt", "Mean kinetic temperature"),
    ("rate", "Rate of change"),
    ("door", "Door open too long"),
    ("monitoring", "Monitoring lost"),
]

# Editing one of these creates a new version of the rule (the old one is archived and
# stays as it was: excursions keep the version that fired).
VERSIONED_FIELDS = frozenset(
    {
        "kind",
        "check_min",
        "limit_min",
        "check_max",
        "limit_max",
        "inclusive",
        "delay_minutes",
        "budget_minutes",
        "window_hours",
        "reset",
        "max_gap_factor",
        "profile_id",
        "location_ids",
        "severity",
        "risk_duration_minutes",
        "risk_peak_delta",
    }
)


# The version chain: set when a version is created or superseded, never by hand.
VERSION_FIELDS = frozenset({"version", "previous_version_id", "superseded"})


class ColdchainExcursionRule(models.Model):
    """A versioned alarm rule (configuration of the excursion engine).

    Scope: sensors in the zones ``location_ids`` (and their children) and/or in zones
    operated at ``profile_id``; no scope: every sensor.  Door rules read door
    contacts, the others temperature sensors.

    Severity matrix: ``severity`` is the rule's base severity; an excursion of the rule
    becomes *product at risk* when it lasts ``risk_duration_minutes`` or more, or its
    peak passes the breached limit by ``risk_peak_delta`` °C or more (0: not used).
    Severity only ever rises while the excursion evolves.

    Versions are evidence (excursions keep the version that fired): saving a change
    of a parameter always creates version n+1, the version chain is written by
    :meth:`_new_version` only (governance sentinel, see ``governance.py``), a
    superseded version is frozen and never reactivated.
    """

    _name = "coldchain.excursion.rule"
    _description = "Excursion rule"
    _inherit = ["mail.thread"]
    _order = "sequence, code, version desc"

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(
        required=True,
        tracking=True,
        help="Stable identifier shared by every version of the rule.",
    )
    version = fields.Integer(required=True, default=1, readonly=True, copy=False)
    previous_version_id = fields.Many2one(
        "coldchain.excursion.rule", readonly=True, copy=False, ondelete="restrict"
    )
    superseded = fields.Boolean(
        readonly=True, copy=False, help="A newer version replaced this one: it is frozen."
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    kind = fields.Selection(KINDS, required=True, default="threshold", tracking=True)
    check_min = fields.Boolean(string="Low limit", tracking=True)
    limit_min = fields.Float(string="Min.", digits=(6, 2), tracking=True)
    check_max = fields.Boolean(string="High limit", default=True, tracking=True)
    limit_max = fields.Float(string="Max.", digits=(6, 2), tracking=True)
    inclusive = fields.Boolean(
        default=False,
        tracking=True,
        help="Checked: the limit value itself is a breach (WHO style, 30.0 triggers a "
        "30 °C limit).  Unchecked: the limits are the last allowed values (8.0 is fine "
        "in a 2–8 °C range).",
    )
    delay_minutes = fields.Float(
        string="Delay (min)", tracking=True, help="Delay rules, door rules: longer than this."
    )
    budget_minutes = fields.Float(string="Budget (min)", tracking=True)
    window_hours = fields.Float(
        string="Window (h)", tracking=True, help="Budget and MKT window (24 h, 720 h, ...)."
    )
    reset = fields.Selection(
        [("rolling", "Rolling window"), ("periodic", "Periodic reset"), ("never", "Never")],
        default="rolling",
        tracking=True,
    )
    max_gap_factor = fields.Float(
        string="Silence (× interval)",
        default=3.0,
        tracking=True,
        help="Monitoring lost: no reading for longer than this many expected intervals.",
    )
    profile_id = fields.Many2one(
        "coldchain.temperature.profile", string="Zone profile", tracking=True
    )
    location_ids = fields.Many2many(
        "stock.location",
        "coldchain_excursion_rule_location_rel",
        "rule_id",
        "location_id",
        string="Zones",
        domain="[('usage', '=', 'internal')]",
    )
    severity = fields.Selection(SEVERITIES, required=True, default="operator", tracking=True)
    risk_duration_minutes = fields.Float(
        string="Product at risk after (min)",
        tracking=True,
        help="An excursion lasting this long puts product at risk (0: never by duration).",
    )
    risk_peak_delta = fields.Float(
        string="Product at risk beyond limit by (°C)",
        tracking=True,
        help="A peak this far past the limit puts product at risk (0: never by peak).",
    )
    excursion_count = fields.Integer(compute="_compute_excursion_count")

    _code_version_uniq = models.Constraint(
        "UNIQUE (code, version)", "A rule version must be unique."
    )

    @api.constrains("kind", "check_min", "check_max", "limit_min", "limit_max")
    def _check_limits(self):
        for rule in self:
            try:
                rule._engine_rules({})
            except ValueError as exc:
                raise ValidationError(
                    self.env._("Rule %(rule)s is invalid: %(error)s", rule=rule.code, error=exc)
                ) from exc

    def _compute_excursion_count(self):
        counts = dict(
            self.env["coldchain.excursion"]._read_group(
                [("rule_id", "in", self.ids)], ["rule_id"], ["__count"]
            )
        )
        for rule in self:
            rule.excursion_count = counts.get(rule, 0)

    # ------------------------------------------------------------------ versions

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            chain = {name for name in VERSION_FIELDS if vals.get(name)}
            if vals.get("version") == 1:
                chain.discard("version")
            check_governed(self, chain, self.env._("The version chain of an excursion rule"))
        return super().create(vals_list)

    def write(self, vals):
        check_governed(
            self,
            VERSION_FIELDS.intersection(vals),
            self.env._("The version chain of an excursion rule"),
        )
        own = {name for name in vals if not name.startswith(("message_", "activity_"))}
        if own and not is_governed(self) and self.filtered("superseded"):
            raise UserError(
                self.env._("A superseded rule version is frozen: edit its current version.")
            )
        if "code" in vals:
            self._check_code_change(vals["code"])
        if not VERSIONED_FIELDS.intersection(vals):
            return super().write(vals)
        for rule in self:
            rule._new_version(vals)
        return True

    def _check_code_change(self, code):
        changed = self.filtered(lambda rule: rule.code != code)
        if not changed:
            return
        fired = self.env["coldchain.excursion"].search_count(
            [("rule_id", "in", changed.ids)], limit=1
        )
        if fired or changed.filtered("previous_version_id"):
            raise UserError(
                self.env._(
                    "The code of a rule that fired or has earlier versions identifies them "
                    "all: create a new rule instead."
                )
            )

    @governed_action(GROUP_MANAGER, rule="never a superseded version")
    def action_unarchive(self):
        if self.filtered("superseded"):
            raise UserError(
                self.env._(
                    "A superseded rule version cannot be reactivated: edit its current version."
                )
            )
        return super().action_unarchive()

    @governed_action(GROUP_MANAGER)
    def action_archive(self):
        return super().action_archive()

    def _new_version(self, vals):
        """Copy this rule with ``vals`` as version n+1 and archive this one."""
        self.ensure_one()
        latest = self.with_context(active_test=False).search(
            [("code", "=", self.code)], order="version desc", limit=1
        )
        # governed: writing the version chain is this method's job
        new = governed(self).copy(
            dict(
                vals,
                version=latest.version + 1,
                previous_version_id=self.id,
                code=self.code,
                name=vals.get("name", self.name),
                active=True,
            )
        )
        governed(self).write({"active": False, "superseded": True})
        self.message_post(
            body=self.env._("Superseded by version %(version)s.", version=new.version)
        )
        return new

    def copy_data(self, default=None):
        default = dict(default or {})
        vals_list = super().copy_data(default)
        if "code" not in default:
            for vals in vals_list:
                vals["code"] = self.env._("%(code)s-copy", code=vals["code"])
        return vals_list

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        if self.env["coldchain.excursion"].search_count([("rule_id", "in", self.ids)], limit=1):
            raise UserError(self.env._("A rule that fired cannot be deleted: archive it."))

    # -------------------------------------------------------------------- engine

    def _rule_domain_for_sensors(self):
        """Sensors this rule watches (a domain on coldchain.sensor)."""
        self.ensure_one()
        kinds = ["door"] if self.kind == "door" else ["temperature"]
        domain = [("kind", "in", kinds), ("state", "!=", "retired")]
        if self.location_ids:
            domain.append(("location_id", "child_of", self.location_ids.ids))
        if self.profile_id:
            domain.append(("location_id.coldchain_profile_id", "=", self.profile_id.id))
        return domain

    def _filter_sensors(self, sensors):
        """The ``sensors`` (browsed once for every rule) this rule watches."""
        self.ensure_one()
        kind = "door" if self.kind == "door" else "temperature"
        paths = self.location_ids.mapped("parent_path")
        profile = self.profile_id

        def watched(sensor):
            location = sensor.location_id
            if sensor.kind != kind:
                return False
            if paths and not any((location.parent_path or "").startswith(p) for p in paths):
                return False
            return not profile or location.coldchain_profile_id == profile

        return sensors.filtered(watched)

    def _engine_key(self):
        return f"{self.code}@{self.version}"

    def _engine_rules(self, sensors_by_rule):
        """Engine :class:`Rule` objects of these rule versions.

        ``sensors_by_rule``: {rule record: coldchain.sensor records}.  A monitoring rule
        gives one engine rule per distinct expected interval of its sensors (the engine
        takes one max gap per rule); its engine id is ``code~interval``.
        """
        result = []
        for rule in self:
            common = {
                "version": rule.version,
                "kind": rule.kind,
                "min": rule.limit_min if rule.check_min else None,
                "max": rule.limit_max if rule.check_max else None,
                "inclusive": rule.inclusive,
                "delay_s": round(rule.delay_minutes * 60),
                "budget_s": round(rule.budget_minutes * 60),
                "window_s": round(rule.window_hours * 3600),
                "reset": rule.reset or "rolling",
            }
            sensors = sensors_by_rule.get(rule)
            if rule.kind == "monitoring":
                intervals = {}
                for sensor in sensors or []:
                    intervals.setdefault(sensor.expected_interval, []).append(sensor.id)
                if not intervals and sensors is None:
                    # validation only
                    result.append(
                        (rule, Rule(id=rule.code, **dict(common, min=None, max=None), max_gap_s=1))
                    )
                for interval, ids in sorted(intervals.items()):
                    gap = max(round(interval * (rule.max_gap_factor or 3.0)), 1)
                    engine_rule = Rule(
                        id=f"{rule.code}~{interval}",
                        **dict(common, min=None, max=None),
                        max_gap_s=gap,
                        sensors=tuple(ids),
                    )
                    result.append((rule, engine_rule))
                continue
            ids = None if sensors is None else tuple(sensors.ids)
            if ids == ():
                continue
            result.append((rule, Rule(id=rule.code, **common, sensors=ids)))
        return result

    def _severity_for(self, side, peak, duration_s):
        """Severity of an excursion of this rule (the matrix documented on the class)."""
        self.ensure_one()
        severity = self.severity
        at_risk = False
        if self.risk_duration_minutes and duration_s >= self.risk_duration_minutes * 60:
            at_risk = True
        if self.risk_peak_delta and peak is not None:
            if side == "high" and self.check_max:
                at_risk |= peak - self.limit_max >= self.risk_peak_delta
            elif side == "low" and self.check_min:
                at_risk |= self.limit_min - peak >= self.risk_peak_delta
        return "product_risk" if at_risk else severity

    def action_view_excursions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "coldchain_sites.coldchain_excursion_action"
        )
        action["domain"] = [("rule_id.code", "=", self.code)]
        action["context"] = {}
        return action
