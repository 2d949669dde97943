from datetime import UTC, date, datetime

from odoo.tests import TransactionCase, new_test_user

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
        cls.operator = new_test_user(
            env,
            login="cold_test_operator",
            groups="coldchain_sites.group_coldchain_operator",
        )
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
