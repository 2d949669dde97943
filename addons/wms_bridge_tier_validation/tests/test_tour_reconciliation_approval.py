from odoo.tests import HttpCase, tagged

from .common import ReconciliationApprovalMixin


@tagged("post_install", "-at_install")
class TestReconciliationApprovalTour(ReconciliationApprovalMixin, HttpCase):
    """In the web client: the integration user requests the validation of a 3PL's
    stock differences, an inventory administrator validates and applies them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_approval_fixtures()

    def test_request_validate_apply(self):
        rec = self._reconciliation([(self.milk, self.env["stock.lot"], 37, 40)])
        url = f"/odoo/action-wms_bridge.wms_stock_reconciliation_action/{rec.id}"
        self.start_tour(
            url, "wms_bridge_tier_validation_request_tour", login=self.integration_user.login
        )
        self.assertRecordValues(rec, [{"validation_status": "pending", "state": "draft"}])
        self.assertEqual(rec.review_ids.requested_by, self.integration_user)
        self.start_tour(url, "wms_bridge_tier_validation_approve_tour", login=self.reviewer.login)
        self.assertRecordValues(rec, [{"validation_status": "validated", "state": "applied"}])
        self.assertEqual(rec.review_ids.done_by, self.reviewer)
        self.assertEqual(self._on_hand(self.milk), 37)
