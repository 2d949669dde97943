from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged

from .common import ReconciliationApprovalMixin


@tagged("post_install", "-at_install")
class TestReconciliationApproval(ReconciliationApprovalMixin, TransactionCase):
    """846 differences are adjustment requests: an inventory administrator validates
    them before they are applied; a reconciliation without difference needs nobody."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_approval_fixtures()
        cls.definition = cls.env.ref(
            "wms_bridge_tier_validation.tier_definition_wms_stock_reconciliation"
        )

    def setUp(self):
        super().setUp()
        # the 3PL counts 37 milk where Odoo has 40; the butter lot agrees
        self.rec = self._reconciliation(
            [(self.milk, self.env["stock.lot"], 37, 40), (self.butter, self.lot, 20, 20)]
        )

    def _inventory_moves(self, product):
        return self.env["stock.move"].search(
            [("product_id", "=", product.id), ("is_inventory", "=", True), ("state", "=", "done")]
        )

    def test_default_definition_reviewed_by_inventory_administrators(self):
        self.assertRecordValues(
            self.definition,
            [
                {
                    "model": "wms.stock.reconciliation",
                    "review_type": "group",
                    "reviewer_group_id": self.env.ref("stock.group_stock_manager").id,
                    "company_id": False,
                    "active": True,
                    "exclude_requester": True,
                }
            ],
        )
        self.assertIn(
            "wms.stock.reconciliation",
            self.env["tier.definition"]._get_tier_validation_model_names(),
        )

    def test_apply_refused_before_validation(self):
        self.assertTrue(self.rec.need_validation)
        with self.assertRaisesRegex(UserError, "must be validated"):
            self.rec.with_user(self.reviewer).action_apply_differences()
        self.assertRecordValues(
            self.rec, [{"state": "draft", "validation_status": "no", "review_ids": []}]
        )
        self.assertFalse(self.rec.line_ids.filtered("applied"))
        self.assertEqual(self._on_hand(self.milk), 40)
        self.assertFalse(self._inventory_moves(self.milk))

    def test_request_validate_apply(self):
        self.rec.with_user(self.integration_user).request_validation()
        self.assertRecordValues(self.rec, [{"validation_status": "pending"}])
        review = self.rec.review_ids
        self.assertRecordValues(
            review,
            [{"definition_id": self.definition.id, "requested_by": self.integration_user.id}],
        )
        self.assertIn(self.reviewer, review.reviewer_ids)
        # pending: still refused, even to a reviewer
        with self.assertRaises(UserError):
            self.rec.with_user(self.reviewer).action_apply_differences()
        self.assertTrue(self.rec.with_user(self.reviewer).can_review)
        self.rec.with_user(self.reviewer).validate_tier()
        self.assertRecordValues(self.rec, [{"validation_status": "validated"}])
        self.assertRecordValues(review, [{"status": "approved", "done_by": self.reviewer.id}])
        self.rec.with_user(self.reviewer).action_apply_differences()
        self.assertRecordValues(self.rec, [{"state": "applied"}])
        self.assertEqual(self.rec.line_ids.filtered("applied").product_id, self.milk)
        self.assertEqual(self._on_hand(self.milk), 37)
        self.assertEqual(self._on_hand(self.butter, self.lot), 20)
        adjustment = self._inventory_moves(self.milk)
        self.assertRecordValues(
            adjustment, [{"quantity": 3, "location_id": self.stock_location.id}]
        )

    def test_rejected_differences_are_not_applied(self):
        self.rec.with_user(self.integration_user).request_validation()
        self.rec.with_user(self.reviewer).reject_tier()
        self.assertRecordValues(self.rec, [{"validation_status": "rejected"}])
        self.rec.invalidate_recordset(["need_validation"])  # computed without dependencies
        self.assertFalse(self.rec.need_validation, "no second request while rejected")
        with self.assertRaises(UserError):
            self.rec.with_user(self.reviewer).action_apply_differences()
        self.assertEqual(self._on_hand(self.milk), 40)
        # the integration team dismisses the report; its reviews go with it
        self.rec.with_user(self.integration_user).action_dismiss()
        self.assertRecordValues(self.rec, [{"state": "cancel", "review_ids": []}])
        self.assertEqual(self._on_hand(self.milk), 40)

    def test_restart_after_rejection(self):
        self.rec.with_user(self.integration_user).request_validation()
        self.rec.with_user(self.reviewer).reject_tier()
        self.rec.with_user(self.integration_user).restart_validation()
        self.assertRecordValues(self.rec, [{"validation_status": "no", "need_validation": True}])
        self.rec.with_user(self.integration_user).request_validation()
        self.rec.with_user(self.reviewer).validate_tier()
        self.rec.with_user(self.reviewer).action_apply_differences()
        self.assertEqual(self._on_hand(self.milk), 37)

    def test_no_difference_applies_directly(self):
        rec = self._reconciliation([(self.butter, self.lot, 20, 20)], ref="INV-0002")
        self.assertEqual(rec.difference_count, 0)
        self.assertFalse(rec.need_validation)
        rec.with_user(self.reviewer).action_apply_differences()
        self.assertRecordValues(
            rec, [{"state": "applied", "validation_status": "no", "review_ids": []}]
        )

    def test_non_reviewer_cannot_validate(self):
        self.rec.with_user(self.integration_user).request_validation()
        as_requester = self.rec.with_user(self.integration_user)
        self.assertFalse(as_requester.can_review)
        self.assertNotIn(self.integration_user, self.rec.review_ids.reviewer_ids)
        with self.assertRaisesRegex(AccessError, "not a reviewer"):
            as_requester.validate_tier()
        with self.assertRaisesRegex(AccessError, "not a reviewer"):
            as_requester.reject_tier()
        self.assertRecordValues(self.rec, [{"validation_status": "pending"}])
        self.assertRecordValues(self.rec.review_ids, [{"status": "pending", "done_by": False}])
        with self.assertRaises(UserError):
            as_requester.action_apply_differences()
        self.assertEqual(self._on_hand(self.milk), 40)

    def test_form_shows_the_validation(self):
        arch = self.env["wms.stock.reconciliation"].get_view(view_type="form")["arch"]
        arch = arch.decode() if isinstance(arch, bytes) else arch
        for node in (
            'name="request_validation"',
            'name="restart_validation"',
            'name="validate_tier"',
            'name="reject_tier"',
            'widget="tier_validation"',
        ):
            self.assertIn(node, arch)
