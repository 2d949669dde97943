from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import ApprovalMixin


@tagged("post_install", "-at_install")
class TestTransferRequest(ApprovalMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_approvals()
        cls.wh_south.distribution_transfer_threshold_value = 500.0
        cls.second_manager = new_test_user(
            cls.env,
            login="appr_second_manager",
            groups="distribution_orchestration.group_orchestration_manager,stock.group_stock_manager",
        )

    def suggestion(self, quantity):
        # the suggestions the rebalancing screen computes (transient, per user)
        return (
            self.env["distribution.rebalance.suggestion"]
            .with_user(self.manager)
            .create(
                {
                    "company_id": self.company.id,
                    "product_id": self.product.id,
                    "from_warehouse_id": self.wh_south.id,
                    "to_warehouse_id": self.wh_north.id,
                    "quantity": quantity,
                    "explanation": "North below safety stock",
                }
            )
        )

    def test_below_threshold_creates_the_transfer(self):
        suggestion = self.suggestion(5)  # 5 x 60 = 300
        suggestion.with_user(self.manager).action_create_transfer()
        self.assertTrue(suggestion.picking_id)
        self.assertFalse(suggestion.distribution_transfer_request_id)

    def test_above_threshold_needs_approval(self):
        suggestion = self.suggestion(10)  # 10 x 60 = 600
        suggestion.with_user(self.manager).action_create_transfer()
        self.assertFalse(suggestion.picking_id)
        request = suggestion.distribution_transfer_request_id
        self.assertRecordValues(
            request, [{"value": 600.0, "state": "draft", "user_id": self.manager.id}]
        )
        with self.assertRaises(UserError):
            request.with_user(self.manager).action_create_transfer()
        request.with_user(self.manager).request_validation()
        with self.assertRaises(AccessError):
            request.with_user(self.manager).validate_tier()  # four eyes
        request.with_user(self.second_manager).validate_tier()
        request.with_user(self.manager).action_create_transfer()
        self.assertEqual(request.state, "done")
        self.assertRecordValues(
            request.picking_id.move_ids,
            [{"product_id": self.product.id, "product_uom_qty": 10.0}],
        )
        self.assertEqual(request.picking_id.location_id, self.wh_south.lot_stock_id)

    def test_hostile_callers(self):
        suggestion = self.suggestion(10)
        suggestion.with_user(self.manager).action_create_transfer()
        request = suggestion.distribution_transfer_request_id
        with self.assertRaises(AccessError):
            request.with_user(self.manager).write({"value": 1.0})
        with self.assertRaises(AccessError):
            self.env["distribution.transfer.request"].with_user(self.manager).create(
                {
                    "company_id": self.company.id,
                    "from_warehouse_id": self.wh_south.id,
                    "to_warehouse_id": self.wh_north.id,
                }
            )
        with self.assertRaises(AccessError):
            request.with_user(self.sales_user).request_validation()
