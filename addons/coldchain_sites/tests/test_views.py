from odoo.tests import tagged

from .common import ColdchainCase


@tagged("post_install", "-at_install")
class TestViews(ColdchainCase):
    """Every action of the app opens its views for a plain operator."""

    ACTIONS = (
        "coldchain_sites.stock_warehouse_action",
        "coldchain_sites.stock_location_action",
        "coldchain_sites.coldchain_gateway_action",
        "coldchain_sites.coldchain_sensor_action",
        "coldchain_sites.coldchain_reading_action",
        "coldchain_sites.coldchain_dead_letter_action",
        "coldchain_sites.coldchain_monitoring_event_action",
        "coldchain_sites.coldchain_temperature_profile_action",
        "coldchain_sites.coldchain_service_tier_action",
        "coldchain_sites.coldchain_calibration_action",
    )

    def test_views_load(self):
        for xmlid in self.ACTIONS:
            action = self.env.ref(xmlid)
            model = self.env[action.res_model].with_user(self.operator)
            views = [(False, mode) for mode in action.view_mode.split(",")] + [(False, "search")]
            with self.subTest(action=xmlid):
                result = model.get_views(views)
                self.assertEqual(set(result["views"]), {mode for _id, mode in views})

    def test_sensor_chart_action(self):
        action = self.sensor_a.with_user(self.operator).action_view_readings()
        self.assertEqual(action["domain"], [("sensor_id", "=", self.sensor_a.id)])
        self.assertEqual(action["views"][0][1], "graph")
        groups = (
            self.env["coldchain.reading"]
            .with_user(self.operator)
            ._read_group(action["domain"], ["ts:hour"], ["value:avg"])
        )
        self.assertEqual(groups, [])
