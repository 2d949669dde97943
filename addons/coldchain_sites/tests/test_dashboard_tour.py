import threading
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.tests import HttpCase, new_test_user, tagged

from ..engine import telemetry, telemetry_sql


@tagged("post_install", "-at_install")
class TestSiteDashboardTour(HttpCase):
    """A live reading reaches the dashboard through the bus while a tour watches."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        profile = env["coldchain.temperature.profile"].create(
            {"name": "Tour 2-8", "code": "TOUR-2-8", "temp_min": 2.0, "temp_max": 8.0}
        )
        tier = env["coldchain.service.tier"].create({"name": "Tour tier"})
        cls.site = env["stock.warehouse"].create(
            {"name": "Tour dashboard site", "code": "TDS", "coldchain_tier_id": tier.id}
        )
        cls.zone = env["stock.location"].create(
            {
                "name": "Tour chill",
                "location_id": cls.site.lot_stock_id.id,
                "usage": "internal",
                "coldchain_profile_id": profile.id,
            }
        )
        gateway = env["coldchain.gateway"].create(
            {"name": "Tour dash GW", "code": "TDS-GW", "warehouse_id": cls.site.id}
        )
        cls.sensor = env["coldchain.sensor"].create(
            {
                "name": "Tour dash sensor",
                "code": "TDS-S1",
                "gateway_id": gateway.id,
                "location_id": cls.zone.id,
            }
        )
        cls.user = new_test_user(
            env, login="cold_dash_tour", groups="coldchain_sites.group_coldchain_operator"
        )
        cls.user.coldchain_warehouse_ids = cls.site

    def _insert(self, cr, rows):
        received = telemetry.to_us(datetime.now(UTC))
        cr.execute(
            telemetry_sql.INSERT_READINGS,
            [
                [self.sensor.id] * len(rows),
                [self.sensor.gateway_id.id] * len(rows),
                [telemetry.to_us(ts) for ts, _v in rows],
                [v for _ts, v in rows],
                [None] * len(rows),
                [received] * len(rows),
                [False] * len(rows),
                [False] * len(rows),
            ],
        )

    def test_live_reading_through_the_bus(self):
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        self._insert(self.env.cr, [(now - timedelta(minutes=m), 5.0) for m in range(2, 60)])
        Dashboard = self.env["coldchain.dashboard"]
        Dashboard._refresh_series(self.env.cr, lag_s=0)
        registry = self.env.registry
        live = threading.Event()

        def arrive():
            # what the ingestion service and the scheduled refresh do, on the
            # test's (locked) cursor, once the tour opened the zone
            if not live.wait(60):
                return
            with registry.cursor() as cr:
                self._insert(cr, [(now - timedelta(minutes=1), 9.5)])
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["coldchain.dashboard"]._refresh_series(cr, lag_s=0)

        original = type(Dashboard).get_zone_data

        @api.model
        def get_zone_data(model, *args, **kwargs):
            result = original(model, *args, **kwargs)
            live.set()
            return result

        thread = threading.Thread(target=arrive, daemon=True)
        thread.start()
        with patch.object(type(Dashboard), "get_zone_data", get_zone_data):
            self.start_tour(
                "/odoo/action-coldchain_sites.coldchain_site_dashboard_action",
                "coldchain_site_dashboard_tour",
                login=self.user.login,
            )
        thread.join(5)
        self.assertTrue(live.is_set())
