from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import GROUP_CREDIT, GROUP_MANAGER, ApprovalMixin


@tagged("post_install", "-at_install")
class TestHoldApproval(ApprovalMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_approvals()
        cls.credit_tier = cls.tier(
            cls.hold_model,
            f"[('check_code', '=', 'credit_limit'), ('warehouse_id', '=', {cls.wh_north.id})]",
            group=GROUP_MANAGER,
            name="Credit holds at North",
        )

    def test_hold_no_tier_covers_is_released_directly(self):
        hold = self.credit_hold(warehouse=self.wh_south)
        self.assertFalse(hold.need_validation)
        hold.with_user(self.credit_user).action_release("Paid upfront")
        self.assertEqual(hold.state, "released")

    def test_release_only_through_approved_review(self):
        hold = self.credit_hold()
        self.assertTrue(hold.need_validation)
        with self.assertRaises(UserError):
            hold.with_user(self.credit_user).action_release("Paid upfront")
        with self.assertRaises(UserError):
            hold.with_user(self.reviewer).action_release("Paid upfront")
        self.assertEqual(hold.state, "open")

        hold.with_user(self.credit_user).request_validation()
        self.assertEqual(hold.review_ids.status, "pending")
        self.assertEqual(hold.review_ids.requested_by, self.credit_user)
        hold.with_user(self.reviewer).validate_tier()
        self.assertEqual(hold.state, "released")
        self.assertEqual(hold.resolved_by_id, self.reviewer)
        self.assertEqual(hold.order_id.distribution_state, "released")
        self.assertEqual(self.log(hold).mapped("event"), ["request", "approve", "release"])
        approve = self.log(hold).filtered(lambda entry: entry.event == "approve")
        self.assertEqual(approve.user_id, self.reviewer)
        self.assertEqual(approve.tier_sequence, 1)
        self.assertEqual(approve.definition_id, self.credit_tier)

    def test_routing_by_reason_code_and_site(self):
        self.tier(
            self.hold_model,
            "[('check_code', '=', 'customer_hold')]",
            group=GROUP_CREDIT,
            name="Blocked customers",
        )
        self.customer.write({"credit_limit": 500.0, "distribution_on_hold": True})
        order = self.make_order([(self.product, 12)])
        order.action_confirm()
        credit = order.distribution_hold_ids.filtered(lambda h: h.check_code == "credit_limit")
        blocked = order.distribution_hold_ids - credit
        credit.with_user(self.credit_user).request_validation()
        blocked.with_user(self.sales_user).request_validation()
        self.assertEqual(credit.review_ids.definition_id, self.credit_tier)
        self.assertEqual(blocked.review_ids.definition_id.name, "Blocked customers")
        self.assertIn(self.credit_user, blocked.review_ids.reviewer_ids)
        self.assertNotIn(self.credit_user, credit.review_ids.reviewer_ids)

    def test_non_reviewer_cannot_validate_or_reject(self):
        hold = self.credit_hold()
        hold.with_user(self.credit_user).request_validation()
        for user in (self.sales_user, self.credit_user):
            with self.assertRaises(AccessError):
                hold.with_user(user).validate_tier()
            with self.assertRaises(AccessError):
                hold.with_user(user).action_reject_approval("no")
        self.assertEqual(hold.review_ids.status, "pending")

    def test_four_eyes_requester_never_approves_own_request(self):
        hold = self.credit_hold()
        hold.with_user(self.reviewer).request_validation()
        with self.assertRaises(AccessError):
            hold.with_user(self.reviewer).validate_tier()
        self.assertEqual(hold.review_ids.status, "pending")
        self.assertEqual(hold.state, "open")

    def test_four_eyes_submitter_never_approves(self):
        # the reviewer submitted the order themself
        self.customer.credit_limit = 500.0
        order = self.make_order([(self.product, 12)], user=self.reviewer)
        order.with_user(self.reviewer).action_confirm()
        hold = order.distribution_hold_ids
        hold.with_user(self.credit_user).request_validation()
        with self.assertRaises(AccessError):
            hold.with_user(self.reviewer).validate_tier()

    def test_tier_may_allow_self_approval(self):
        self.credit_tier.distribution_allow_self_approval = True
        hold = self.credit_hold()
        hold.with_user(self.reviewer).request_validation()
        hold.with_user(self.reviewer).validate_tier()
        self.assertEqual(hold.state, "released")

    def test_rejection_needs_reason_and_keeps_hold_open(self):
        hold = self.credit_hold()
        hold.with_user(self.credit_user).request_validation()
        with self.assertRaises(UserError):
            hold.with_user(self.reviewer).action_reject_approval("  ")
        action = hold.with_user(self.reviewer).reject_tier()
        self.assertEqual(action["res_model"], "comment.wizard", "the reason is asked for")
        hold.with_user(self.reviewer).action_reject_approval("Customer has unpaid invoices")
        self.assertEqual(hold.review_ids.status, "rejected")
        self.assertEqual(hold.state, "open")
        reject = self.log(hold).filtered(lambda entry: entry.event == "reject")
        self.assertEqual(reject.reason, "Customer has unpaid invoices")
        # asked again after a change, then approved
        hold.with_user(self.credit_user).restart_validation()
        self.assertFalse(hold.review_ids)
        hold.with_user(self.credit_user).request_validation()
        hold.with_user(self.reviewer).validate_tier()
        self.assertEqual(hold.state, "released")

    def test_comment_wizard_checks_its_reviews(self):
        hold = self.credit_hold()
        hold.with_user(self.credit_user).request_validation()
        wizard = (
            self.env["comment.wizard"]
            .with_user(self.sales_user)
            .create(
                {
                    "res_model": hold._name,
                    "res_id": hold.id,
                    "review_ids": [(6, 0, hold.review_ids.ids)],
                    "validate_reject": "validate",
                    "comment": "ok",
                }
            )
        )
        with self.assertRaises(AccessError):
            wizard.add_comment()
        self.assertEqual(hold.review_ids.status, "pending")

    def test_sequential_tiers_wait_for_their_turn(self):
        self.credit_tier.approve_sequence = True
        second_reviewer = new_test_user(
            self.env,
            login="appr_second",
            groups=f"{GROUP_CREDIT},distribution_orchestration.group_orchestration_all_sites",
        )
        self.tier(
            self.hold_model,
            "[('check_code', '=', 'credit_limit')]",
            user=second_reviewer,
            sequence=5,
            approve_sequence=True,
            name="Second tier",
        )
        hold = self.credit_hold()
        hold.with_user(self.credit_user).request_validation()
        self.assertEqual(len(hold.review_ids), 2)
        with self.assertRaises(AccessError):
            hold.with_user(second_reviewer).validate_tier()
        hold.with_user(self.reviewer).validate_tier()
        self.assertEqual(hold.state, "open", "tier 2 still to approve")
        hold.with_user(second_reviewer).validate_tier()
        self.assertEqual(hold.state, "released")

    def test_hostile_rpc_on_reviews_and_log(self):
        hold = self.credit_hold()
        hold.with_user(self.credit_user).request_validation()
        review = hold.review_ids
        Review = self.env["tier.review"].with_user(self.sales_user)
        with self.assertRaises(AccessError):
            review.with_user(self.sales_user).write({"status": "approved"})
        with self.assertRaises(AccessError):
            review.with_user(self.reviewer).write({"status": "approved"})
        with self.assertRaises(AccessError):
            review.with_user(self.sales_user).unlink()
        with self.assertRaises(AccessError):
            Review.create(
                {
                    "model": hold._name,
                    "res_id": hold.id,
                    "definition_id": self.credit_tier.id,
                    "status": "approved",
                }
            )
        # the context key of the sentinel is not the sentinel
        with self.assertRaises(AccessError):
            review.with_user(self.sales_user).with_context(
                distribution_approvals_governed=True
            ).write({"status": "approved"})
        log = self.log(hold)
        with self.assertRaises(UserError):
            log.write({"reason": "rewritten"})
        with self.assertRaises(UserError):
            log.unlink()
        with self.assertRaises(AccessError):
            self.env["distribution.approval.log"].with_user(self.reviewer).create(
                {"event": "approve", "res_model": hold._name, "res_id": hold.id}
            )
        self.assertEqual(review.status, "pending")
