from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import NOW, DashboardFixture


@tagged("post_install", "-at_install")
class TestTargets(DashboardFixture):
    @freeze_time(NOW)
    def test_one_activity_per_site_and_period(self):
        manager = self.make_user(
            "kpi_target_mgr", "distribution_dashboard.group_dashboard_site_manager", self.wh_a
        )
        self.wh_a.distribution_site_manager_id = manager
        Target = self.env["distribution.dashboard.target"]
        Target.create({"kpi_code": "fill_rate", "target": 95.0})  # network default
        Target.create({"kpi_code": "fill_rate", "warehouse_id": self.wh_b.id, "target": 50.0})
        Dashboard = self.env["distribution.dashboard"]
        # site A's March fill rate is 66.7 % < 95 %; site B's 100 % >= 50 %
        alerts = Dashboard._check_targets(self.company, "month")
        ours = alerts.filtered(lambda a: a.warehouse_id in (self.wh_a | self.wh_b))
        self.assertRecordValues(
            ours.filtered(lambda a: a.kpi_code == "fill_rate"),
            [{"warehouse_id": self.wh_a.id, "target": 95.0}],
        )
        alert = ours.filtered(lambda a: a.kpi_code == "fill_rate")
        self.assertEqual(alert.activity_ids.user_id, manager)
        self.assertAlmostEqual(alert.value, 200 / 3)
        # the next refresh in the same period raises nothing new
        again = Dashboard._check_targets(self.company, "month")
        self.assertFalse(again.filtered(lambda a: a.warehouse_id in (self.wh_a | self.wh_b)))
        # the site manager reads it and cannot change or delete it
        mine = self.env["distribution.dashboard.alert"].with_user(manager).browse(alert.id)
        self.assertEqual(mine.kpi_code, "fill_rate")
        with self.assertRaises(AccessError):
            mine.write({"value": 99.0})
        with self.assertRaises(AccessError):
            mine.unlink()

    def test_only_executives_set_targets(self):
        manager = self.make_user(
            "kpi_target_sm", "distribution_dashboard.group_dashboard_site_manager", self.wh_a
        )
        with self.assertRaises(AccessError):
            self.env["distribution.dashboard.target"].with_user(manager).create(
                {"kpi_code": "fill_rate", "target": 1.0}
            )
        with self.assertRaises(AccessError):
            self.env["distribution.dashboard.alert"].with_user(manager).create(
                {
                    "company_id": self.company.id,
                    "warehouse_id": self.wh_a.id,
                    "kpi_code": "fill_rate",
                    "grain": "week",
                    "period_start": "2026-03-02",
                }
            )
