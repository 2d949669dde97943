from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, tagged

from .common import PurchaseApprovalMixin


@tagged("post_install", "-at_install")
class TestPurchaseApproval(PurchaseApprovalMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_purchase_approvals()

    def log(self, record):
        return self.env["distribution.approval.log"].search(
            [("res_model", "=", record._name), ("res_id", "=", record.id)], order="id"
        )

    def test_below_every_tier_confirms_directly(self):
        po = self.purchase(5)
        po.with_user(self.buyer).button_confirm()
        self.assertEqual(po.state, "purchase")

    def test_tiers_by_amount_in_sequence(self):
        po = self.purchase(60)
        with self.assertRaises(ValidationError):
            po.with_user(self.buyer).button_confirm()
        po.with_user(self.buyer).request_validation()
        self.assertEqual(
            po.review_ids.sorted("sequence").mapped("definition_id"),
            self.tier_amount | self.tier_large,
        )
        with self.assertRaises(AccessError):
            po.with_user(self.finance).validate_tier()  # tier 2 waits for tier 1
        po.with_user(self.purchase_manager).validate_tier()
        po.with_user(self.finance).validate_tier()
        self.assertEqual(po.validation_status, "validated")
        po.with_user(self.buyer).button_confirm()
        self.assertEqual(po.state, "purchase")

    def test_rejection_returns_to_buyer_with_reason_then_approved_after_change(self):
        po = self.purchase(60)
        po.with_user(self.buyer).request_validation()
        po.with_user(self.purchase_manager).validate_tier()
        po.with_user(self.finance).action_reject_approval("Split it: budget is 5,000 a month")
        self.assertEqual(po.validation_status, "rejected")
        activity = po.activity_ids.filtered(lambda a: a.user_id == self.buyer)
        self.assertEqual(len(activity), 1)
        self.assertIn("Split it: budget is 5,000 a month", str(activity.note))
        reject = self.log(po).filtered(lambda entry: entry.event == "reject")
        self.assertRecordValues(
            reject,
            [
                {
                    "user_id": self.finance.id,
                    "tier_sequence": 2,
                    "reason": "Split it: budget is 5,000 a month",
                }
            ],
        )
        # the buyer changes the order and asks again: tier 1 only now
        po.with_user(self.buyer).restart_validation()
        self.assertEqual(po.validation_status, "no")
        po.order_line.with_user(self.buyer).product_qty = 40
        po.with_user(self.buyer).request_validation()
        self.assertEqual(po.review_ids.definition_id, self.tier_amount)
        po.with_user(self.purchase_manager).validate_tier()
        po.with_user(self.buyer).button_confirm()
        self.assertEqual(po.state, "purchase")
        self.assertEqual(
            self.log(po).mapped("event"),
            ["request", "approve", "reject", "restart", "request", "approve"],
        )

    def test_vendor_risk_and_site_routing(self):
        po = self.purchase(1, vendor=self.risky_vendor)
        po.with_user(self.buyer).request_validation()
        self.assertEqual(po.review_ids.definition_id, self.tier_risk)
        warehouse = self.env["stock.warehouse"].create({"name": "Approval Site", "code": "APS"})
        self.env["tier.definition"].create(
            {
                "name": "Site APS",
                "model_id": self.po_model.id,
                "review_type": "group",
                "reviewer_group_id": self.env.ref("purchase.group_purchase_manager").id,
                "definition_domain": f"[('distribution_site_id', '=', {warehouse.id})]",
            }
        )
        site_po = self.purchase(1, picking_type_id=warehouse.in_type_id.id)
        self.assertEqual(site_po.distribution_site_id, warehouse)
        self.assertTrue(site_po.need_validation)
        self.assertFalse(self.purchase(1).need_validation)

    def test_buyer_never_approves_own_order(self):
        po = self.purchase(20, user=self.purchase_manager)
        po.with_user(self.buyer).request_validation()
        with self.assertRaises(AccessError):
            po.with_user(self.purchase_manager).validate_tier()
        self.assertEqual(po.validation_status, "pending")

    def test_hostile_callers(self):
        po = self.purchase(20)
        po.with_user(self.buyer).request_validation()
        with self.assertRaises(AccessError):
            po.with_user(self.buyer).validate_tier()
        with self.assertRaises(AccessError):
            po.review_ids.with_user(self.buyer).write({"status": "approved"})
        with self.assertRaises(AccessError):
            po.review_ids.with_user(self.purchase_manager).unlink()
        outsider = self.env["res.users"].create(
            {
                "name": "Outsider",
                "login": "appr_outsider",
                "group_ids": [(6, 0, [self.env.ref("base.group_user").id])],
            }
        )
        with self.assertRaises(AccessError):
            po.with_user(outsider).request_validation()
        self.assertEqual(po.validation_status, "pending")
