from datetime import date

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import freeze_time, tagged

from .common import ColdchainCase


@tagged("post_install", "-at_install")
class TestCalibration(ColdchainCase):
    """Calibration records drive the sensor's status and are immutable evidence."""

    def test_status_follows_the_due_date(self):
        for today, status in (
            ("2025-06-01", "ok"),
            ("2025-12-20", "due"),
            ("2026-01-10", "due"),
            ("2026-01-11", "expired"),
        ):
            with self.subTest(today=today), freeze_time(today):
                self.sensor_a.invalidate_recordset(["calibration_status"])
                self.assertEqual(self.sensor_a.calibration_status, status)

    def test_sensor_without_calibration_is_expired(self):
        self.assertFalse(self.sensor_b.calibration_due_date)
        self.assertEqual(self.sensor_b.calibration_status, "expired")
        with freeze_time("2025-06-01"):
            expired = self.env["coldchain.sensor"].search(
                [
                    ("calibration_status", "=", "expired"),
                    ("id", "in", (self.sensor_a | self.sensor_b).ids),
                ]
            )
        self.assertEqual(expired, self.sensor_b)

    def test_latest_calibration_wins_and_failure_expires(self):
        Calibration = self.env["coldchain.calibration"].with_user(self.quality)
        Calibration.create(
            {
                "sensor_id": self.sensor_a.id,
                "date": date(2025, 7, 1),
                "reference_standard": "REF-PT100-002",
                "result": "fail",
                "next_due_date": date(2026, 7, 1),
            }
        )
        self.assertFalse(self.sensor_a.calibration_due_date)
        Calibration.create(
            {
                "sensor_id": self.sensor_a.id,
                "date": date(2025, 7, 2),
                "reference_standard": "REF-PT100-002",
                "result": "pass",
                "next_due_date": date(2026, 7, 2),
            }
        )
        self.assertEqual(self.sensor_a.calibration_due_date, date(2026, 7, 2))

    def test_calibration_is_immutable(self):
        with self.assertRaises(UserError):
            self.calibration.write({"result": "fail"})
        with self.assertRaises(UserError):
            self.calibration.unlink()
        with self.assertRaises(AccessError):
            self.env["coldchain.calibration"].with_user(self.operator).create(
                {
                    "sensor_id": self.sensor_a.id,
                    "reference_standard": "X",
                    "next_due_date": date(2030, 1, 1),
                }
            )

    def test_due_date_must_follow_the_calibration(self):
        with self.assertRaises(ValidationError):
            self.env["coldchain.calibration"].create(
                {
                    "sensor_id": self.sensor_a.id,
                    "date": date(2025, 7, 1),
                    "reference_standard": "X",
                    "next_due_date": date(2025, 7, 1),
                }
            )
