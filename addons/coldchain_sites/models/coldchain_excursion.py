import logging
from datetime import UTC, datetime, timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_datetime

from ..engine import messages as engine_messages
from .coldchain_excursion_rule import KINDS, SEVERITIES, SEVERITY_RANK
from .governance import (
    GROUP_OPERATOR,
    GROUP_QUALITY,
    check_governed,
    check_sites,
    governed,
    governed_action,
    is_governed,
)
from .reason_text import render_reason

_logger = logging.getLogger(__name__)

# Default acknowledgement SLA (minutes) of a site without a service tier.
DEFAULT_ACKNOWLEDGE_MINUTES = 30
# Rule kinds whose excursions expose stock to a temperature (door and monitoring do not).
EXPOSING_KINDS = ("threshold", "delay", "budget", "mkt", "rate")
# Fields anyone who may post on the excursion may write (mail's own bookkeeping);
# every other field is evidence, written by the evaluation or a governed action only.
MAIL_FIELD_PREFIXES = ("message_", "activity_")


def to_datetime(epoch):
    """Epoch seconds to a naive UTC datetime (Odoo's convention)."""
    if epoch is None:
        return False
    return datetime.fromtimestamp(int(epoch), UTC).replace(tzinfo=None)


def to_epoch(value):
    return int(value.replace(tzinfo=UTC).timestamp())


class ColdchainExcursion(models.Model):
    """One excursion (or monitoring-lost event) of one sensor under one rule version.

    Written by the scheduled evaluation (``coldchain.excursion.evaluation``) and
    upserted by the engine's key (rule version, sensor, start).  People only move its
    state (open → acknowledged → under review → closed) through the action methods,
    which check the caller's group, company and site; every field is evidence and
    refuses any other write, the superuser's included (governance sentinel, see
    ``governance.py``).  Excursions are never deleted, and their timeline (chatter)
    is never edited: people post new messages.
    """

    _name = "coldchain.excursion"
    _description = "Temperature excursion"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "start desc, id desc"
    # operators read excursions (ACL) and act through methods; they comment, follow
    # and complete activities with read access
    _mail_post_access = "read"

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    category = fields.Selection(
        [("excursion", "Excursion"), ("monitoring_lost", "Monitoring lost")],
        required=True,
        default="excursion",
        readonly=True,
    )
    rule_id = fields.Many2one(
        "coldchain.excursion.rule",
        string="Rule version",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        context={"active_test": False},
    )
    rule_code = fields.Char(related="rule_id.code", store=True, string="Rule")
    rule_version = fields.Integer(related="rule_id.version", store=True)
    kind = fields.Selection(KINDS, readonly=True)
    sensor_id = fields.Many2one(
        "coldchain.sensor", required=True, readonly=True, index=True, ondelete="restrict"
    )
    location_id = fields.Many2one("stock.location", string="Zone", readonly=True, index=True)
    warehouse_id = fields.Many2one("stock.warehouse", string="Site", readonly=True, index=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    side = fields.Selection(
        [
            ("high", "Above"),
            ("low", "Below"),
            ("rise", "Rising"),
            ("fall", "Falling"),
            ("open", "Door open"),
            ("gap", "No readings"),
        ],
        readonly=True,
    )
    start_ts = fields.Integer(string="Start (epoch)", readonly=True, required=True)
    start = fields.Datetime(readonly=True, required=True)
    end = fields.Datetime(readonly=True, help="Empty while the excursion is ongoing.")
    trigger_at = fields.Datetime(string="Triggered at", readonly=True)
    is_open = fields.Boolean(string="Ongoing", readonly=True)
    cancelled = fields.Boolean(
        readonly=True,
        help="A silence announced while readings were missing, cancelled when late "
        "readings (a gateway's store-and-forward backfill) filled the gap: no reading "
        "was lost.  Not an incident: it has no end, nothing to acknowledge.",
    )
    peak = fields.Float(readonly=True, digits=(6, 2))
    duration_s = fields.Integer(string="Duration (s)", readonly=True)
    time_out_of_range_s = fields.Integer(string="Time out of range (s)", readonly=True)
    duration_display = fields.Char(string="Duration", compute="_compute_duration_display")
    mkt = fields.Float(string="MKT (°C)", readonly=True, digits=(6, 2))
    metric = fields.Float(readonly=True, digits=(10, 2))
    severity = fields.Selection(SEVERITIES, required=True, readonly=True, tracking=True)
    reason_code = fields.Char(
        readonly=True, help="Code of the explanation (engine/messages.py of coldchain_sites)."
    )
    reason_params = fields.Json(
        string="Reason Parameters",
        readonly=True,
        help="Figures of the explanation, rendered in the reader's language.",
    )
    explanation = fields.Text(
        compute="_compute_explanation", help="What happened against the rule, in your language."
    )
    alert_lang = fields.Char(
        string="Alert Language",
        compute="_compute_alert_lang",
        compute_sudo=True,
        help="Language of the alerts: the one the site's on-call contacts share, else the "
        "company's.",
    )
    state = fields.Selection(
        [
            ("open", "Open"),
            ("acknowledged", "Acknowledged"),
            ("review", "Under review"),
            ("closed", "Closed"),
        ],
        default="open",
        required=True,
        readonly=True,
        tracking=True,
        group_expand="_group_expand_state",
    )
    acknowledged_by = fields.Many2one("res.users", readonly=True, tracking=True)
    acknowledged_at = fields.Datetime(readonly=True)
    closed_by = fields.Many2one("res.users", readonly=True)
    closed_at = fields.Datetime(readonly=True)
    alerted_at = fields.Datetime(readonly=True, copy=False)
    escalated_at = fields.Datetime(readonly=True, copy=False)
    exposure_ids = fields.One2many("coldchain.excursion.exposure", "excursion_id", readonly=True)
    exposure_count = fields.Integer(compute="_compute_counts")
    picking_ids = fields.Many2many(
        "stock.picking",
        "coldchain_excursion_picking_rel",
        "excursion_id",
        "picking_id",
        string="Shipments",
        readonly=True,
    )
    picking_count = fields.Integer(compute="_compute_counts")
    held_lot_count = fields.Integer(compute="_compute_counts")

    _key_uniq = models.Constraint(
        "UNIQUE (rule_id, sensor_id, start_ts)", "An excursion is unique per rule, sensor, start."
    )

    @api.model
    def _group_expand_state(self, states, domain):
        return [key for key, _label in self._fields["state"].selection]

    @api.model_create_multi
    def create(self, vals_list):
        if not is_governed(self):
            raise AccessError(
                self.env._("Excursions are created by the excursion evaluation only.")
            )
        sequence = self.env["ir.sequence"]
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = sequence.next_by_code("coldchain.excursion") or "/"
        return super().create(vals_list)

    def write(self, vals):
        check_governed(
            self,
            {name for name in vals if not name.startswith(MAIL_FIELD_PREFIXES)},
            self.env._("An excursion"),
        )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Excursions are evidence and cannot be deleted."))

    def _check_can_update_message_content(self, messages):
        raise UserError(
            self.env._(
                "The timeline of an excursion is evidence: post a new message instead of "
                "changing or deleting one."
            )
        )

    @api.depends_context("lang")
    @api.depends("reason_code", "reason_params")
    def _compute_explanation(self):
        for excursion in self:
            excursion.explanation = render_reason(
                self.env, excursion.reason_code, excursion.reason_params
            )

    @api.depends("warehouse_id.coldchain_oncall_partner_ids.lang", "company_id.partner_id.lang")
    def _compute_alert_lang(self):
        for excursion in self:
            excursion.alert_lang = excursion._lang_of(excursion._alert_partners())

    def _lang_of(self, partners):
        """The language ``partners`` share, else the company's (else English): alerts,
        escalations and their to-dos are written in it."""
        self.ensure_one()
        langs = set(partners.mapped("lang")) - {False}
        if len(langs) == 1:
            return langs.pop()
        return self.company_id.partner_id.lang or "en_US"

    def _in_lang(self, lang):
        """This excursion in an environment of language ``lang`` (messages written in it)."""
        return self.with_context(lang=lang or "en_US")

    @api.depends("duration_s")
    def _compute_duration_display(self):
        for excursion in self:
            minutes, seconds = divmod(excursion.duration_s or 0, 60)
            hours, minutes = divmod(minutes, 60)
            excursion.duration_display = f"{hours}:{minutes:02d}:{seconds:02d}"

    def _compute_counts(self):
        for excursion in self:
            excursion.exposure_count = len(excursion.exposure_ids)
            excursion.picking_count = len(excursion.picking_ids)
            excursion.held_lot_count = len(excursion.exposure_ids.filtered("hold"))

    # --------------------------------------------------------------- workflow

    @governed_action(GROUP_OPERATOR, rule="excursions of the caller's companies and sites")
    def action_acknowledge(self):
        """Operators of the excursions' sites (and quality): open → acknowledged."""
        check_sites(self, self.env._("Acknowledge"))
        self._acknowledge()
        return True

    def _acknowledge(self):
        todo = self.filtered(lambda e: e.state == "open")
        # sudo: operators only read excursions (ACL); the caller's group and sites
        # were checked by the public action; governed: the state is evidence
        governed(todo.sudo()).write(
            {
                "state": "acknowledged",
                "acknowledged_by": self.env.user.id,
                "acknowledged_at": fields.Datetime.now(),
            }
        )
        todo.activity_feedback(
            ["mail.mail_activity_data_todo"],
            feedback=self.env._("Acknowledged by %(user)s", user=self.env.user.name),
        )
        return todo

    @governed_action(
        GROUP_QUALITY, rule="excursions of the caller's companies and sites; open or acknowledged"
    )
    def action_review(self):
        """Quality of the excursions' sites: open/acknowledged → under review."""
        check_sites(self, self.env._("Start review"))
        if self.filtered(lambda e: e.state not in ("open", "acknowledged")):
            raise UserError(self.env._("Only open or acknowledged excursions go to review."))
        self._acknowledge()
        # sudo, governed: as in _acknowledge (quality checked above)
        governed(self.sudo()).write({"state": "review"})
        return True

    @governed_action(
        GROUP_QUALITY,
        rule="excursions of the caller's companies and sites; ended; no exposed lot on hold",
    )
    def action_close(self):
        """Quality of the excursions' sites: → closed, once no exposed lot is held."""
        check_sites(self, self.env._("Close"))
        if self.filtered("is_open"):
            raise UserError(self.env._("An ongoing excursion cannot be closed."))
        held = self.exposure_ids.filtered("hold").lot_id.filtered("coldchain_hold")
        if held:
            raise UserError(
                self.env._(
                    "Sign a disposition for the held lots first: %(lots)s",
                    lots=", ".join(held.mapped("display_name")),
                )
            )
        self._acknowledge()
        # sudo, governed: as in _acknowledge (quality checked above)
        governed(self.sudo()).write(
            {"state": "closed", "closed_by": self.env.user.id, "closed_at": fields.Datetime.now()}
        )
        return True

    def action_view_pickings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.action_picking_tree_all")
        action["domain"] = [("id", "in", self.picking_ids.ids)]
        action["context"] = {}
        return action

    def action_view_exposure(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "coldchain_sites.coldchain_excursion_exposure_action"
        )
        action["domain"] = [("excursion_id", "=", self.id)]
        return action

    # ---------------------------------------------------------------- upsert

    @api.model
    def _upsert_events(self, events, rules_by_key, sensors):
        """Create or update excursions from engine events (the evaluation only).

        Returns (new, changed, previous values of the changed ones).

        ``rules_by_key``: engine rule id@version → rule record; ``sensors``: the
        coldchain.sensor records involved (browsed once).
        """
        sensor_by_id = {s.id: s for s in sensors}
        keyed = {}
        void_keys = set()
        for event in events:
            rule = rules_by_key[f"{event.rule_id}@{event.rule_version}"]
            key = (rule.id, event.sensor, int(event.start_ts))
            if event.void:
                void_keys.add(key)
                keyed.pop(key, None)
            else:
                keyed[key] = (rule, event)
                void_keys.discard(key)
        all_keys = set(keyed) | void_keys
        if not all_keys:
            return self.browse(), self.browse(), {}
        existing = self.search(
            [
                ("rule_id", "in", list({k[0] for k in all_keys})),
                ("sensor_id", "in", list({k[1] for k in all_keys})),
                ("start_ts", "in", list({k[2] for k in all_keys})),
            ]
        )
        by_key = {(e.rule_id.id, e.sensor_id.id, e.start_ts): e for e in existing}
        voided = self.browse([by_key[k].id for k in void_keys if k in by_key])
        if voided:
            # a silence announced open, cancelled by readings that came in late
            for excursion in voided:
                local = excursion._in_lang(excursion.alert_lang)
                local.message_post(body=local.env._("Cancelled: late readings filled the gap."))
            governed(voided).write({"state": "closed", "is_open": False, "cancelled": True})
            # nothing left to acknowledge: the alert's to-do goes with it
            voided.activity_unlink(["mail.mail_activity_data_todo"])
        create_vals, changed, previous = [], self.browse(), {}
        for key, (rule, event) in keyed.items():
            sensor = sensor_by_id[event.sensor]
            vals = self._event_values(rule, event, sensor)
            record = by_key.get(key)
            if record is None:
                create_vals.append(vals)
                continue
            if SEVERITY_RANK[record.severity] > SEVERITY_RANK[vals["severity"]]:
                vals["severity"] = record.severity  # severity never goes down
            updates = {k: v for k, v in vals.items() if k in UPDATABLE and record[k] != v}
            if updates:
                previous[record.id] = {"severity": record.severity, "is_open": record.is_open}
                governed(record).write(updates)
                changed |= record
        new = governed(self).create(create_vals)
        return new, changed, previous

    @api.model
    def _event_values(self, rule, event, sensor):
        category = "monitoring_lost" if event.kind == "monitoring" else "excursion"
        reason_code, reason_params = self._explain(rule, event, sensor)
        return {
            "category": category,
            "rule_id": rule.id,
            "kind": rule.kind,
            "sensor_id": sensor.id,
            "location_id": sensor.location_id.id,
            "warehouse_id": sensor.warehouse_id.id,
            "company_id": sensor.company_id.id,
            "side": event.side,
            "start_ts": int(event.start_ts),
            "start": to_datetime(event.start_ts),
            "end": to_datetime(event.end_ts),
            "trigger_at": to_datetime(event.trigger_ts),
            "is_open": bool(event.is_open),
            "peak": event.peak or 0.0,
            "duration_s": int(event.duration_s),
            "time_out_of_range_s": int(event.time_out_of_range_s),
            "mkt": event.mkt or 0.0,
            "metric": event.metric or 0.0,
            "severity": rule._severity_for(event.side, event.peak, int(event.duration_s)),
            "reason_code": reason_code,
            "reason_params": reason_params,
        }

    @api.model
    def _explain(self, rule, event, sensor):
        """(code, params) of the explanation of ``event`` against the rule version that
        fired, as this sensor sees it (a monitoring rule's silence depends on the
        sensor's interval); (False, None) when the rule gives no engine rule."""
        engine_rules = rule._engine_rules({rule: sensor})
        if not engine_rules:
            return False, None
        return engine_messages.explain(event, engine_rules[0][1])

    def _tolerated_by(self, profile):
        """Whether a product stored at ``profile`` tolerates what this excursion reached."""
        self.ensure_one()
        if not profile:
            return False
        value = self.mkt if self.kind == "mkt" else self.peak
        if self.side in ("high", "rise"):
            return value <= profile.temp_max
        if self.side in ("low", "fall"):
            return value >= profile.temp_min
        return False

    def _window(self, now):
        """(start, end) epoch seconds of the exposure window (ongoing: up to ``now``)."""
        self.ensure_one()
        end = to_epoch(self.end) if self.end else max(to_epoch(now), self.start_ts)
        return self.start_ts, end

    # ---------------------------------------------------------------- alerts

    def _alert_partners(self):
        self.ensure_one()
        return self.warehouse_id.coldchain_oncall_partner_ids

    def _send_alerts(self):
        """First alert of new excursions: follower, activity, email, notification.

        One alert per excursion (``alerted_at``); later changes are chatter messages
        (:meth:`_notify_changes`)."""
        template = self.env.ref(
            "coldchain_sites.coldchain_excursion_mail_template_alert", raise_if_not_found=False
        )
        now = fields.Datetime.now()
        to_alert = self.filtered(lambda e: not e.alerted_at and e.state == "open")
        for excursion in to_alert:
            partners = excursion._alert_partners()
            if partners:
                excursion.message_subscribe(partner_ids=partners.ids)
            # written in the on-call contacts' language (the template's lang says so too)
            local = excursion._in_lang(excursion.alert_lang)
            users = partners.user_ids
            if users:
                local.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=local.env._("Acknowledge excursion %(name)s", name=excursion.name),
                    user_id=users[0].id,
                )
            if template and partners:
                local.message_post_with_source(
                    template,
                    subtype_xmlid="mail.mt_comment",
                    partner_ids=partners.ids,
                )
            elif partners:
                local.message_post(
                    body=local._alert_summary(),
                    partner_ids=partners.ids,
                    subtype_xmlid="mail.mt_comment",
                    message_type="notification",
                )
        governed(to_alert).write({"alerted_at": now})
        return to_alert

    def _selection_label(self, name):
        """The label of selection field ``name``'s value in this environment's language."""
        self.ensure_one()
        labels = dict(self._fields[name]._description_selection(self.env))
        return labels.get(self[name], self[name] or "")

    def _alert_summary(self):
        """The alert in one paragraph, in this environment's language."""
        self.ensure_one()
        return self.env._(
            "%(severity)s: %(kind)s on %(sensor)s in %(zone)s since %(start)s. %(explanation)s",
            severity=self._selection_label("severity"),
            kind=self._selection_label("kind"),
            sensor=self.sensor_id.display_name,
            zone=self.location_id.display_name or "",
            start=format_datetime(self.env, self.start),
            explanation=self.explanation,
        )

    def _notify_changes(self, old_values):
        """Post the evolution of alerted excursions on their chatter (same thread)."""
        for excursion in self.filtered("alerted_at"):
            old = old_values.get(excursion.id)
            if not old:
                continue
            local = excursion._in_lang(excursion.alert_lang)
            if old["severity"] != excursion.severity:
                local.message_post(
                    body=local.env._(
                        "Severity raised to %(severity)s. %(explanation)s",
                        severity=local._selection_label("severity"),
                        explanation=local.explanation,
                    ),
                    partner_ids=excursion._alert_partners().ids,
                    subtype_xmlid="mail.mt_comment",
                )
            elif old["is_open"] and not excursion.is_open:
                local.message_post(
                    body=local.env._(
                        "Back in range at %(end)s. %(explanation)s",
                        end=format_datetime(local.env, excursion.end),
                        explanation=local.explanation,
                    ),
                    subtype_xmlid="mail.mt_note",
                )

    @api.model
    def _cron_escalate_excursions(self):
        self._escalate_excursions()

    @api.model
    def _escalate_excursions(self, now=None):
        """Escalate alerted excursions not acknowledged within their site's SLA."""
        now = now or fields.Datetime.now()
        candidates = self.search(
            [("state", "=", "open"), ("alerted_at", "!=", False), ("escalated_at", "=", False)]
        )
        overdue = candidates.filtered(
            lambda e: (
                e.alerted_at
                + timedelta(
                    minutes=e.warehouse_id.coldchain_tier_id.acknowledge_minutes
                    or DEFAULT_ACKNOWLEDGE_MINUTES
                )
                <= now
            )
        )
        quality = self.env.ref("coldchain_sites.group_coldchain_quality").all_user_ids
        for excursion in overdue:
            partners = (
                excursion.warehouse_id.coldchain_escalation_partner_ids
                or quality.filtered_domain(
                    [("company_ids", "in", excursion.company_id.ids)]
                ).partner_id
            )
            excursion.message_subscribe(partner_ids=partners.ids)
            # written in the escalation contacts' language
            local = excursion._in_lang(excursion._lang_of(partners))
            local.message_post(
                body=local.env._(
                    "Escalated: not acknowledged within %(minutes)s minutes. %(explanation)s",
                    minutes=excursion.warehouse_id.coldchain_tier_id.acknowledge_minutes
                    or DEFAULT_ACKNOWLEDGE_MINUTES,
                    explanation=local.explanation,
                ),
                partner_ids=partners.ids,
                subtype_xmlid="mail.mt_comment",
            )
            users = partners.user_ids
            if users:
                local.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=local.env._("Escalated excursion %(name)s", name=excursion.name),
                    user_id=users[0].id,
                )
        governed(overdue).write({"escalated_at": now})
        return overdue


UPDATABLE = frozenset(
    {
        "reason_code",
        "reason_params",
        "end",
        "is_open",
        "peak",
        "duration_s",
        "time_out_of_range_s",
        "mkt",
        "metric",
        "severity",
        "trigger_at",
    }
)
