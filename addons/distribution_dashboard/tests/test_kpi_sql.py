from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import NOW, DashboardFixture


@tagged("post_install", "-at_install")
class TestKpiSql(DashboardFixture):
    """Every KPI through the SQL facts equals the engine's answer on the same network."""

    def test_order_facts(self):
        facts = self.env["distribution.dashboard.order.fact"].search(
            [("id", "in", [o.id for o in self.orders.values()])]
        )
        by_order = {f.id: f for f in facts}
        got = [
            (
                by_order[self.orders[k].id].shipped,
                by_order[self.orders[k].id].cycle_h,
                by_order[self.orders[k].id].lines_in_full,
                by_order[self.orders[k].id].line_count,
                by_order[self.orders[k].id].had_hold,
            )
            for k in range(1, 6)
        ]
        self.assertEqual(
            got,
            [
                (True, 24.0, 2, 2, True),
                (True, 48.0, 0, 1, True),
                (True, 72.0, 2, 2, False),
                (False, 0.0, 0, 1, False),
                (False, 0.0, 0, 2, True),
            ],
        )
        self.assertEqual(by_order[self.orders[1].id].otif, True)
        self.assertEqual(by_order[self.orders[2].id].on_time, False)

    @freeze_time(NOW)
    def test_network_and_site_kpis(self):
        # a manager of the two sites: their network is the fixture's network
        manager = self.make_user(
            "kpi_both", "distribution_dashboard.group_dashboard_site_manager", self.wh_a | self.wh_b
        )
        Dashboard = self.env["distribution.dashboard"].with_user(manager)
        values = Dashboard._kpi_values("month", [NOW.date().replace(day=1)], NOW)
        period = NOW.date().replace(day=1)
        site_a = values[(period, self.wh_a.id)]
        site_b = values[(period, self.wh_b.id)]
        self.assertAlmostEqual(site_a["cycle_median_h"], 36.0)
        self.assertAlmostEqual(site_a["cycle_p90_h"], 45.6)
        self.assertAlmostEqual(site_a["fill_rate"], 200 / 3)
        self.assertAlmostEqual(site_a["on_time_rate"], 50.0)
        self.assertAlmostEqual(site_a["otif_rate"], 50.0)
        self.assertIsNone(site_b["on_time_rate"])
        self.assertAlmostEqual(site_b["cycle_median_h"], 72.0)
        network = values[(period, None)]
        self.assertEqual({s for (_p, s) in values if s}, {self.wh_a.id, self.wh_b.id})
        self.assertAlmostEqual(network["cycle_median_h"], 48.0)
        self.assertAlmostEqual(network["cycle_p90_h"], 67.2)
        self.assertAlmostEqual(network["fill_rate"], 80.0)
        self.assertAlmostEqual(network["on_time_rate"], 50.0)
        self.assertAlmostEqual(network["otif_rate"], 50.0)
        self.assertAlmostEqual(network["exception_rate"], 60.0)
        self.assertAlmostEqual(network["hold_resolution_h"], 4.0)
        self.assertAlmostEqual(network["pick_to_ship_h"], 12.0)
        self.assertEqual(network["backlog_lines"], 3.0)
        self.assertAlmostEqual(network["backlog_age_days"], (7 + 4 / 24 + 1 + 1) / 3)
        self.assertAlmostEqual(site_a["exception_rate"], 100.0)  # 3 of 3 at A
        self.assertAlmostEqual(site_a["pick_to_ship_h"], 12.0)
        self.assertAlmostEqual(site_b["pick_to_ship_h"], 18.0)  # 24 and 12
        self.assertEqual(site_a["backlog_lines"], 2.0)
        self.assertEqual(site_b["backlog_lines"], 1.0)
        self.assertAlmostEqual(site_b["backlog_age_days"], 7 + 4 / 24)

    @freeze_time(NOW)
    def test_per_segment(self):
        """Gold customers: order 1 (site A, shipped in 24 h, on time, in full) and
        order 4 (site B, still open: one backlog line)."""
        manager = self.make_user(
            "kpi_seg", "distribution_dashboard.group_dashboard_site_manager", self.wh_a | self.wh_b
        )
        Dashboard = self.env["distribution.dashboard"].with_user(manager)
        data = Dashboard.get_dashboard_data("month", 1, "gold")
        tiles = {t["code"]: t["value"] for t in data["tiles"]}
        self.assertAlmostEqual(tiles["cycle_median_h"], 24.0)
        self.assertAlmostEqual(tiles["fill_rate"], 100.0)
        self.assertAlmostEqual(tiles["otif_rate"], 100.0)
        self.assertEqual(tiles["backlog_lines"], 1.0)
        self.assertAlmostEqual(tiles["exception_rate"], 50.0)  # order 1 held, order 4 not
        self.assertAlmostEqual(tiles["pick_to_ship_h"], 12.0)  # deliveries 1 and 5
        self.assertAlmostEqual(tiles["hold_resolution_h"], 2.5)  # 4 h and 1 h (order 1)
        with self.assertRaises(UserError):
            Dashboard.get_dashboard_data("month", 1, "diamond")

    @freeze_time(NOW)
    def test_breakdown_by_reason(self):
        manager = self.make_user(
            "kpi_both", "distribution_dashboard.group_dashboard_site_manager", self.wh_a | self.wh_b
        )
        start = NOW.date().replace(day=1)
        result = (
            self.env["distribution.dashboard"]
            .with_user(manager)
            ._breakdown(start, start.replace(month=4))
        )
        self.assertEqual(
            result["exception_rate_by_reason"],
            {"credit_limit": 40.0, "margin": 20.0, "stock": 20.0},
        )
        self.assertAlmostEqual(result["hold_resolution_h_by_reason"]["credit_limit"], 10.0)
        self.assertAlmostEqual(result["hold_resolution_h_by_reason"]["margin"], 1.0)
