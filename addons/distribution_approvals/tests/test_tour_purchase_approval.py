from odoo.tests import HttpCase, tagged

from .common import PurchaseApprovalMixin


@tagged("post_install", "-at_install")
class TestPurchaseApprovalTour(PurchaseApprovalMixin, HttpCase):
    """In the web client: a buyer's purchase order is rejected at tier 2, the buyer
    changes it and asks again, and it is approved."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_purchase_approvals()

    def test_rejected_at_tier_2_then_approved_after_change(self):
        po = self.purchase(60)
        po.with_user(self.buyer).request_validation()
        po.with_user(self.purchase_manager).validate_tier()
        po.with_user(self.finance).action_reject_approval("Above the monthly budget")
        self.assertEqual(po.validation_status, "rejected")
        url = f"/odoo/action-purchase.purchase_rfq/{po.id}"
        self.start_tour(url, "distribution_approvals_po_change_tour", login=self.buyer.login)
        self.assertEqual(po.order_line.product_qty, 40)
        self.assertEqual(po.review_ids.definition_id, self.tier_amount)
        self.assertEqual(po.review_ids.requested_by, self.buyer)
        self.start_tour(
            url, "distribution_approvals_po_validate_tour", login=self.purchase_manager.login
        )
        self.assertEqual(po.validation_status, "validated")
        po.with_user(self.buyer).button_confirm()
        self.assertEqual(po.state, "purchase")
