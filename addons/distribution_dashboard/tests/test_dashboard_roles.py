from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import NOW, DashboardFixture


@tagged("post_install", "-at_install")
class TestDashboardRoles(DashboardFixture):
    @freeze_time(NOW)
    def test_site_manager_sees_their_site_only(self):
        manager = self.make_user(
            "kpi_site_a", "distribution_dashboard.group_dashboard_site_manager", self.wh_a
        )
        data = self.env["distribution.dashboard"].with_user(manager).get_dashboard_data("month", 2)
        self.assertEqual(data["role"], "site_manager")
        self.assertEqual(data["periods"], ["2026-02-01", "2026-03-01"])
        tiles = {t["code"]: t for t in data["tiles"]}
        self.assertAlmostEqual(tiles["cycle_median_h"]["value"], 36.0)  # site A only
        self.assertEqual(tiles["cycle_median_h"]["trend"][0], None)
        self.assertEqual(
            [s["warehouse_id"] for s in data["by_site"]["fill_rate"]["sites"]], [self.wh_a.id]
        )
        # the records behind a tile are those of the site too
        action = (
            self.env["distribution.dashboard"]
            .with_user(manager)
            .action_open_kpi("cycle_median_h", "month", "2026-03-01")
        )
        facts = self.env[action["res_model"]].with_user(manager).search(action["domain"])
        self.assertEqual(set(facts.ids), {self.orders[1].id, self.orders[2].id})

    @freeze_time(NOW)
    def test_executive_sees_the_network_and_variance(self):
        executive = self.make_user("kpi_exec", "distribution_dashboard.group_dashboard_executive")
        data = (
            self.env["distribution.dashboard"].with_user(executive).get_dashboard_data("month", 1)
        )
        self.assertEqual(data["role"], "executive")
        codes = {t["code"] for t in data["tiles"]}
        # other addons' figures appear exactly when those addons are installed
        self.assertEqual("excursion_hours" in codes, "coldchain.excursion" in self.env)
        self.assertEqual("integration_failure_rate" in codes, "wms.exchange" in self.env)
        # every tile opens its own records, other addons' figures included
        Dashboard = self.env["distribution.dashboard"].with_user(executive)
        for code in codes:
            action = Dashboard.action_open_kpi(code, "month", "2026-03-01")
            self.assertIn(action["res_model"], self.env)
        if "coldchain.excursion" in self.env:
            action = Dashboard.action_open_kpi("excursion_hours", "month", "2026-03-01")
            self.assertEqual(action["res_model"], "coldchain.excursion")
        cycle = data["by_site"]["cycle_median_h"]
        sites = {s["warehouse_id"]: s for s in cycle["sites"]}
        self.assertIn(self.wh_a.id, sites)
        self.assertIn(self.wh_b.id, sites)
        self.assertAlmostEqual(
            sites[self.wh_b.id]["value"] - cycle["median"], sites[self.wh_b.id]["variance"]
        )

    @freeze_time(NOW)
    def test_customer_service_sees_backlog_and_holds(self):
        agent = self.make_user(
            "kpi_cs",
            "distribution_dashboard.group_dashboard_customer_service",
            self.wh_a | self.wh_b,
        )
        Dashboard = self.env["distribution.dashboard"].with_user(agent)
        data = Dashboard.get_dashboard_data("month", 1)
        self.assertEqual(data["role"], "customer_service")
        self.assertEqual(
            [t["code"] for t in data["tiles"]],
            ["backlog_lines", "backlog_age_days", "exception_rate", "hold_resolution_h"],
        )
        action = Dashboard.action_open_kpi("backlog_lines", "month", "2026-03-01")
        self.assertEqual(
            self.env[action["res_model"]].with_user(agent).search_count(action["domain"]), 3
        )
        with self.assertRaises(UserError):
            Dashboard.action_open_kpi("otif_rate", "month")

    def test_hostile_callers(self):
        """A user without a dashboard group is refused, as over RPC."""
        outsider = self.make_user("kpi_outsider", "base.group_user")
        Dashboard = self.env["distribution.dashboard"].with_user(outsider)
        with self.assertRaises(AccessError):
            Dashboard.get_dashboard_data()
        with self.assertRaises(AccessError):
            Dashboard.action_open_kpi("fill_rate")
        site_manager = self.make_user(
            "kpi_sm_refresh", "distribution_dashboard.group_dashboard_site_manager", self.wh_a
        )
        with self.assertRaises(AccessError):
            self.env["distribution.dashboard"].with_user(site_manager).action_refresh()
        with self.assertRaises(AccessError):
            self.env["distribution.dashboard.order.fact"].with_user(outsider).search([])
