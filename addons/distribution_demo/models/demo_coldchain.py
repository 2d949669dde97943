"""Stage ``coldchain_states``: the cold sites' last day, with excursions in every state.

The readings (``engine/coldchain_states.py``) are inserted the way the ingestion
service inserts them (one statement per batch, outside the ORM, queued for the
evaluation) and the cold chain's own evaluation turns them into excursions,
exposures and holds; people's steps go through the governed actions as the demo's
users: the warehouse operator acknowledges, the quality user signs dispositions
(with their password, which equals their login in the demo) and closes.  What the
users find afterwards:

* closed: Lyon's chilled zone warm for 40 min 20 h ago, its held lots released by a
  signed disposition (Lyon's chilled zone holds lots received through the history's
  purchases at every scale);
* acknowledged: a *monitoring lost* of a Lyon freezer probe (14 h ago) and Lyon's
  chilled zone warm again for 46 min (6 h ago), its lots on hold awaiting a disposition;
* open, escalated (not acknowledged within the tier's time): a Rotterdam freezer
  spike 11 h ago;
* open: the Rotterdam chilled-zone door left open 10 min (3 h ago), a Lyon freezer
  spike 90 min ago;
* calibrations: a Lyon probe due within the week, a Rotterdam probe overdue.

Idempotent: done once per database (``distribution_demo.coldchain_states`` keeps the
anchor used).  On a database whose sensors already report (the live simulator ran),
the day ends at their first stored reading, so the demo's readings never interleave
with live ones.
"""

import logging
from datetime import UTC, datetime, timedelta

from odoo import api, fields, models
from odoo.addons.coldchain_sites.engine import telemetry, telemetry_sql
from odoo.addons.coldchain_sites.models.coldchain_excursion import DEFAULT_ACKNOWLEDGE_MINUTES
from odoo.addons.coldchain_sites.wizards.coldchain_disposition_wizard import PASSWORD_CONTEXT_KEY

from ..engine import coldchain_states as states

_logger = logging.getLogger(__name__)

DONE_PARAM = "distribution_demo.coldchain_states"
DISPOSITION_REASON = (
    "Stability data of the product cover 40 min at 11 °C; the zone's other probe "
    "stayed in range. Released."
)


class DistributionDemoNetworkColdchain(models.AbstractModel):
    _inherit = "distribution.demo.network"  # pylint: disable=consider-merging-classes-inherited

    def _load_coldchain_states(self, plan, anchor):
        env = self.env
        params = env["ir.config_parameter"].sudo()
        if params.get_param(DONE_PARAM):
            return False
        codes = [f"{s.code}-{z.key}" for s in plan.warehouses for z in s.cold_zones]
        sensors = env["coldchain.sensor"].search(
            [("location_id.barcode", "in", codes), ("gateway_id", "!=", False)]
        )
        by_code = {s.code: s for s in sensors}
        missing = {e.sensor for e in states.EPISODES} - set(by_code)
        if missing:
            _logger.warning("demo cold-chain states: sensors missing %s", sorted(missing))
            return False
        anchor = self._coldchain_states_anchor(sensors, anchor)
        anchor_ts = int(anchor.replace(tzinfo=UTC).timestamp())
        users = {
            u.login: u for u in env["res.users"].search([("login", "in", ["warehouse", "quality"])])
        }
        operator, quality = users.get("warehouse"), users.get("quality")
        Excursion = env["coldchain.excursion"]
        split = anchor - timedelta(hours=states.PASS_SPLIT_HOURS)

        # first pass: the older part of the day, handled as people did then
        self._coldchain_states_insert(
            by_code,
            states.series(by_code, anchor_ts, states.HISTORY_HOURS, states.PASS_SPLIT_HOURS),
        )
        env["coldchain.excursion.evaluation"]._evaluate_excursions(now=split)
        closed = self._coldchain_states_excursions(by_code, "closed", anchor)
        silent = self._coldchain_states_excursions(by_code, "silent", anchor)
        escalated = self._coldchain_states_excursions(by_code, "escalated", anchor)
        if operator:
            # the on-call operator acknowledges (their to-do activity), quality decides;
            # quality may not complete the operator's activity (closing an open one)
            (closed | silent).filtered(lambda e: e.state == "open").with_user(
                operator
            ).action_acknowledge()
        if quality and operator:
            held = closed.exposure_ids.filtered("hold").lot_id.filtered("coldchain_hold")
            for lot in held:
                self._coldchain_states_sign(quality, lot)
            closed.filtered(lambda e: e.state != "closed").with_user(quality).action_close()
        # the spike nobody acknowledged within the site's time: escalated by the engine
        late = Excursion.search([("state", "=", "open"), ("alerted_at", "!=", False)])
        if escalated and late == escalated:
            minutes = (
                escalated.warehouse_id.coldchain_tier_id.acknowledge_minutes
                or DEFAULT_ACKNOWLEDGE_MINUTES
            )
            Excursion._escalate_excursions(
                now=max(escalated.mapped("alerted_at")) + timedelta(minutes=minutes)
            )

        # second pass: up to the anchor
        self._coldchain_states_insert(
            by_code, states.series(by_code, anchor_ts, states.PASS_SPLIT_HOURS, 0)
        )
        env["coldchain.excursion.evaluation"]._evaluate_excursions(now=anchor)
        acknowledged = self._coldchain_states_excursions(by_code, "acknowledged", anchor)
        if operator:
            acknowledged.filtered(lambda e: e.state == "open").with_user(
                operator
            ).action_acknowledge()

        self._coldchain_states_calibrations(by_code, anchor)
        params.set_param(DONE_PARAM, fields.Datetime.to_string(anchor))
        _logger.info("demo network: cold-chain day up to %s with excursions in every state", anchor)
        return False

    # ---------------------------------------------------------------------- helpers

    def _coldchain_states_anchor(self, sensors, anchor):
        """The anchor, or the first stored reading of ``sensors`` if that is earlier."""
        self.env.cr.execute(
            "SELECT min(ts) FROM coldchain_reading WHERE sensor_id = ANY(%s)", [sensors.ids]
        )
        first = self.env.cr.fetchone()[0]
        if first is None:
            return anchor
        first = first.astimezone(UTC).replace(tzinfo=None, microsecond=0)
        return min(anchor, first - timedelta(seconds=states.STEP_S))

    def _coldchain_states_insert(self, by_code, rows):
        """One batch of readings, as the ingestion service writes them (queued)."""
        if not rows:
            return
        # received when measured: the gateways were online all day
        ts_us = [telemetry.to_us(datetime.fromtimestamp(ts, UTC)) for _c, ts, _v in rows]
        self.env.cr.execute(
            telemetry_sql.INSERT_READINGS,
            [
                [by_code[code].id for code, _ts, _v in rows],
                [by_code[code].gateway_id.id for code, _ts, _v in rows],
                ts_us,
                [value for _c, _ts, value in rows],
                [None] * len(rows),
                ts_us,
                [False] * len(rows),
                [False] * len(rows),
            ],
        )
        self.env["coldchain.reading"].invalidate_model()

    def _coldchain_states_excursions(self, by_code, purpose, anchor):
        """The excursions the evaluation found for the episode ``purpose``."""
        episode = states.EPISODE_OF[purpose]
        start = anchor - timedelta(minutes=episode.start_min)
        domain = [
            ("sensor_id", "=", by_code[episode.sensor].id),
            ("start", ">=", start - timedelta(minutes=5)),
            ("start", "<=", start + timedelta(minutes=episode.minutes)),
        ]
        return self.env["coldchain.excursion"].search(domain)

    @api.model
    def _coldchain_states_sign(self, quality, lot):
        """A release signed by the quality user through the signing wizard."""
        wizard = (
            self.env["coldchain.disposition.wizard"]
            .with_user(quality)
            .create({"lot_id": lot.id, "decision": "release", "reason": DISPOSITION_REASON})
        )
        wizard.with_context(**{PASSWORD_CONTEXT_KEY: quality.login}).action_sign()

    def _coldchain_states_calibrations(self, by_code, anchor):
        Calibration = self.env["coldchain.calibration"]
        today = anchor.date()
        for item in states.CALIBRATIONS:
            sensor = by_code.get(item.sensor)
            date = today - timedelta(days=item.days_ago)
            if not sensor or Calibration.search_count(
                [("sensor_id", "=", sensor.id), ("date", "=", date)]
            ):
                continue
            Calibration.create(
                {
                    "sensor_id": sensor.id,
                    "date": date,
                    "reference_standard": "PT100 reference REF-2024-117 (ISO 17025)",
                    "result": "pass",
                    "deviation": 0.4 if item.purpose == "due" else 0.1,
                    "next_due_date": today + timedelta(days=item.due_in_days),
                    "performed_by": "Demo Metrology Services",
                    "note": item.note,
                }
            )
