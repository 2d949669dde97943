from odoo.tests import tagged

from .common import DistributionHttpCase


@tagged("post_install", "-at_install")
class TestCreditHoldTour(DistributionHttpCase):
    """In the web client: a sales user's order goes on credit hold, a credit
    controller releases it, and it is released from two warehouses."""

    def test_credit_hold_released_from_two_warehouses(self):
        self.customer.write({"name": "Tour Pharmacy", "credit_limit": 500.0})
        order = self.make_order([(self.product, 12)])
        self.start_tour(
            f"/odoo/action-sale.action_orders/{order.id}",
            "distribution_orchestration_credit_hold_tour",
            login=self.sales_user.login,
        )
        self.assertEqual(order.distribution_state, "on_hold")
        self.assertEqual(order.distribution_hold_ids.check_code, "credit_limit")
        self.start_tour(
            "/odoo/action-distribution_orchestration.distribution_hold_action",
            "distribution_orchestration_release_hold_tour",
            login=self.credit_user.login,
        )
        self.assertEqual(order.distribution_state, "released")
        self.assertEqual(
            order.picking_ids.picking_type_id.warehouse_id, self.wh_north | self.wh_south
        )
        self.assertEqual(order.distribution_hold_ids.resolved_by_id, self.credit_user)
