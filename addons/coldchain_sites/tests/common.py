import logging
from contextlib import contextmanager
from datetime import UTC, date, datetime

from odoo import sql_db
from odoo.tests import TransactionCase, new_test_user
from odoo.tools import SQL

from ..engine import telemetry, telemetry_sql


class ColdchainCase(TransactionCase):
    """Two cold sites (A and B) with a gateway and sensors each; no demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.profile = env["coldchain.temperature.profile"].create(
            {"name": "Test refrigerated", "code": "T-2-8C", "temp_min": 2.0, "temp_max": 8.0}
        )
        cls.tier = env["coldchain.service.tier"].create({"name": "Test gold"})
        Warehouse = env["stock.warehouse"]
        cls.site_a = Warehouse.create(
            {"name": "Test cold site A", "code": "TSA", "coldchain_tier_id": cls.tier.id}
        )
        cls.site_b = Warehouse.create({"name": "Test cold site B", "code": "TSB"})
        Location = env["stock.location"]
        cls.zone_a = Location.create(
            {
                "name": "Chill A",
                "location_id": cls.site_a.lot_stock_id.id,
                "usage": "internal",
                "coldchain_profile_id": cls.profile.id,
            }
        )
        cls.zone_b = Location.create(
            {
                "name": "Chill B",
                "location_id": cls.site_b.lot_stock_id.id,
                "usage": "internal",
                "coldchain_profile_id": cls.profile.id,
            }
        )
        Gateway = env["coldchain.gateway"]
        cls.gateway_a = Gateway.create(
            {"name": "GW A", "code": "T-GWA", "warehouse_id": cls.site_a.id, "serial": "SA1"}
        )
        cls.gateway_b = Gateway.create(
            {"name": "GW B", "code": "T-GWB", "warehouse_id": cls.site_b.id, "serial": "SB1"}
        )
        Sensor = env["coldchain.sensor"]
        cls.sensor_a = Sensor.create(
            {
                "name": "Sensor A1",
                "code": "T-A1",
                "gateway_id": cls.gateway_a.id,
                "location_id": cls.zone_a.id,
            }
        )
        cls.sensor_a2 = Sensor.create(
            {
                "name": "Sensor A2",
                "code": "T-A2",
                "gateway_id": cls.gateway_a.id,
                "location_id": cls.zone_a.id,
            }
        )
        cls.sensor_b = Sensor.create(
            {
                "name": "Sensor B1",
                "code": "T-B1",
                "gateway_id": cls.gateway_b.id,
                "location_id": cls.zone_b.id,
            }
        )
        cls.calibration = env["coldchain.calibration"].create(
            {
                "sensor_id": cls.sensor_a.id,
                "date": date(2025, 1, 10),
                "reference_standard": "REF-PT100-001",
                "result": "pass",
                "next_due_date": date(2026, 1, 10),
            }
        )
        # an operator of site A (a user with no site listed sees no site)
        cls.operator = new_test_user(
            env,
            login="cold_test_operator",
            groups="coldchain_sites.group_coldchain_operator",
        )
        cls.operator.coldchain_warehouse_ids = cls.site_a
        cls.quality = new_test_user(
            env, login="cold_test_quality", groups="coldchain_sites.group_coldchain_quality"
        )

    def insert_readings(self, rows):
        """Insert ``(sensor, aware datetime, value)`` rows the way the service does."""
        cr = self.env.cr
        received = telemetry.to_us(datetime(2025, 6, 1, tzinfo=UTC))
        sensors = [sensor for sensor, _ts, _v in rows]
        cr.execute(
            telemetry_sql.INSERT_READINGS,
            [
                [s.id for s in sensors],
                [s.gateway_id.id for s in sensors],
                [telemetry.to_us(ts) for _s, ts, _v in rows],
                [value for _s, _ts, value in rows],
                [None] * len(rows),
                [received] * len(rows),
                [False] * len(rows),
                [False] * len(rows),
            ],
        )
        self.env["coldchain.reading"].invalidate_model()


class SignatureMixin:
    """Signing dispositions in tests, and the failures recorded on their own connection.

    Failed signatures are committed on a connection of their own (they must survive
    the rollback of the failed request), so they outlive the test's transaction:
    each test that signs removes the rows of its users."""

    def sign_with(self, user, lot, password, decision="release", use_before=None, reason=None):
        wizard = (
            self.env["coldchain.disposition.wizard"]
            .with_user(user)
            .create(
                {
                    "lot_id": lot.id,
                    "decision": decision,
                    "use_before": use_before,
                    "reason": reason or "Stability data cover 30 min at 12 °C",
                }
            )
        )
        return wizard.with_context(coldchain_sites_signature_password=password).action_sign()

    def signature_outcomes(self, user):
        with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
            cr.execute(
                "SELECT outcome FROM coldchain_signature_failure WHERE user_id = %s ORDER BY id",
                [user.id],
            )
            return [outcome for (outcome,) in cr.fetchall()]

    def purge_signature_failures(self, *users):
        """Register the removal of ``users``' recorded failures at the end of the test."""

        def purge():
            with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
                cr.execute(
                    "DELETE FROM coldchain_signature_failure WHERE user_id = ANY(%s)",
                    [[user.id for user in users]],
                )

        self.addCleanup(purge)


TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb")


def tables_containing(cr, needle):
    """``table.column`` of every text, varchar, json(b) column holding ``needle``."""
    cr.execute(
        """
        SELECT c.table_name, array_agg(c.column_name::text ORDER BY c.column_name)
          FROM information_schema.columns c
          JOIN information_schema.tables t
            ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
           AND c.data_type IN %s
         GROUP BY c.table_name
        """,
        [TEXT_TYPES],
    )
    found = []
    for table, columns in cr.fetchall():
        # one scan per table: which of its columns hold the needle
        cr.execute(
            SQL(
                "SELECT %s FROM %s",
                SQL(", ").join(
                    SQL("bool_or(strpos(%s::text, %s) > 0)", SQL.identifier(column), needle)
                    for column in columns
                ),
                SQL.identifier(table),
            )
        )
        hits = cr.fetchone()
        found += [f"{table}.{column}" for column, hit in zip(columns, hits, strict=True) if hit]
    return found


@contextmanager
def captured_logs():
    """Every log record of the process (every thread) while the block runs, at DEBUG
    for Odoo (SQL queries with their parameters, RPC calls), werkzeug and the rest.

    The handlers already installed keep printing at INFO and above only."""
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    root = logging.getLogger()
    handler = Keep(logging.DEBUG)
    loggers = [
        logging.getLogger(name)
        for name in ("", "odoo", "odoo.sql_db", "odoo.http", "odoo.service", "werkzeug")
    ]
    levels = [(logger, logger.level) for logger in loggers]
    handler_levels = [(h, h.level) for h in root.handlers]
    for h, level in handler_levels:
        h.setLevel(max(level, logging.INFO))
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield records
    finally:
        root.removeHandler(handler)
        for logger, level in levels:
            logger.setLevel(level)
        for h, level in handler_levels:
            h.setLevel(level)


def log_text(record):
    """Everything a log record would print: message, arguments, traceback."""
    parts = [record.getMessage()]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)
