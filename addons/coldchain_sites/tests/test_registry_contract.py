import json
from datetime import UTC, datetime, timedelta

from odoo.tests import freeze_time, tagged

from ..engine import telemetry, telemetry_sql
from .common import ColdchainCase


def _us(naive_utc: datetime) -> int:
    return telemetry.to_us(naive_utc.replace(tzinfo=UTC))


@tagged("post_install", "-at_install")
class TestRegistryContract(ColdchainCase):
    """The ingestion service's SQL runs unchanged against Odoo's real schema.

    The repository-level tests run the same statements against the minimal tables of
    ``telemetry_sql.create_registry_tables``; this test is the other side of that
    contract, so a renamed column breaks a test instead of the service.
    """

    def _registry(self):
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(telemetry_sql.GATEWAYS_QUERY)
        gateways = cr.fetchall()
        cr.execute(telemetry_sql.SENSORS_QUERY)
        return telemetry.Registry.from_rows(gateways, cr.fetchall())

    def test_registry_query_reads_gateways_and_sensors(self):
        registry = self._registry()
        self.assertEqual(registry.gateways["T-GWA"].site, "TSA")
        self.assertEqual(registry.gateways["T-GWA"].heartbeat_interval, 60)
        sensor = registry.sensors["T-A1"]
        self.assertEqual(
            (sensor.id, sensor.gateway_id, sensor.site, sensor.state, sensor.expected_interval),
            (self.sensor_a.id, self.gateway_a.id, "TSA", "active", 60),
        )
        self.assertEqual(sensor.calibration_due, self.calibration.next_due_date)
        self.assertIsNone(registry.sensors["T-B1"].calibration_due)

    def test_calibration_expiry_flags_readings(self):
        validator = telemetry.Validator(self._registry(), telemetry.Limits(retention_days=10_000))
        received = telemetry.to_us(datetime(2026, 1, 12, 0, 5, tzinfo=UTC))
        payload = {
            "readings": [
                {"sensor": "T-A1", "ts": "2026-01-10T23:59:00Z", "value": 5.0},
                {"sensor": "T-A1", "ts": "2026-01-11T00:00:00Z", "value": 5.1},
                {"sensor": "T-A2", "ts": "2026-01-11T00:00:00Z", "value": 5.2},
            ]
        }
        outcome = validator.validate(
            "sites/TSA/gateways/T-GWA/telemetry", json.dumps(payload).encode(), received
        )
        self.assertFalse(outcome.rejections)
        rows = outcome.readings
        self.env.cr.execute(
            telemetry_sql.INSERT_READINGS, [list(column) for column in _columns(rows, received)]
        )
        readings = self.env["coldchain.reading"].search(
            [("gateway_id", "=", self.gateway_a.id)], order="sensor_id, ts"
        )
        self.assertRecordValues(
            readings,
            [
                {"sensor_id": self.sensor_a.id, "value": 5.0, "calibration_expired": False},
                {"sensor_id": self.sensor_a.id, "value": 5.1, "calibration_expired": True},
                # never calibrated: every reading is suspect
                {"sensor_id": self.sensor_a2.id, "value": 5.2, "calibration_expired": True},
            ],
        )
        self.assertTrue(all(readings.mapped("late")))  # received a day later

    def test_liveness_statements_update_odoo_records(self):
        cr = self.env.cr
        seen = datetime(2025, 6, 1, 12, 0)
        self.env.flush_all()
        # liveness statements take epoch microseconds, as the ingest service sends them
        cr.execute(telemetry_sql.TOUCH_SENSORS, [[self.sensor_a.id], [_us(seen)]])
        cr.execute(telemetry_sql.TOUCH_GATEWAYS, [[self.gateway_a.id], [_us(seen)], [True]])
        now = seen + timedelta(minutes=10)
        with freeze_time(now):
            cr.execute(telemetry_sql.SWEEP_SENSORS, {"now": now, "factor": 3})
            silent = [row[0] for row in cr.fetchall()]
            cr.execute(telemetry_sql.SWEEP_GATEWAYS, {"now": now, "factor": 3})
        self.assertEqual(silent, [self.sensor_a.id])
        self.env.invalidate_all()
        self.assertRecordValues(self.sensor_a, [{"state": "offline", "last_seen": seen}])
        self.assertRecordValues(self.gateway_a, [{"state": "offline", "last_seen": seen}])
        events = self.env["coldchain.monitoring.event"].search(
            [("gateway_id", "=", self.gateway_a.id)], order="kind"
        )
        self.assertRecordValues(
            events,
            [
                {"kind": "gateway_silent", "sensor_id": False, "started_at": seen, "is_open": True},
                {
                    "kind": "sensor_silent",
                    "sensor_id": self.sensor_a.id,
                    "started_at": seen,
                    "is_open": True,
                },
            ],
        )
        # the sensor reports again: active, its event closed
        back = seen + timedelta(minutes=11)
        cr.execute(telemetry_sql.TOUCH_SENSORS, [[self.sensor_a.id], [_us(back)]])
        cr.execute(telemetry_sql.GATEWAYS_OFFLINE, [[self.gateway_b.id], [_us(back)]])
        self.env.invalidate_all()
        self.assertEqual(self.sensor_a.state, "active")
        self.assertEqual(self.gateway_b.state, "offline")
        sensor_event = events.filtered(lambda e: e.kind == "sensor_silent")
        self.assertRecordValues(sensor_event, [{"ended_at": back, "is_open": False}])


def _columns(rows, received_us):
    sensor, gateway, ts, value, seq, late, expired = zip(*rows, strict=True)
    return sensor, gateway, ts, value, seq, [received_us] * len(rows), late, expired
