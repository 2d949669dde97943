from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import NOW, DashboardFixture


@tagged("post_install", "-at_install")
class TestRiskWorklist(DashboardFixture):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # order 5 (site A, 2 open lines) is due in 2 hours; order 4 (site B) already late
        cls.orders[5].commitment_date = NOW + timedelta(hours=2)
        cls.orders[4].commitment_date = NOW - timedelta(hours=30)
        cls.env.flush_all()

    def _assess(self):
        return self.env["distribution.dashboard.risk"]._assess(self.company, NOW)

    @freeze_time(NOW)
    def test_worklist_scores_and_reasons(self):
        risks = self._assess()
        ours = risks.filtered(lambda r: r.order_id in (self.orders[4] | self.orders[5]))
        by_order = {r.order_id.id: r for r in ours}
        late = by_order[self.orders[4].id]
        self.assertEqual(late.score, 100.0)
        self.assertIn("past its commitment", late.reasons)
        self.assertEqual(late.suggested_action, "inform_customer")
        soon = by_order[self.orders[5].id]
        self.assertTrue(soon.at_risk)
        self.assertGreater(soon.estimated_ship, NOW)
        self.assertEqual(soon.suggested_action, "expedite")
        # sorted by score, then by order value
        worklist = self.env["distribution.dashboard.risk"].search([])
        keys = [(-r.score, -r.amount) for r in worklist]
        self.assertEqual(keys, sorted(keys))

    @freeze_time(NOW)
    def test_one_click_actions_are_governed(self):
        risks = self._assess()
        soon = risks.filtered(lambda r: r.order_id == self.orders[5])
        late = risks.filtered(lambda r: r.order_id == self.orders[4])
        manager_a = self.make_user(
            "risk_mgr_a",
            "distribution_dashboard.group_dashboard_site_manager,sales_team.group_sale_salesman_all_leads",
            self.wh_a,
        )
        # site A's manager does not even see site B's row
        self.assertFalse(
            self.env["distribution.dashboard.risk"]
            .with_user(manager_a)
            .search([("id", "=", late.id)])
        )
        soon.with_user(manager_a).action_expedite()
        deliveries = self.orders[5].picking_ids.filtered(lambda p: p.state != "done")
        self.assertEqual(set(deliveries.mapped("priority")), {"1"})
        self.assertEqual(soon.done_action, "expedite")
        # customer service cannot expedite; an outsider cannot do anything
        agent = self.make_user(
            "risk_cs", "distribution_dashboard.group_dashboard_customer_service", self.wh_a
        )
        with self.assertRaises(AccessError):
            soon.with_user(agent).action_expedite()
        outsider = self.make_user("risk_out", "base.group_user")
        with self.assertRaises(AccessError):
            soon.with_user(outsider).action_inform_customer()
        with self.assertRaises(AccessError):
            self.env["distribution.dashboard.risk"].with_user(outsider).action_reassess()
        # a manager of site A cannot act on site B's order (record rules, server-side)
        with self.assertRaises(AccessError):
            late.with_user(manager_a).action_inform_customer()
        # released orders are not reallocated behind the pipeline's back
        with self.assertRaises(UserError):
            soon.with_user(manager_a).action_reallocate()

    @freeze_time(NOW)
    def test_inform_customer(self):
        risks = self._assess()
        late = risks.filtered(lambda r: r.order_id == self.orders[4])
        late.action_inform_customer()
        message = self.orders[4].message_ids[:1]
        self.assertIn("expected to ship on", str(message.body))
        self.assertIn(self.orders[4].partner_id, message.partner_ids)
