import logging
import time

import numpy as np

from odoo import api, fields, models

from ..engine.excursion import ExcursionEvaluator, Readings
from ..engine.excursion_types import CHANNEL_DOOR, CHANNEL_TEMPERATURE
from .coldchain_excursion import EXPOSING_KINDS, to_epoch
from .governance import check_governed, governed

_logger = logging.getLogger(__name__)

# Readings newer than the watermark, as engine columns: sensor id = engine index.
NEW_READINGS_QUERY = """
SELECT r.id, r.sensor_id, extract(epoch FROM r.ts)::bigint, r.value,
       CASE WHEN s.kind = 'door' THEN %(door)s ELSE %(temperature)s END
  FROM coldchain_reading r
  JOIN coldchain_sensor s ON s.id = r.sensor_id
 WHERE r.id > %(watermark)s AND r.id <= %(upto)s AND s.kind IN ('temperature', 'door')
"""
HISTORY_QUERY = """
SELECT r.id, r.sensor_id, extract(epoch FROM r.ts)::bigint, r.value,
       CASE WHEN s.kind = 'door' THEN %(door)s ELSE %(temperature)s END
  FROM coldchain_reading r
  JOIN coldchain_sensor s ON s.id = r.sensor_id
 WHERE r.id <= %(upto)s AND s.kind IN ('temperature', 'door')
"""


class ColdchainExcursionEvaluation(models.Model):
    """State of the scheduled excursion evaluation.

    ``watermark`` is the id of the last reading evaluated; ``engine_state`` the
    engine's carried state (JSON).  Each run reads the readings with a larger id in
    one query, evaluates them with the restored state, and upserts the events:
    two runs give the same excursions as one run over all readings.  Readings that
    arrive for a sensor older than what was already evaluated (store-and-forward
    backfill) make the run re-evaluate the whole history with a fresh engine.

    The watermark and state decide which readings are evaluated: only the evaluation
    writes them (governance sentinel, see ``governance.py``); moving the watermark by
    hand would skip readings, so it is refused to everyone, the superuser included.
    """

    _name = "coldchain.excursion.evaluation"
    _description = "Excursion evaluation state"

    name = fields.Char(required=True, default="default")
    watermark = fields.Char(
        string="Last reading id", default="0", readonly=True, help="Readings ids are bigint."
    )
    engine_state = fields.Json(readonly=True)
    last_run_at = fields.Datetime(readonly=True)
    last_run_readings = fields.Integer(readonly=True)
    last_run_events = fields.Integer(readonly=True)
    last_run_seconds = fields.Float(readonly=True, digits=(10, 3))
    last_run_rebuilt = fields.Boolean(
        readonly=True, help="Late readings made the last run re-evaluate the history."
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

    @api.model
    def _cron_evaluate_excursions(self):
        self._evaluate_excursions()

    @api.model
    def _evaluate_excursions(self, now=None):
        """Evaluate the readings that arrived since the last run; returns the excursions
        created or changed."""
        started = time.monotonic()
        now = now or fields.Datetime.now()
        # sudo: the evaluation is server code (cron) that sees every site; governed:
        # it writes the watermark, excursions, exposures and holds
        self = governed(self.sudo())  # noqa: PLW0642
        state_rec = self._get_state()
        cr = self.env.cr
        cr.execute("SELECT coalesce(max(id), 0) FROM coldchain_reading")
        upto = cr.fetchone()[0]
        watermark = int(state_rec.watermark or 0)
        rules = self.env["coldchain.excursion.rule"].sudo().search([("active", "=", True)])
        engine_rules, rules_by_key = self._engine_rules(rules)
        evaluator = ExcursionEvaluator(
            [r for _rule, r in engine_rules], state=state_rec.engine_state or None
        )
        params = {
            "watermark": watermark,
            "upto": upto,
            "door": CHANNEL_DOOR,
            "temperature": CHANNEL_TEMPERATURE,
        }
        readings = self._fetch_readings(NEW_READINGS_QUERY, params)
        result = evaluator.evaluate(readings, now=to_epoch(now))
        rebuilt = False
        if result.late:
            _logger.info("excursions: %s late readings, re-evaluating the history", result.late)
            evaluator = ExcursionEvaluator([r for _rule, r in engine_rules])
            result = evaluator.evaluate(
                self._fetch_readings(HISTORY_QUERY, params), now=to_epoch(now)
            )
            rebuilt = True
        events = result.events()
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
        state_rec.write(
            {
                "watermark": str(upto),
                "engine_state": evaluator.state(),
                "last_run_at": now,
                "last_run_readings": len(readings),
                "last_run_events": len(events),
                "last_run_seconds": time.monotonic() - started,
                "last_run_rebuilt": rebuilt,
            }
        )
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

    @api.model
    def _fetch_readings(self, query, params):
        cr = self.env.cr
        cr.execute(query, params)
        rows = cr.fetchall()
        if not rows:
            empty = np.zeros(0)
            return Readings(empty, empty, empty, empty)
        _ids, sensor, ts, value, channel = zip(*rows, strict=True)
        return Readings(np.array(sensor), np.array(ts), np.array(value), np.array(channel))
