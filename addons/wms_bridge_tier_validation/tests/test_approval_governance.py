"""The approval of 3PL stock differences cannot be stepped around: not by a raw
write on the reviews (which base_tier_validation opens to every internal user),
not by writing the stored approval summary, not by approving one's own request,
not by a comment wizard filled by hand; in-process, then over real JSON-RPC."""

from odoo import Command
from odoo.addons.wms_bridge.models.wms_governed_mixin import governed
from odoo.addons.wms_bridge.tests.rpc import JsonRpcMixin
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from .common import ReconciliationApprovalMixin


class ApprovalGovernanceMixin(ReconciliationApprovalMixin):
    @classmethod
    def _setup_governance_fixtures(cls):
        cls._setup_approval_fixtures()
        env = cls.env
        cls.definition = env.ref(
            "wms_bridge_tier_validation.tier_definition_wms_stock_reconciliation"
        )
        cls.salesman = new_test_user(
            env, login="wms_tv_sales", groups="sales_team.group_sale_salesman"
        )
        cls.warehouse_user = new_test_user(
            env, login="wms_tv_warehouse", groups="stock.group_stock_user"
        )
        cls.portal = new_test_user(env, login="wms_tv_portal", groups="base.group_portal")
        cls.wms_manager = new_test_user(
            env, login="wms_tv_manager", groups="wms_bridge.group_wms_bridge_manager"
        )
        cls.second_reviewer = new_test_user(
            env, login="wms_tv_second_reviewer", groups="wms_bridge.group_wms_bridge_user"
        )

    def _second_tier(self, approve_sequence=False):
        """A second look by one person, after the inventory administrators'."""
        return self.definition.copy(
            {
                "name": "3PL differences, second look",
                "sequence": 5,
                "review_type": "individual",
                "reviewer_id": self.second_reviewer.id,
                "reviewer_group_id": False,
                "approve_sequence": approve_sequence,
            }
        )

    def _requested(self):
        rec = self._reconciliation([(self.milk, self.env["stock.lot"], 37, 40)])
        rec.with_user(self.integration_user).request_validation()
        self.assertRecordValues(rec, [{"validation_status": "pending"}])
        return rec


@tagged("post_install", "-at_install")
class TestApprovalGovernance(ApprovalGovernanceMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_governance_fixtures()

    def test_reviews_refuse_raw_changes(self):
        rec = self._requested()
        review = rec.review_ids
        for user in (self.salesman, self.integration_user, self.reviewer, self.wms_manager):
            as_user = review.with_user(user)
            for vals in (
                {"status": "approved", "done_by": self.reviewer.id},
                {"requested_by": self.reviewer.id},
                {"comment": "fine"},
                {"res_id": 0},
            ):
                with self.assertRaises(AccessError):
                    as_user.write(vals)
            with self.assertRaises(AccessError):
                as_user.unlink()
            with self.assertRaises(AccessError):
                self.env["tier.review"].with_user(user).create(
                    {
                        "model": "wms.stock.reconciliation",
                        "res_id": rec.id,
                        "definition_id": self.definition.id,
                        "status": "approved",
                    }
                )
        # nor by moving a review of another document onto the reconciliation
        elsewhere = (
            self.env["tier.review"]
            .with_user(self.salesman)
            .create({"model": "res.partner", "res_id": 1, "status": "approved"})
        )
        with self.assertRaises(AccessError):
            elsewhere.write({"model": "wms.stock.reconciliation", "res_id": rec.id})
        self.assertRecordValues(review, [{"status": "pending", "done_by": False}])
        self.assertRecordValues(rec, [{"validation_status": "pending", "state": "draft"}])

    def test_stored_summary_is_not_the_approval(self):
        rec = self._requested()
        for user in (self.integration_user, self.reviewer):
            with self.assertRaises(AccessError):
                rec.with_user(user).write({"validation_status": "validated"})
        with self.assertRaises(UserError):
            rec.with_user(self.reviewer).action_apply_differences()
        self.assertEqual(self._on_hand(self.milk), 40)

    def test_four_eyes_even_when_the_definition_allows_the_requester(self):
        self.definition.exclude_requester = False
        rec = self._reconciliation([(self.milk, self.env["stock.lot"], 37, 40)])
        rec.with_user(self.reviewer).request_validation()
        self.assertIn(self.reviewer, rec.review_ids.reviewer_ids)
        with self.assertRaises(AccessError) as caught:
            rec.with_user(self.reviewer).validate_tier()
        self.assertIn("four eyes", str(caught.exception))
        self.assertRecordValues(rec, [{"validation_status": "pending"}])
        # another inventory administrator validates
        second = new_test_user(
            self.env, login="wms_tv_reviewer_2", groups="stock.group_stock_manager"
        )
        rec.with_user(second).validate_tier()
        self.assertRecordValues(rec, [{"validation_status": "validated"}])

    def test_who_requests_and_restarts(self):
        rec = self._reconciliation([(self.milk, self.env["stock.lot"], 37, 40)])
        for user in (self.salesman, self.warehouse_user):
            with self.assertRaises(AccessError):
                rec.with_user(user).request_validation()
        self.assertFalse(rec.review_ids)
        rec.with_user(self.integration_user).request_validation()
        with self.assertRaises(AccessError):
            rec.with_user(self.warehouse_user).restart_validation()
        self.assertEqual(len(rec.review_ids), 1)

    def test_a_tier_cannot_be_dropped_to_pass(self):
        """Two tiers: deleting the pending one would leave only approved ones."""
        second_tier = self._second_tier()
        rec = self._requested()
        self.assertEqual(len(rec.review_ids), 2)
        first = rec.review_ids.filtered(lambda r: r.definition_id == self.definition)
        rec.with_user(self.reviewer).validate_tier()
        self.assertEqual(first.status, "approved")
        pending = rec.review_ids - first
        self.assertEqual(pending.definition_id, second_tier)
        for user in (self.reviewer, self.integration_user):
            with self.assertRaises(AccessError):
                pending.with_user(user).unlink()
        with self.assertRaises(UserError):
            rec.with_user(self.reviewer).action_apply_differences()
        self.assertEqual(self._on_hand(self.milk), 40)

    def test_comment_wizard(self):
        self.definition.has_comment = True
        rec = self._requested()
        other = self._requested()
        # a wizard carrying another reconciliation's review is refused
        forged = (
            self.env["comment.wizard"]
            .with_user(self.reviewer)
            .create(
                {
                    "res_model": "wms.stock.reconciliation",
                    "res_id": rec.id,
                    "validate_reject": "validate",
                    "review_ids": [Command.set(other.review_ids.ids)],
                    "comment": "looks fine",
                }
            )
        )
        with self.assertRaises(AccessError):
            forged.add_comment()
        self.assertRecordValues(rec | other, [{"validation_status": "pending"}] * 2)
        # the reviewer's own wizard validates with the comment
        action = rec.with_user(self.reviewer).validate_tier()
        wizard = (
            self.env["comment.wizard"]
            .with_user(self.reviewer)
            .with_context(**action["context"])
            .create({"comment": "counted again: 37"})
        )
        wizard.add_comment()
        self.assertRecordValues(rec, [{"validation_status": "validated"}])
        self.assertRecordValues(rec.review_ids, [{"comment": "counted again: 37"}])

    def test_reviews_systray_still_works(self):
        """The systray promotes a waiting review whose turn came (bookkeeping of
        base_tier_validation, run for whichever reviewer opens it)."""
        self._second_tier(approve_sequence=True)
        rec = self._requested()
        waiting = rec.review_ids.filtered(lambda r: r.status == "waiting")
        self.assertEqual(waiting.reviewer_ids, self.second_reviewer)
        rec.with_user(self.reviewer).validate_tier()
        governed(waiting).write({"status": "waiting"})  # as before its turn was noticed
        counts = self.second_reviewer.with_user(self.second_reviewer).review_user_count()
        self.assertEqual(waiting.status, "pending")
        self.assertTrue(
            any(entry["model"] == "wms.stock.reconciliation" for entry in counts), counts
        )


@tagged("post_install", "-at_install")
class TestApprovalHostileRpc(ApprovalGovernanceMixin, JsonRpcMixin, HttpCase):
    """The same bypasses over real HTTP JSON-RPC, as each role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_governance_fixtures()

    def _approval_state(self, rec):
        """The reconciliation, its reviews and lines, read again as the administrator."""
        return self.snapshot(
            [
                (rec, ["state", "validation_status", "difference_count", "review_ids"]),
                (rec.review_ids, ["status", "done_by", "requested_by", "res_id", "comment"]),
                (rec.line_ids, ["partner_qty", "odoo_qty", "applied"]),
            ]
        )

    def test_no_way_around_the_approval(self):
        rec = self._requested()
        review = rec.review_ids
        state = self._approval_state(rec)
        users = (
            self.integration_user,
            self.wms_manager,
            self.warehouse_user,
            self.salesman,
            self.portal,
            self.reviewer,
        )
        for user in users:
            login = user.login
            self.assertRefused(
                login,
                "tier.review",
                "write",
                [review.ids, {"status": "approved", "done_by": user.id}],
            )
            self.assertRefused(login, "tier.review", "unlink", [review.ids])
            self.assertRefused(
                login,
                "tier.review",
                "create",
                [
                    {
                        "model": "wms.stock.reconciliation",
                        "res_id": rec.id,
                        "definition_id": self.definition.id,
                        "status": "approved",
                    }
                ],
            )
            self.assertRefused(
                login,
                "wms.stock.reconciliation",
                "write",
                [rec.ids, {"validation_status": "validated"}],
            )
            self.assertRefused(
                login, "wms.stock.reconciliation", "action_apply_differences", [rec.ids]
            )
            if user != self.reviewer:
                self.assertRefused(login, "wms.stock.reconciliation", "validate_tier", [rec.ids])
            self.assertEqual(self._approval_state(rec), state, login)
        self.assertEqual(self._on_hand(self.milk), 40)
        # the legitimate path still works over RPC: the reviewer validates, then applies
        self.assertAllowed(
            self.reviewer.login, "wms.stock.reconciliation", "validate_tier", [rec.ids]
        )
        self.assertAllowed(
            self.reviewer.login, "wms.stock.reconciliation", "action_apply_differences", [rec.ids]
        )
        self.env.invalidate_all()
        self.assertRecordValues(rec, [{"state": "applied", "validation_status": "validated"}])
        self.assertEqual(self._on_hand(self.milk), 37)
