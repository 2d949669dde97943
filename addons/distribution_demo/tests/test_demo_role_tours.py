import threading
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.addons.coldchain_sites.engine import telemetry, telemetry_sql
from odoo.tests import HttpCase, tagged

SCALE = 0.02


@tagged("post_install", "-at_install")
class TestDemoRoleTours(HttpCase):
    """On a freshly loaded small demo network, each demo login finds what the README
    promises (README, "Demo logins")."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["distribution.demo.network"].load_all(SCALE)

    def test_sales_sees_orders_in_each_pipeline_stage(self):
        self.start_tour(
            "/odoo/action-distribution_orchestration.sale_order_action_pipeline",
            "demo_sales_pipeline_tour",
            login="sales",
        )

    def test_credit_finds_a_credit_hold_to_release(self):
        self.start_tour(
            "/odoo/action-distribution_orchestration.distribution_hold_action",
            "demo_credit_hold_tour",
            login="credit",
        )

    def test_quality_finds_an_excursion_awaiting_disposition(self):
        self.start_tour(
            "/odoo/action-coldchain_sites.coldchain_excursion_action",
            "demo_quality_disposition_tour",
            login="quality",
        )

    def test_integration_finds_a_parked_exchange_to_reprocess(self):
        self.start_tour(
            "/odoo/action-wms_bridge.wms_exchange_action",
            "demo_integration_parked_tour",
            login="integration",
        )

    def test_warehouse_sees_a_live_reading_arrive(self):
        sensors = self.env["coldchain.sensor"].search([("code", "=like", "RTM-CHILL-T%")])
        self.assertTrue(sensors)
        Dashboard = self.env["coldchain.dashboard"]
        registry = self.env.registry
        opened = threading.Event()

        def arrive():
            # what the ingestion service and the series refresh do once the zone is
            # open: the zone warms to 12 °C over the last three minutes
            if not opened.wait(60):
                return
            now = datetime.now(UTC).replace(microsecond=0)
            stamps = [now - timedelta(seconds=10 * k) for k in range(1, 19)]
            rows = [(sensor, ts) for sensor in sensors for ts in stamps]
            with registry.cursor() as cr:
                cr.execute(
                    telemetry_sql.INSERT_READINGS,
                    [
                        [sensor.id for sensor, _ts in rows],
                        [sensor.gateway_id.id for sensor, _ts in rows],
                        [telemetry.to_us(ts) for _sensor, ts in rows],
                        [12.0] * len(rows),
                        [None] * len(rows),
                        [telemetry.to_us(now)] * len(rows),
                        [False] * len(rows),
                        [False] * len(rows),
                    ],
                )
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["coldchain.dashboard"]._refresh_series(cr, lag_s=0)

        original = type(Dashboard).get_zone_data

        @api.model
        def get_zone_data(model, *args, **kwargs):
            result = original(model, *args, **kwargs)
            opened.set()
            return result

        thread = threading.Thread(target=arrive, daemon=True)
        thread.start()
        with patch.object(type(Dashboard), "get_zone_data", get_zone_data):
            self.start_tour(
                "/odoo/action-coldchain_sites.coldchain_site_dashboard_action",
                "demo_warehouse_live_tour",
                login="warehouse",
            )
        thread.join(5)
        self.assertTrue(opened.is_set())
