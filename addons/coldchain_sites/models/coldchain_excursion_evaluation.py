import logging
import time

import numpy as np

from odoo import api, fields, models

from ..engine.excursion import ExcursionEvaluator, Readings
from ..engine.excursion_replay import DEFAULT_CHECKPOINT_INTERVAL_S, DEFAULT_PAGE_ROWS
from ..engine.excursion_store import create_evaluation_tables, evaluate_queued
from .coldchain_excursion import EXPOSING_KINDS, to_epoch
from .governance import check_governed, governed

_logger = logging.getLogger(__name__)

PARAM_CHUNK_SENSORS = "coldchain_sites.evaluation_chunk_sensors"
PARAM_PAGE_ROWS = "coldchain_sites.evaluation_page_rows"
PARAM_CHECKPOINT_S = "coldchain_sites.evaluation_checkpoint_s"
DEFAULT_CHUNK_SENSORS = 500


class ColdchainExcursionEvaluation(models.Model):
    """State of the scheduled excursion evaluation.

    New readings are known from the queue the ingest transactions fill themselves
    (``coldchain_reading_pending``, committed with the readings: correct whatever the
    order in which concurrent writers commit, see ``telemetry_sql``).  A run moves the
    visible queue entries into a per-sensor work list, then evaluates the work in
    chunks of sensors (``coldchain_sites.evaluation_chunk_sensors``), reading each
    chunk's readings in keyset pages (``coldchain_sites.evaluation_page_rows``):
    memory is bounded by the page, never by the history.  Late readings (at or
    before what was evaluated for the sensor) re-evaluate *that sensor* from its last
    checkpoint before them (kept per sensor every
    ``coldchain_sites.evaluation_checkpoint_s`` seconds of readings), never the
    network; the engine's property tests prove this equals a whole-history
    evaluation (``engine/excursion_replay.py``).  The cron commits after every chunk.

    ``engine_state`` is the engine's carried state (JSON); ``watermark`` the id of the
    last queue entry consumed (information only).  Only the evaluation writes them
    (governance sentinel, see ``governance.py``); refused to everyone else, the
    superuser included.
    """

    _name = "coldchain.excursion.evaluation"
    _description = "Excursion evaluation state"

    name = fields.Char(required=True, default="default")
    watermark = fields.Char(
        string="Last queue entry",
        default="0",
        readonly=True,
        help="Id of the last queue entry of new readings consumed (information only).",
    )
    engine_state = fields.Json(readonly=True)
    last_run_at = fields.Datetime(readonly=True)
    last_run_readings = fields.Integer(readonly=True)
    last_run_events = fields.Integer(readonly=True)
    last_run_seconds = fields.Float(readonly=True, digits=(10, 3))
    last_run_rebuilt = fields.Boolean(
        readonly=True, help="Late readings made the last run re-evaluate some sensors."
    )
    last_run_late_sensors = fields.Integer(
        readonly=True, help="Sensors re-evaluated from a checkpoint by the last run."
    )

    _name_uniq = models.Constraint("UNIQUE (name)", "One evaluation state per name.")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_governed(self, set(vals) - {"name"}, self.env._("The excursion evaluation state"))
        return super().create(vals_list)

    def write(self, vals):
        check_governed(self, set(vals), self.env._("The excursion evaluation state"))
        return super().write(vals)

    @api.model
    def _get_state(self):
        state = self.search([("name", "=", "default")], limit=1)
        return state or self.create({"name": "default"})

    def init(self):
        res = super().init()
        create_evaluation_tables(self.env.cr)
        return res

    @api.model
    def _cron_evaluate_excursions(self):
        self._evaluate_excursions(commit=True)

    @api.model
    def _evaluate_excursions(self, now=None, commit=False):
        """Evaluate the readings that arrived since the last run; returns the excursions
        created or changed.  ``commit`` (the cron): commit after every chunk of
        sensors, so a huge backlog or one failing chunk keeps the work done."""
        started = time.monotonic()
        now = now or fields.Datetime.now()
        # sudo: the evaluation is server code (cron) that sees every site; governed:
        # it writes the state, excursions, exposures and holds
        self = governed(self.sudo())  # noqa: PLW0642
        state_rec = self._get_state()
        cr = self.env.cr
        cr.execute("SELECT max(id) FROM coldchain_reading_pending")
        last_entry = cr.fetchone()[0]
        params = self.env["ir.config_parameter"].sudo()
        chunk = int(params.get_param(PARAM_CHUNK_SENSORS, DEFAULT_CHUNK_SENSORS))
        page_rows = int(params.get_param(PARAM_PAGE_ROWS, DEFAULT_PAGE_ROWS))
        interval = int(params.get_param(PARAM_CHECKPOINT_S, DEFAULT_CHECKPOINT_INTERVAL_S))
        rules = self.env["coldchain.excursion.rule"].sudo().search([("active", "=", True)])
        engine_rules, rules_by_key = self._engine_rules(rules)
        evaluator = ExcursionEvaluator(
            [r for _rule, r in engine_rules], state=state_rec.engine_state or None
        )
        touched = self.env["coldchain.excursion"]
        totals = {"readings": 0, "late": 0, "events": 0}

        def on_chunk(result):
            nonlocal touched
            touched |= self._apply_events(result.events, rules_by_key, now)
            totals["readings"] += result.readings
            totals["late"] += result.late_sensors
            totals["events"] += len(result.events)
            if result.late_sensors:
                _logger.info(
                    "excursions: late readings, %s sensor(s) re-evaluated from a checkpoint",
                    result.late_sensors,
                )
            state_rec.write({"engine_state": evaluator.state()})
            if commit:
                # like Odoo's own scheduler: a long cron keeps the chunks it finished
                cr.commit()  # pylint: disable=invalid-commit

        evaluate_queued(
            cr, evaluator, chunk_sensors=chunk, page_rows=page_rows,
            checkpoint_interval_s=interval, on_chunk=on_chunk,
        )  # fmt: skip
        readings, late, events = totals["readings"], totals["late"], totals["events"]
        # monitoring rules announce the silences still open at ``now``
        gaps = evaluator.evaluate(_no_readings(), now=to_epoch(now)).events()
        touched |= self._apply_events(gaps, rules_by_key, now)
        vals = {
            "engine_state": evaluator.state(),
            "last_run_at": now,
            "last_run_readings": readings,
            "last_run_events": events + len(gaps),
            "last_run_seconds": time.monotonic() - started,
            "last_run_rebuilt": bool(late),
            "last_run_late_sensors": late,
        }
        if last_entry:
            vals["watermark"] = str(last_entry)
        state_rec.write(vals)
        return touched

    @api.model
    def _apply_events(self, events, rules_by_key, now):
        """Upsert engine events; exposures, alerts and notifications follow."""
        if not events:
            return self.env["coldchain.excursion"]
        Excursion = self.env["coldchain.excursion"]
        sensors = self.env["coldchain.sensor"].sudo().browse(sorted({e.sensor for e in events}))
        new, changed, previous = Excursion._upsert_events(events, rules_by_key, sensors)
        touched = new | changed
        exposing = touched.filtered(
            lambda e: e.category == "excursion" and e.kind in EXPOSING_KINDS
        )
        self.env["coldchain.excursion.exposure"]._compute_for(exposing, now)
        new._send_alerts()
        changed._notify_changes(previous)
        return touched

    @api.model
    def _engine_rules(self, rules):
        """Engine rules of the active rule versions, scoped to their sensors."""
        sensors = (
            self.env["coldchain.sensor"]
            .sudo()
            .search([("kind", "in", ("temperature", "door")), ("state", "!=", "retired")])
        )
        sensors_by_rule = {rule: rule._filter_sensors(sensors) for rule in rules}
        engine_rules = rules._engine_rules(sensors_by_rule)
        rules_by_key = {r.state_key: rule for rule, r in engine_rules}
        return engine_rules, rules_by_key


def _no_readings():
    empty = np.zeros(0, dtype=np.int64)
    return Readings(empty, empty, np.zeros(0), np.zeros(0, dtype=np.int8))
