from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import DistributionCase


@tagged("post_install", "-at_install")
class TestHolds(DistributionCase):
    def _credit_order(self):
        self.customer.credit_limit = 500.0
        order = self.make_order([(self.product, 12)])
        order.action_confirm()
        return order

    def test_credit_exposure_puts_order_on_hold(self):
        order = self._credit_order()
        self.assertEqual(order.distribution_state, "on_hold")
        self.assertEqual(order.state, "draft", "nothing confirmed while on hold")
        self.assertFalse(order.picking_ids)
        hold = order.distribution_hold_ids
        self.assertEqual(len(hold), 1)
        self.assertEqual(hold.check_code, "credit_limit")
        self.assertEqual(
            hold.responsible_group_id,
            self.env.ref("distribution_orchestration.group_orchestration_credit"),
        )
        self.assertIn("500.00", hold.explanation)
        self.assertIn(f"{order.amount_total:,.2f}", hold.explanation)
        self.assertTrue(hold.due_at)
        self.assertIn("On hold", order.distribution_customer_status)

    def test_one_hold_per_failed_check(self):
        self.customer.write(
            {
                "credit_limit": 500.0,
                "distribution_on_hold": True,
                "distribution_hold_note": "Disputed invoices",
            }
        )
        order = self.make_order([(self.product, 12)])
        order.action_confirm()
        self.assertEqual(
            sorted(order.distribution_hold_ids.mapped("check_code")),
            ["credit_limit", "customer_hold"],
        )

    def test_sales_user_cannot_release_credit_hold(self):
        order = self._credit_order()
        with self.assertRaises(AccessError):
            order.distribution_hold_ids.with_user(self.sales_user).action_release()
        self.assertEqual(order.distribution_state, "on_hold")
        self.assertEqual(order.distribution_hold_ids.state, "open")

    def test_credit_controller_release_resumes_and_releases(self):
        order = self._credit_order()
        order.distribution_hold_ids.with_user(self.credit_user).action_release("Paid upfront")
        self.assertEqual(order.distribution_state, "released")
        self.assertEqual(len(order.picking_ids), 2)
        resolve = order.distribution_log_ids.filtered(lambda entry: entry.event == "resolve")
        self.assertEqual(resolve.user_id, self.credit_user)
        self.assertEqual(resolve.message, "Paid upfront")
        # the released check was waived, the other checks ran again
        checks_after = order.distribution_log_ids.filtered(
            lambda entry: entry.event == "check" and entry.id > resolve.id
        )
        self.assertNotIn("credit_limit", checks_after.mapped("check_code"))
        self.assertIn("stock_availability", checks_after.mapped("check_code"))

    def test_rejecting_cancels_with_reason(self):
        order = self._credit_order()
        with self.assertRaises(UserError):
            order.distribution_hold_ids.with_user(self.credit_user).action_reject("  ")
        order.distribution_hold_ids.with_user(self.credit_user).action_reject("Over limit")
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.distribution_state, "cancelled")
        self.assertIn("Over limit", order.distribution_customer_status)

    def test_order_waits_until_every_hold_is_resolved(self):
        self.customer.write({"credit_limit": 500.0, "distribution_on_hold": True})
        order = self.make_order([(self.product, 12)])
        order.action_confirm()
        credit = order.distribution_hold_ids.filtered(lambda h: h.check_code == "credit_limit")
        credit.with_user(self.credit_user).action_release()
        self.assertEqual(order.distribution_state, "on_hold")
        (order.distribution_hold_ids - credit).with_user(self.credit_user).action_release()
        self.assertEqual(order.distribution_state, "released")

    def test_site_specific_check_replaces_company_check(self):
        self.customer.credit_limit = 500.0
        site_check = self.check("credit_limit").copy(
            {
                "warehouse_id": self.wh_north.id,
                "tolerance_pct": 100000.0,
            }
        )
        order = self.make_order([(self.product, 12)])
        order.action_confirm()
        self.assertEqual(order.distribution_state, "released")
        self.assertTrue(site_check)
