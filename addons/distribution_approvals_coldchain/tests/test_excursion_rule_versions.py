from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.addons.coldchain_sites.tests.excursion_common import ExcursionCase
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

ADMIN = "distribution_approvals.group_rule_admin"
APPROVER = "distribution_approvals.group_rule_approver"
NOW = datetime(2026, 12, 28, 9, 0)


@tagged("post_install", "-at_install")
class TestExcursionRuleVersions(ExcursionCase):
    """Excursion rules under governed rule changes: a direct edit is refused, an
    activated version makes the rule's next version (its own chain), excursions keep
    the version that fired, freeze periods apply."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        manager = "coldchain_sites.group_coldchain_manager"
        cls.rule_admin = new_test_user(cls.env, login="xr_admin", groups=f"{manager},{ADMIN}")
        cls.approver = new_test_user(cls.env, login="xr_approver", groups=f"{manager},{APPROVER}")
        cls.env.company.with_user(cls.approver).distribution_rule_governance = True
        cls.Version = cls.env["distribution.rule.version"]

    def propose(self, rule, changes, effective=None):
        action = rule.with_user(self.rule_admin).action_rule_propose_change()
        version = self.Version.browse(action["res_id"]).with_user(self.rule_admin)
        version.write(
            {
                "reason": "Tighter alarm after the audit",
                "effective_date": effective or datetime.now(),
                "change_ids": [
                    (0, 0, {"field_key": f"{rule._name}|{name}", "new_value": text})
                    for name, text in changes
                ],
            }
        )
        return version

    def test_rule_changes_only_through_an_activated_version(self):
        rule = self.rule_instant
        v1 = self.Version.search([("rule_model", "=", rule._name), ("rule_id", "=", rule.id)])
        self.assertEqual((v1.version, v1.state), (1, "active"))
        self.insert_readings(self.warm_spell())
        self.evaluate(95)
        fired = self.excursions(rule)
        with self.assertRaises(UserError):
            rule.with_user(self.env.ref("base.user_admin")).write({"limit_max": 10.0})
        self.assertFalse(rule.superseded)
        draft = self.propose(rule, [("limit_max", "7.5"), ("severity", "Product at risk")])
        draft.with_user(self.approver).action_activate()
        self.assertEqual(draft.state, "active")
        # the rule's own chain made version 2; the governed version follows it
        self.assertTrue(rule.superseded)
        current = self.env["coldchain.excursion.rule"].search([("code", "=", rule.code)])
        self.assertEqual(
            (current.version, current.limit_max, current.severity), (2, 7.5, "product_risk")
        )
        self.assertEqual(draft.rule_id, current.id)
        self.assertEqual(v1.state, "superseded")
        self.assertEqual(fired.rule_id, rule)  # excursions keep the version that fired
        # and the next proposal starts from the current version
        nxt = self.propose(current, [("limit_max", "7")])
        self.assertEqual(nxt.change_ids.current_value, "7.5")

    def test_zones_are_typed_by_name_and_freeze_applies(self):
        rule = self.rule_instant
        zone = self.sensor_a.location_id
        self.env["distribution.change.freeze"].create(
            {
                "name": "Peak season",
                "date_from": NOW - timedelta(days=1),
                "date_to": NOW + timedelta(days=1),
            }
        )
        with freeze_time(NOW):
            draft = self.propose(rule, [("location_ids", zone.display_name)])
            with self.assertRaisesRegex(UserError, "Peak season"):
                draft.with_user(self.approver).action_activate()
        with freeze_time(NOW + timedelta(days=2)):
            draft.with_user(self.approver).action_activate()
        current = self.env["coldchain.excursion.rule"].search([("code", "=", rule.code)])
        self.assertEqual(current.location_ids, zone)
