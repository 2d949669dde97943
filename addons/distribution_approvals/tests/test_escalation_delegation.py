from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import ApprovalMixin

T0 = datetime(2026, 12, 1, 9, 0)


@tagged("post_install", "-at_install")
class TestEscalationDelegation(ApprovalMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_approvals()
        cls.boss = new_test_user(cls.env, login="appr_boss", name="Reviewers' Manager")
        cls.colleague = new_test_user(
            cls.env,
            login="appr_colleague",
            name="Colleague",
            groups="sales_team.group_sale_salesman_all_leads,"
            "distribution_orchestration.group_orchestration_all_sites,"
            "distribution_orchestration.group_orchestration_user",
        )
        cls.credit_tier = cls.tier(
            cls.hold_model,
            "[('check_code', '=', 'credit_limit')]",
            user=cls.reviewer,
            name="Credit holds",
            distribution_sla_hours=4,
            distribution_warn_hours=1,
            distribution_escalation_user_id=cls.boss.id,
        )

    def escalations(self, hold):
        return self.log(hold).filtered(lambda entry: entry.event == "escalate")

    def test_due_time_and_escalation_with_frozen_time(self):
        with freeze_time(T0):
            hold = self.credit_hold()
            hold.with_user(self.credit_user).request_validation()
            review = hold.review_ids
            self.assertEqual(review.distribution_due_at, T0 + timedelta(hours=4))
        with freeze_time(T0 + timedelta(hours=2)):
            self.env["tier.review"]._cron_distribution_escalate()
            self.assertEqual(review.distribution_escalation, "none")
            self.assertFalse(self.escalations(hold))
        with freeze_time(T0 + timedelta(hours=3, minutes=30)):
            self.env["tier.review"]._cron_distribution_escalate()
            self.assertEqual(review.distribution_escalation, "approaching")
            self.assertEqual(
                hold.activity_ids.filtered(lambda a: a.user_id == self.reviewer).summary,
                f"Approval due soon: {hold.display_name}",
            )
        with freeze_time(T0 + timedelta(hours=5)):
            self.env["tier.review"]._cron_distribution_escalate()
            self.env["tier.review"]._cron_distribution_escalate()  # once per stage
            self.assertEqual(review.distribution_escalation, "overdue")
            boss_activity = hold.activity_ids.filtered(lambda a: a.user_id == self.boss)
            self.assertEqual(len(boss_activity), 1)
            self.assertIn("overdue", boss_activity.summary)
        self.assertEqual(len(self.escalations(hold)), 2)
        self.assertIn(self.boss.name, self.escalations(hold)[-1].reason)

    def test_delegate_approves_on_behalf_during_the_period(self):
        hold = self.credit_hold()
        hold.with_user(self.credit_user).request_validation()
        with self.assertRaises(AccessError):
            hold.with_user(self.colleague).validate_tier()
        self.env["distribution.approval.delegation"].with_user(self.reviewer).create(
            {
                "delegate_id": self.colleague.id,
                "date_from": datetime.now() - timedelta(hours=1),
                "date_to": datetime.now() + timedelta(days=7),
                "reason": "On leave",
            }
        )
        self.assertIn(self.colleague, hold.review_ids.reviewer_ids)
        hold.with_user(self.colleague).validate_tier()
        self.assertEqual(hold.state, "released")
        approve = self.log(hold).filtered(lambda entry: entry.event == "approve")
        self.assertRecordValues(
            approve, [{"user_id": self.colleague.id, "on_behalf_of_id": self.reviewer.id}]
        )
        delegate_log = self.env["distribution.approval.log"].search(
            [("event", "=", "delegate"), ("on_behalf_of_id", "=", self.reviewer.id)]
        )
        self.assertEqual(len(delegate_log), 1)

    def test_ended_delegation_no_longer_reviews(self):
        hold = self.credit_hold()
        hold.with_user(self.credit_user).request_validation()
        delegation = (
            self.env["distribution.approval.delegation"]
            .with_user(self.reviewer)
            .create(
                {
                    "delegate_id": self.colleague.id,
                    "date_from": datetime.now() - timedelta(hours=1),
                    "date_to": datetime.now() + timedelta(days=7),
                }
            )
        )
        with self.assertRaises(AccessError):
            delegation.with_user(self.colleague).action_end()
        delegation.with_user(self.reviewer).action_end()
        self.assertNotIn(self.colleague, hold.review_ids.reviewer_ids)
        with self.assertRaises(AccessError):
            hold.with_user(self.colleague).validate_tier()

    def test_delegations_are_governed(self):
        Delegation = self.env["distribution.approval.delegation"]
        with self.assertRaises(AccessError):
            Delegation.with_user(self.colleague).create(
                {
                    "delegator_id": self.reviewer.id,
                    "delegate_id": self.colleague.id,
                    "date_to": datetime.now() + timedelta(days=1),
                }
            )
        delegation = Delegation.with_user(self.reviewer).create(
            {"delegate_id": self.colleague.id, "date_to": datetime.now() + timedelta(days=1)}
        )
        with self.assertRaises(UserError):
            delegation.with_user(self.reviewer).write(
                {"date_to": datetime.now() + timedelta(days=30)}
            )
        with self.assertRaises(UserError):
            delegation.sudo().unlink()

    def test_my_approvals_lists_the_users_pending_reviews(self):
        hold = self.credit_hold()
        hold.with_user(self.credit_user).request_validation()
        action = self.env.ref("distribution_approvals.tier_review_my_approvals_action")
        mine = (
            self.env["tier.review"]
            .with_user(self.reviewer)
            .search(
                self.env["tier.review"].with_user(self.reviewer)._distribution_my_approvals_domain()
            )
        )
        self.assertEqual(mine, hold.review_ids)
        self.assertEqual(action.res_model, "tier.review")
        self.assertEqual(
            self.env["tier.review"].with_user(self.reviewer)._distribution_my_approvals_count(), 1
        )
