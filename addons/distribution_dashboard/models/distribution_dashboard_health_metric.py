"""Operational health: what is measured (engine/health.py), who owns each metric,
and the activity its owner gets when the threshold is crossed.

The probes read the other addons' records only when those addons are installed
(``model in self.env``): the dashboard depends on the order pipeline alone.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.distribution_orchestration.models.governance import governed_action
from odoo.exceptions import AccessError

from ..engine.health import METRIC_BY_CODE, METRICS, Sample, is_breach
from .distribution_dashboard import GROUP_EXEC

_logger = logging.getLogger(__name__)

METRIC_SELECTION = [(m.code, m.code) for m in METRICS]


class DistributionDashboardHealthMetric(models.Model):
    _name = "distribution.dashboard.health.metric"
    _description = "Health metric: threshold and owner"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "code"
    _rec_name = "code"

    code = fields.Selection(METRIC_SELECTION, required=True, readonly=True)
    description = fields.Char(compute="_compute_description")
    threshold = fields.Float(help="Crossing it raises an activity for the owner.")
    has_threshold = fields.Boolean(string="Alert", default=True)
    owner_id = fields.Many2one("res.users", help="Service ownership: who is told.")
    breached = fields.Boolean(readonly=True, help="Over its threshold at the last check.")
    sample_ids = fields.One2many("distribution.dashboard.health.sample", "metric_id", readonly=True)

    _unique_code = models.Constraint("UNIQUE (code)", "One configuration per metric.")

    @api.depends("code")
    def _compute_description(self):
        for metric in self:
            metric.description = METRIC_BY_CODE[metric.code].help if metric.code else False

    def write(self, vals):
        if "breached" in vals and not self.env.su:
            raise AccessError(self.env._("The health check alone records a breach."))
        return super().write(vals)

    @api.model
    def _ensure(self):
        """One configuration per metric, with its default threshold (superuser: set-up)."""
        existing = set(self.sudo().search([("code", "!=", False)]).mapped("code"))
        self.sudo().create(
            [
                {
                    "code": m.code,
                    "threshold": m.default_threshold or 0.0,
                    "has_threshold": m.default_threshold is not None,
                }
                for m in METRICS
                if m.code not in existing
            ]
        )
        return self.sudo().search([("code", "in", [m.code for m in METRICS])])

    # ------------------------------------------------------------ probes

    @api.model
    def _gather(self, now=None):
        """Every sample, read as superuser (a metric is a count, never a record)."""
        now = now or fields.Datetime.now()
        env = self.sudo().env
        samples = []

        def age(moment):
            return (now - moment).total_seconds() if moment else float("nan")

        if "coldchain.reading" in env:
            [(last,)] = env["coldchain.reading"]._read_group([], [], ["received_at:max"])
            samples.append(Sample("ingestion_lag_seconds", age(last)))
            recent = env["coldchain.reading"].search_count(
                [("received_at", ">=", now - timedelta(minutes=5))]
            )
            samples.append(Sample("ingestion_rate_per_second", recent / 300.0))
        if "coldchain.dead.letter" in env:
            samples.append(Sample("dead_letters", env["coldchain.dead.letter"].search_count([])))
        if "coldchain.excursion.evaluation" in env:
            [(last_run,)] = env["coldchain.excursion.evaluation"]._read_group(
                [], [], ["last_run_at:max"]
            )
            samples.append(Sample("excursion_evaluation_lag_seconds", age(last_run)))
        late_crons = env["ir.cron"].search([("active", "=", True), ("nextcall", "<", now)])
        samples.append(
            Sample("cron_lateness_seconds", max([age(c.nextcall) for c in late_crons], default=0.0))
        )
        if "queue.job" in env:
            for channel, count in env["queue.job"]._read_group(
                [("state", "in", ("pending", "enqueued"))], ["channel"], ["__count"]
            ):
                samples.append(Sample("queue_job_backlog", count, {"channel": channel or "root"}))
        if "wms.exchange" in env:
            for partner, state, count in env["wms.exchange"]._read_group(
                [("state", "in", ("pending", "rejected", "error", "parked"))],
                ["trading_partner_id", "state"],
                ["__count"],
            ):
                code = "edi_exchanges_pending" if state == "pending" else "edi_exchanges_failed"
                samples.append(
                    Sample(code, count, {"partner": partner.name or "?", "state": state})
                )
        oldest = []
        if "coldchain.excursion" in env:
            [(first,)] = env["coldchain.excursion"]._read_group(
                [("state", "=", "open")], [], ["start:min"]
            )
            oldest.append(first)
        [(first_kpi,)] = env["distribution.dashboard.alert"]._read_group(
            [("activity_ids", "!=", False)], [], ["create_date:min"]
        )
        oldest.append(first_kpi)
        oldest = [moment for moment in oldest if moment]
        samples.append(
            Sample("oldest_unacknowledged_alert_seconds", age(min(oldest)) if oldest else 0.0)
        )
        return samples

    # ------------------------------------------------------------ check

    @api.model
    def _check(self, now=None):
        """Store the samples (System health view); an activity for the owner of each
        metric that crosses its threshold, once until it recovers."""
        metrics = {m.code: m for m in self._ensure()}
        samples = self._gather(now)
        Sample_ = self.env["distribution.dashboard.health.sample"].sudo()
        Sample_.search([("id", "!=", False)]).unlink()
        Sample_.create(
            [
                {
                    "metric_id": metrics[s.code].id,
                    "labels": s.label_text,
                    "value": s.value,
                    "breach": metrics[s.code].has_threshold
                    and is_breach(s.code, s.value, metrics[s.code].threshold),
                }
                for s in samples
            ]
        )
        todo = self.env.ref("mail.mail_activity_data_todo")
        for metric in metrics.values():
            breached = any(sample.breach for sample in metric.sample_ids)
            if breached and not metric.breached and metric.owner_id:
                metric.activity_schedule(
                    activity_type_id=todo.id,
                    user_id=metric.owner_id.id,
                    summary=self.env._(
                        "%(metric)s crossed its threshold %(threshold)s",
                        metric=metric.code,
                        threshold=metric.threshold,
                    ),
                )
            if breached != metric.breached:
                metric.write({"breached": breached})
        return samples

    @api.model
    def _cron_check(self):
        self.sudo()._check()

    @api.model
    @governed_action(GROUP_EXEC, rule="reads counts only")
    def action_check_now(self):
        self.sudo()._check()
        return True


class DistributionDashboardHealthSample(models.Model):
    _name = "distribution.dashboard.health.sample"
    _description = "Health metric sample (last check)"
    _order = "breach desc, metric_id, labels"

    metric_id = fields.Many2one(
        "distribution.dashboard.health.metric", required=True, readonly=True, ondelete="cascade"
    )
    code = fields.Selection(related="metric_id.code")
    owner_id = fields.Many2one(related="metric_id.owner_id")
    threshold = fields.Float(related="metric_id.threshold")
    labels = fields.Char(readonly=True)
    value = fields.Float(readonly=True)
    breach = fields.Boolean(readonly=True)
    checked_at = fields.Datetime(related="create_date", string="Checked At")
