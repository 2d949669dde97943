from datetime import UTC, datetime

import psycopg2

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ColdchainCase


@tagged("post_install", "-at_install")
class TestReadingsReadOnly(ColdchainCase):
    """Readings are readable in Odoo and can be neither written nor deleted there."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.t0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)

    def test_operator_reads_readings_with_naive_utc_timestamps(self):
        self.insert_readings([(self.sensor_a, self.t0, 4.5)])
        readings = (
            self.env["coldchain.reading"]
            .with_user(self.operator)
            .search([("sensor_id", "=", self.sensor_a.id)])
        )
        self.assertRecordValues(
            readings,
            [
                {
                    "sensor_id": self.sensor_a.id,
                    "gateway_id": self.gateway_a.id,
                    "ts": datetime(2025, 5, 1, 12, 0),
                    "value": 4.5,
                    "late": False,
                }
            ],
        )

    def test_orm_refuses_create_write_unlink(self):
        self.insert_readings([(self.sensor_a, self.t0, 4.5)])
        Reading = self.env["coldchain.reading"]
        reading = Reading.search([("sensor_id", "=", self.sensor_a.id)])
        # even the superuser: the guard is in the model, not only in the ACLs
        with self.assertRaises(AccessError):
            Reading.sudo().create({"sensor_id": self.sensor_a.id, "value": 1.0})
        with self.assertRaises(AccessError):
            reading.sudo().write({"value": 99.0})
        with self.assertRaises(AccessError):
            reading.sudo().unlink()
        with self.assertRaises(AccessError):
            reading.with_user(self.quality).write({"value": 99.0})

    def test_database_trigger_forbids_update_and_delete(self):
        self.insert_readings([(self.sensor_a, self.t0, 4.5)])
        cr = self.env.cr
        for statement in (
            "UPDATE coldchain_reading SET value = 0 WHERE sensor_id = %s",
            "DELETE FROM coldchain_reading WHERE sensor_id = %s",
            "TRUNCATE coldchain_reading",
        ):
            with (
                self.subTest(statement=statement),
                self.assertRaises(psycopg2.Error),
                mute_logger("odoo.sql_db"),
                cr.savepoint(),
            ):
                cr.execute(statement, [self.sensor_a.id] if "%s" in statement else None)

    def test_duplicate_reading_is_stored_once(self):
        self.insert_readings([(self.sensor_a, self.t0, 4.5)])
        self.insert_readings([(self.sensor_a, self.t0, 7.5)])
        readings = self.env["coldchain.reading"].search([("sensor_id", "=", self.sensor_a.id)])
        self.assertEqual(readings.mapped("value"), [4.5])

    def test_sensor_with_readings_cannot_be_deleted(self):
        self.insert_readings([(self.sensor_a2, self.t0, 4.5)])
        with self.assertRaises(Exception):  # noqa: B017 - UserError from the ondelete guard
            self.sensor_a2.unlink()
