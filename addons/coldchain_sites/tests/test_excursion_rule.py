from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .excursion_common import ExcursionCase


@tagged("post_install", "-at_install")
class TestExcursionRule(ExcursionCase):
    def test_editing_parameters_creates_a_version(self):
        self.insert_readings(self.warm_spell())
        self.evaluate(95)
        fired = self.excursions(self.rule_instant)
        self.rule_instant.write({"limit_max": 10.0})
        self.assertFalse(self.rule_instant.active)
        self.assertTrue(self.rule_instant.superseded)
        self.assertEqual(self.rule_instant.limit_max, 8.0)
        new = self.env["coldchain.excursion.rule"].search([("code", "=", "T-INSTANT")])
        self.assertRecordValues(
            new, [{"version": 2, "limit_max": 10.0, "previous_version_id": self.rule_instant.id}]
        )
        self.assertEqual(fired.rule_id, self.rule_instant)
        self.assertEqual(fired.rule_version, 1)
        with self.assertRaises(UserError):
            self.rule_instant.write({"limit_max": 9.0})
        # renaming is not a new version
        new.write({"name": "Renamed"})
        self.assertEqual(new.version, 2)
        # the new version starts from fresh state and fires with its own version
        self.insert_readings(self.readings(self.sensor_a, 90, 100, 5, 11.0))
        self.evaluate(100)
        self.assertEqual(self.excursions(new).mapped("rule_version"), [2])

    def test_invalid_rule(self):
        with self.assertRaises(ValidationError):
            self.env["coldchain.excursion.rule"].create(
                {"name": "No limits", "code": "T-BAD", "kind": "threshold", "check_max": False}
            )

    def test_default_rules_are_valid(self):
        rules = (
            self.env["coldchain.excursion.rule"]
            .with_context(active_test=False)
            .search(
                [
                    (
                        "code",
                        "in",
                        (
                            "2-8C-INSTANT",
                            "2-8C-DELAY15",
                            "2-8C-MKT24",
                            "2-8C-DOOR5",
                            "FREEZER-INSTANT",
                            "FREEZER-DELAY15",
                            "MONITORING-3X",
                        ),
                    )
                ]
            )
        )
        self.assertEqual(len(rules), 7)
        self.assertTrue(rules._engine_rules({}))

    def test_severity_matrix(self):
        self.assertEqual(self.rule_instant._severity_for("high", 9.0, 60), "operator")
        self.rule_instant.write({"risk_duration_minutes": 60, "risk_peak_delta": 5})
        rule = self.env["coldchain.excursion.rule"].search([("code", "=", "T-INSTANT")])
        self.assertEqual(rule.version, 2)
        self.assertEqual(rule._severity_for("high", 9.0, 3600), "product_risk")
        self.assertEqual(rule._severity_for("high", 13.0, 60), "product_risk")
        self.assertEqual(rule._severity_for("low", -3.0, 60), "product_risk")
        self.assertEqual(rule._severity_for("low", 1.0, 60), "operator")
