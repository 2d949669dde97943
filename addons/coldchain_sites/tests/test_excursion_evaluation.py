import numpy as np

from odoo.tests import tagged

from ..engine.excursion import Readings, evaluate_history
from ..models.coldchain_excursion import to_epoch
from .excursion_common import ExcursionCase, at, naive


@tagged("post_install", "-at_install")
class TestExcursionEvaluation(ExcursionCase):
    def test_closed_excursion_with_rule_version_and_severity(self):
        self.insert_readings(self.warm_spell())
        self.evaluate(95)
        instant = self.excursions(self.rule_instant)
        self.assertRecordValues(
            instant,
            [
                {
                    "category": "excursion",
                    "rule_version": 1,
                    "location_id": self.zone_a.id,
                    "warehouse_id": self.site_a.id,
                    "side": "high",
                    "start": naive(30),
                    "end": naive(60),
                    "is_open": False,
                    "peak": 12.0,
                    "duration_s": 1800,
                    "time_out_of_range_s": 1800,
                    "severity": "operator",
                    "state": "open",
                }
            ],
        )
        delay = self.excursions(self.rule_delay)
        self.assertRecordValues(
            delay,
            [{"trigger_at": naive(45), "severity": "product_risk", "duration_s": 1800}],
        )
        self.assertFalse(self.excursions(self.rule_monitoring))

    def test_excursion_still_open(self):
        self.insert_readings(self.warm_spell(back_at=None))
        self.evaluate(90)
        excursion = self.excursions(self.rule_instant)
        self.assertRecordValues(
            excursion, [{"is_open": True, "end": False, "start": naive(30), "duration_s": 3300}]
        )
        # back in range later: the same record is closed (upsert by key)
        self.insert_readings(self.readings(self.sensor_a, 90, 100, 5, 5.0))
        self.evaluate(100)
        self.assertEqual(self.excursions(self.rule_instant), excursion)
        self.assertRecordValues(excursion, [{"is_open": False, "end": naive(90)}])

    def test_silent_sensor_is_monitoring_lost_not_an_excursion(self):
        self.insert_readings(self.readings(self.sensor_a2, 0, 10, 1, 5.0))
        self.evaluate(30)
        events = self.excursions(sensor=self.sensor_a2)
        self.assertRecordValues(
            events,
            [
                {
                    "category": "monitoring_lost",
                    "rule_id": self.rule_monitoring.id,
                    "side": "gap",
                    "start": naive(9),
                    "is_open": True,
                }
            ],
        )
        self.assertFalse(events.exposure_ids)

    def test_silences_cancelled_by_late_readings_of_several_sensors(self):
        # the site's operator is on call: each silence announced gets its to-do
        self.site_a.coldchain_oncall_partner_ids = self.operator.partner_id
        # both sensors go silent: two "monitoring lost" events are announced open...
        for sensor in (self.sensor_a, self.sensor_a2):
            self.insert_readings(self.readings(sensor, 0, 10, 1, 5.0))
        self.evaluate(30)
        silences = self.excursions(self.rule_monitoring, sensor=self.sensor_a) | self.excursions(
            self.rule_monitoring, sensor=self.sensor_a2
        )
        self.assertEqual(len(silences), 2)
        self.assertTrue(all(silences.mapped("is_open")))
        self.assertEqual(len(silences.activity_ids), 2)
        # ...then their gateway's store-and-forward backfill fills both gaps
        for sensor in (self.sensor_a, self.sensor_a2):
            self.insert_readings(self.readings(sensor, 10, 31, 1, 5.0))
        self.evaluate(31)
        self.assertRecordValues(
            silences, [{"state": "closed", "is_open": False, "cancelled": True}] * 2
        )
        # nothing is left to acknowledge: the alert's to-dos are gone
        self.assertFalse(silences.activity_ids)
        self.assertFalse(
            self.env["mail.activity"].search(
                [("res_model", "=", "coldchain.excursion"), ("res_id", "in", silences.ids)]
            )
        )

    def test_two_runs_equal_one_run_over_all_readings(self):
        rows = self.warm_spell() + self.readings(self.sensor_a2, 0, 120, 1, 5.0)
        rows += self.readings(self.sensor_a2, 120, 180, 20, 9.0)  # warm and sparse: gaps
        cut = at(45)
        self.insert_readings([r for r in rows if r[1] < cut])
        self.evaluate(45)
        self.insert_readings([r for r in rows if r[1] >= cut])
        self.evaluate(200)
        records = self.env["coldchain.excursion"].search(
            [("sensor_id", "in", (self.sensor_a | self.sensor_a2).ids)]
        )
        got = {
            (e.rule_id.code, e.sensor_id.id, e.start_ts): (
                to_epoch(e.end) if e.end else None,
                e.duration_s,
                e.is_open,
            )
            for e in records
        }
        engine_rules, _by_key = self.evaluation._engine_rules(
            self.rule_instant | self.rule_delay | self.rule_monitoring
        )
        readings = Readings(
            np.array([s.id for s, _ts, _v in rows]),
            np.array([int(ts.timestamp()) for _s, ts, _v in rows]),
            np.array([v for _s, _ts, v in rows]),
        )
        events = evaluate_history(
            readings, [r for _rule, r in engine_rules], now=to_epoch(naive(200))
        )
        expected = {
            (e.rule_id.split("~")[0], e.sensor, e.start_ts): (e.end_ts, e.duration_s, e.is_open)
            for e in events
        }
        self.assertTrue(any(key[0] == "T-MON" for key in expected))
        self.assertTrue(any(key[0] == "T-DELAY15" for key in expected))
        self.assertEqual(got, expected)
