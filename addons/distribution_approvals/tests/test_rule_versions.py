from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from .common import ApprovalMixin

ADMIN = "distribution_approvals.group_rule_admin"
APPROVER = "distribution_approvals.group_rule_approver"
EMERGENCY = "distribution_approvals.group_rule_emergency"
NOW = datetime(2026, 11, 16, 9, 0)


@tagged("post_install", "-at_install")
class TestRuleVersions(ApprovalMixin, TransactionCase):
    """Governed rule changes: draft -> activation by another approver from an effective
    date, outside freeze periods (emergency group excepted), every step logged, and
    decisions recording the version they used."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_approvals()
        base = "distribution_orchestration.group_orchestration_manager"
        cls.rule_admin = new_test_user(
            cls.env, login="rv_admin", name="Rae Admin", groups=f"{base},{ADMIN}"
        )
        cls.approver = new_test_user(
            cls.env, login="rv_approver", name="Abe Approver", groups=f"{base},{APPROVER}"
        )
        cls.emergency = new_test_user(
            cls.env, login="rv_emergency", name="Emma Emergency", groups=f"{base},{EMERGENCY}"
        )
        cls.outsider = new_test_user(
            cls.env, login="rv_outsider", name="Otto Outsider", groups=base
        )
        cls.credit_check = cls.checks.filtered(lambda c: c.code == "credit_limit")
        cls.company.with_user(cls.approver).distribution_rule_governance = True
        cls.Version = cls.env["distribution.rule.version"]

    def versions(self, rule):
        return self.Version.search(
            [("rule_model", "=", rule._name), ("rule_id", "=", rule.id)], order="version"
        )

    def propose(
        self, rule, changes, user=None, reason="Tighter credit after audit", effective=None
    ):
        version_action = rule.with_user(user or self.rule_admin).action_rule_propose_change()
        version = self.Version.browse(version_action["res_id"]).with_user(user or self.rule_admin)
        version.write(
            {
                "reason": reason,
                "effective_date": effective or datetime.now(),
                "change_ids": [
                    (0, 0, {"field_key": f"{rule._name}|{name}", "new_value": text})
                    for name, text in changes
                ],
            }
        )
        return version

    def test_turning_governance_on_records_every_rule_as_version_1(self):
        v1 = self.versions(self.credit_check)
        self.assertEqual(len(v1), 1)
        self.assertEqual((v1.version, v1.state), (1, "active"))
        self.assertEqual(v1.values["tolerance_pct"], self.credit_check.tolerance_pct)
        self.assertEqual(self.versions(self.company).state, "active")
        self.assertEqual(self.credit_check.rule_version_id, v1)
        # only rule approvers switch it, and it is logged
        with self.assertRaises(UserError):
            self.company.with_user(self.rule_admin).distribution_rule_governance = False
        self.assertTrue(self.log(self.company).filtered(lambda entry: entry.event == "activate"))

    def test_direct_writes_are_refused_for_any_caller(self):
        for user in (self.outsider, self.approver, self.env.ref("base.user_admin")):
            with self.assertRaises(UserError):
                self.credit_check.with_user(user).write({"tolerance_pct": 50.0})
        with self.assertRaises(UserError):
            self.company.with_user(self.approver).distribution_allocation_policy = "ship_complete"
        # the same value is not a change (the Settings form writes every field back)
        self.credit_check.with_user(self.outsider).write(
            {"tolerance_pct": self.credit_check.tolerance_pct}
        )
        # versions themselves are written by their steps only
        with self.assertRaises(AccessError):
            self.Version.with_user(self.rule_admin).create(
                {"rule_model": "distribution.check", "rule_id": self.credit_check.id}
            )
        v1 = self.versions(self.credit_check)
        with self.assertRaises(AccessError):
            v1.with_user(self.approver).write({"state": "draft"})
        with self.assertRaises(UserError):
            v1.with_user(self.approver).unlink()

    def test_activation_by_another_approver_applies_and_supersedes(self):
        old_tolerance = self.credit_check.tolerance_pct
        draft = self.propose(self.credit_check, [("tolerance_pct", "2.5"), ("due_hours", "8")])
        self.assertEqual(draft.version, 2)
        self.assertEqual(draft.change_ids[0].current_value, f"{old_tolerance:g}")
        # a user without the approver group, and the proposer, are refused
        with self.assertRaises(AccessError):
            draft.with_user(self.outsider).action_activate()
        proposer_approver = new_test_user(self.env, login="rv_both", groups=f"{APPROVER}")
        own = self.propose(self.credit_check, [("due_hours", "6")], user=proposer_approver)
        with self.assertRaises(UserError):
            own.with_user(proposer_approver).action_activate()
        draft.with_user(self.approver).action_activate()
        self.assertEqual(draft.state, "active")
        self.assertEqual(self.credit_check.tolerance_pct, 2.5)
        self.assertEqual(self.credit_check.due_hours, 8.0)
        v1 = self.versions(self.credit_check)[0]
        self.assertEqual(v1.state, "superseded")
        self.assertEqual(v1.values["tolerance_pct"], old_tolerance)  # still readable
        self.assertEqual(draft.approved_by_id, self.approver)
        entry = self.log(draft)
        self.assertEqual(
            (entry.event, entry.user_id, entry.reason),
            ("activate", self.approver, "Tighter credit after audit"),
        )
        # an activated version is no longer edited
        with self.assertRaises(UserError):
            draft.with_user(self.rule_admin).write({"reason": "changed my mind"})

    def test_bad_values_are_refused_with_the_field_named(self):
        with self.assertRaisesRegex(UserError, "Tolerance"):
            self.propose(self.credit_check, [("tolerance_pct", "a lot")])
        with self.assertRaisesRegex(UserError, "Allocation Policy"):
            self.propose(
                self.company, [("distribution_allocation_policy", "whatever is cheapest today")]
            )
        with self.assertRaises(UserError):  # not a governed field
            self.propose(self.credit_check, [("code", "min_margin")])

    def test_decisions_record_the_version_they_used(self):
        draft = self.propose(self.credit_check, [("due_hours", "6")])
        draft.with_user(self.approver).action_activate()
        self.assertEqual(self.versions(self.credit_check).mapped("state"), ["superseded", "active"])
        hold = self.credit_hold()
        self.assertEqual(hold.check_id, self.credit_check)
        self.assertEqual(hold.check_version_id, draft)
        self.customer.credit_limit = 0.0
        allocated = self.make_order([(self.product, 1)], warehouse_id=self.wh_north.id)
        allocated.action_confirm()
        allocations = allocated.distribution_allocation_ids
        self.assertTrue(allocations)
        self.assertEqual(allocations.policy_version_id, self.versions(self.company)[-1])
        with self.assertRaises(AccessError):
            hold.with_user(self.approver).write({"check_version_id": False})

    def test_future_effective_date_is_scheduled_then_applied_by_the_cron(self):
        with freeze_time(NOW):
            draft = self.propose(
                self.company,
                [("distribution_allocation_policy", "Nearest with stock")],
                effective=NOW + timedelta(days=3),
            )
            draft.with_user(self.approver).action_activate()
            self.assertEqual(draft.state, "scheduled")
            self.assertEqual(self.company.distribution_allocation_policy, "home_then_nearest")
            self.Version._cron_apply_scheduled()
            self.assertEqual(draft.state, "scheduled")
        with freeze_time(NOW + timedelta(days=3, minutes=5)):
            self.Version._cron_apply_scheduled()
        self.assertEqual(draft.state, "active")
        self.assertEqual(self.company.distribution_allocation_policy, "nearest_with_stock")

    def test_freeze_period_refuses_activation_except_the_emergency_group(self):
        freeze = (
            self.env["distribution.change.freeze"]
            .with_user(self.rule_admin)
            .create(
                {
                    "name": "Month-end close",
                    "date_from": NOW - timedelta(days=1),
                    "date_to": NOW + timedelta(days=2),
                }
            )
        )
        with freeze_time(NOW):
            draft = self.propose(self.credit_check, [("tolerance_pct", "1")])
            with self.assertRaisesRegex(UserError, "Month-end close"):
                draft.with_user(self.approver).action_activate()
            self.assertEqual(draft.state, "draft")
            draft.with_user(self.emergency).action_activate()
        self.assertEqual(draft.state, "active")
        self.assertTrue(draft.emergency)
        self.assertEqual(draft.freeze_id, freeze)
        self.assertIn("Emergency change during freeze Month-end close", self.log(draft).reason)

    def test_site_freeze_and_scheduled_version_waiting_for_a_freeze(self):
        Freeze = self.env["distribution.change.freeze"].with_user(self.rule_admin)
        Freeze.create(
            {
                "name": "North stocktake",
                "warehouse_id": self.wh_north.id,
                "date_from": NOW + timedelta(days=1),
                "date_to": NOW + timedelta(days=4),
            }
        )
        with freeze_time(NOW):
            # a company-wide rule applies at North too: the North freeze covers it
            draft = self.propose(
                self.credit_check, [("tolerance_pct", "3")], effective=NOW + timedelta(days=2)
            )
            with self.assertRaisesRegex(UserError, "North stocktake"):
                draft.with_user(self.approver).action_activate()
            # scheduled before a freeze was declared: it waits for the freeze to end
            later = self.propose(
                self.credit_check, [("tolerance_pct", "4")], effective=NOW + timedelta(hours=2)
            )
            later.with_user(self.approver).action_activate()
            self.assertEqual(later.state, "scheduled")
        Freeze.create(
            {
                "name": "Peak",
                "date_from": NOW + timedelta(hours=1),
                "date_to": NOW + timedelta(hours=5),
            }
        )
        with freeze_time(NOW + timedelta(hours=3)):
            self.Version._cron_apply_scheduled()
            self.assertEqual(later.state, "scheduled")
        with freeze_time(NOW + timedelta(hours=6)):
            self.Version._cron_apply_scheduled()
        self.assertEqual(later.state, "active")
        self.assertEqual(self.credit_check.tolerance_pct, 4.0)

    def test_new_rule_under_governance_waits_for_its_first_version(self):
        check = self.env["distribution.check"].create(
            {"code": "min_margin", "warehouse_id": self.wh_south.id, "min_margin_pct": 12.0}
        )
        self.assertFalse(check.active)
        draft = self.versions(check)
        self.assertEqual((draft.state, draft.change_ids.new_value), ("draft", "yes"))
        draft.with_user(self.rule_admin).reason = "South margin floor"
        draft.with_user(self.approver).action_activate()
        self.assertTrue(check.active)

    def test_site_variants_within_bounds_and_the_conformance_report(self):
        enterprise = self.credit_check
        self.assertEqual(enterprise.distribution_scope, "site")
        raise_tolerance = self.propose(enterprise, [("tolerance_pct", "5")])
        raise_tolerance.with_user(self.approver).action_activate()
        Check = self.env["distribution.check"].with_user(self.env.ref("base.user_admin"))
        # a site may loosen nothing: a higher tolerance at North is refused
        loose = Check.create(
            {"code": "credit_limit", "warehouse_id": self.wh_north.id, "tolerance_pct": 9.0}
        )
        draft = self.versions(loose)
        draft.with_user(self.rule_admin).reason = "North wants room"
        with self.assertRaisesRegex(UserError, "may only be lowered"):
            draft.with_user(self.approver).action_activate()
        # stricter is fine, and shows in the conformance report with who and since when
        strict = Check.create(
            {"code": "credit_limit", "warehouse_id": self.wh_south.id, "tolerance_pct": 1.0}
        )
        first = self.versions(strict)
        first.with_user(self.rule_admin).reason = "South: strict credit"
        first.with_user(self.approver).action_activate()
        self.assertTrue(strict.active)
        Report = self.env["distribution.rule.conformance"].with_user(self.rule_admin)
        Report.action_open_report()
        rows = Report.search([("warehouse_id", "=", self.wh_south.id)])
        self.assertEqual(
            [
                (r.field_label, r.enterprise_value, r.site_value, r.status, r.approved_by_id)
                for r in rows
            ],
            [("Tolerance (%)", "5", "1", "within", self.approver)],
        )
        self.assertEqual(rows.since, first.activated_at)
        # the enterprise tightens below the site: the site is now out of bounds (drift shown)
        tighter = self.propose(enterprise, [("tolerance_pct", "0.5")])
        tighter.with_user(self.approver).action_activate()
        Report.action_open_report()
        self.assertEqual(Report.search([("warehouse_id", "=", self.wh_south.id)]).status, "out")
        # locked: no site variant is activated, existing ones are flagged
        lock = self.propose(enterprise, [("distribution_scope", "Enterprise-locked")])
        lock.with_user(self.approver).action_activate()
        Report.action_open_report()
        self.assertEqual(Report.search([("warehouse_id", "=", self.wh_south.id)]).status, "locked")
        with self.assertRaisesRegex(UserError, "enterprise-locked"):
            draft.with_user(self.approver).action_activate()
        # the report is built, never edited; a user without the rights does not open it
        with self.assertRaises(AccessError):
            rows.with_user(self.rule_admin).write({"status": "within"})
        nobody = new_test_user(self.env, login="rv_nobody", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["distribution.rule.conformance"].with_user(nobody).action_open_report()


@tagged("post_install", "-at_install")
class TestRuleVersionTour(ApprovalMixin, HttpCase):
    """In the web client: a rule administrator (and approver) proposes a change of an
    order check from its form; activating their own proposal is refused; another
    approver's activation puts it in force."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_approvals()
        base = "distribution_orchestration.group_orchestration_manager"
        cls.proposer = new_test_user(
            cls.env, login="rv_tour", password="rv_tour", groups=f"{base},{APPROVER}"
        )
        cls.approver = new_test_user(cls.env, login="rv_tour_approver", groups=f"{base},{APPROVER}")
        cls.credit_check = cls.checks.filtered(lambda c: c.code == "credit_limit")
        cls.credit_check.tolerance_pct = 5.0  # before governance: version 1 has it
        cls.company.with_user(cls.approver).distribution_rule_governance = True

    def test_propose_from_the_form_then_activate(self):
        action = "action-distribution_orchestration.distribution_check_action"
        url = f"/odoo/{action}/{self.credit_check.id}"
        self.start_tour(url, "distribution_rule_version_propose_tour", login="rv_tour")
        draft = self.env["distribution.rule.version"].search(
            [
                ("rule_model", "=", "distribution.check"),
                ("rule_id", "=", self.credit_check.id),
                ("state", "=", "draft"),
            ]
        )
        self.assertEqual(draft.change_ids.mapped("new_value"), ["2.5"])
        self.assertEqual(draft.proposed_by_id, self.proposer)
        draft.with_user(self.approver).action_activate()
        self.assertEqual(self.credit_check.tolerance_pct, 2.5)
