from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import NOW


@tagged("post_install", "-at_install")
class TestHealth(HttpCase):
    @freeze_time(NOW)
    def test_late_cron_raises_one_activity_for_the_owner(self):
        owner = new_test_user(self.env, login="health_owner", groups="base.group_user")
        Metric = self.env["distribution.dashboard.health.metric"]
        metric = Metric._ensure().filtered(lambda m: m.code == "cron_lateness_seconds")
        metric.write({"threshold": 600.0, "owner_id": owner.id})
        cron = self.env.ref("distribution_dashboard.ir_cron_distribution_dashboard_refresh")
        cron.nextcall = NOW - timedelta(hours=2)
        samples = Metric._check()
        lateness = [s for s in samples if s.code == "cron_lateness_seconds"]
        self.assertGreaterEqual(lateness[0].value, 7200.0)
        self.assertTrue(metric.breached)
        self.assertEqual(metric.activity_ids.user_id, owner)
        Metric._check()  # still late: no second activity
        self.assertEqual(len(metric.activity_ids), 1)
        rows = self.env["distribution.dashboard.health.sample"].search(
            [("code", "=", "cron_lateness_seconds")]
        )
        self.assertTrue(rows.breach)

    def test_metrics_endpoint_is_authenticated(self):
        response = self.url_open("/distribution_dashboard/metrics")
        self.assertEqual(response.status_code, 401)
        # a user without the group is refused, with a valid API key
        plain = new_test_user(self.env, login="metrics_plain", groups="base.group_user")
        key = (
            self.env["res.users.apikeys"]
            .with_user(plain)
            .sudo()
            ._generate(None, "scraper", NOW + timedelta(days=3650))
        )
        response = self.url_open(
            "/distribution_dashboard/metrics", headers={"Authorization": f"Bearer {key}"}
        )
        self.assertEqual(response.status_code, 403)
        scraper = new_test_user(
            self.env,
            login="metrics_exec",
            groups="distribution_dashboard.group_dashboard_executive",
        )
        key = (
            self.env["res.users.apikeys"]
            .with_user(scraper)
            .sudo()
            ._generate(None, "scraper", NOW + timedelta(days=3650))
        )
        response = self.url_open(
            "/distribution_dashboard/metrics", headers={"Authorization": f"Bearer {key}"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("# TYPE distribution_cron_lateness_seconds gauge", response.text)
        self.assertIn("distribution_oldest_unacknowledged_alert_seconds", response.text)

    def test_thresholds_are_for_executives(self):
        user = new_test_user(
            self.env,
            login="health_sm",
            groups="distribution_dashboard.group_dashboard_site_manager",
        )
        Metric = self.env["distribution.dashboard.health.metric"]
        Metric._ensure()
        with self.assertRaises(AccessError):
            Metric.with_user(user).search([]).write({"threshold": 1.0})
        with self.assertRaises(AccessError):
            Metric.with_user(user).action_check_now()
        executive = new_test_user(
            self.env, login="health_exec", groups="distribution_dashboard.group_dashboard_executive"
        )
        with self.assertRaises(AccessError):
            Metric.with_user(executive).search([], limit=1).write({"breached": True})
