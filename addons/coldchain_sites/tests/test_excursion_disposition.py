from datetime import datetime

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .excursion_common import ExcursionCase


@tagged("post_install", "-at_install")
class TestExcursionDisposition(ExcursionCase):
    def setUp(self):
        super().setUp()
        self.held = self.lot("D-HELD")
        self.move(-60, self.product, 5, self.supplier, self.zone_a, self.held)
        self.insert_readings(self.warm_spell())
        self.evaluate(95)
        self.assertTrue(self.held.coldchain_hold)

    def sign(self, user, password, decision="release", use_before=None):
        Wizard = self.env["coldchain.disposition.wizard"].with_user(user)
        with Form(Wizard.with_context(default_lot_id=self.held.id)) as form:
            form.decision = decision
            form.reason = "Stability data cover 30 min at 12 °C"
            if use_before:
                form.use_before = use_before
            form.password = password
        return form.record.action_sign()

    def test_refused_without_the_quality_group(self):
        with self.assertRaises(UserError):
            self.env["coldchain.disposition.wizard"].with_user(self.operator).create(
                {"lot_id": self.held.id, "reason": "x", "password": "cold_test_operator"}
            ).action_sign()
        # even a wizard prepared for them cannot be signed by an operator
        wizard = self.env["coldchain.disposition.wizard"].create(
            {"lot_id": self.held.id, "reason": "x", "password": "cold_test_operator"}
        )
        with self.assertRaisesRegex(UserError, "quality"):
            wizard.with_user(self.operator).action_sign()
        self.assertTrue(self.held.coldchain_hold)
        self.assertFalse(self.held.coldchain_disposition_ids)

    def test_refused_with_a_wrong_password(self):
        with self.assertRaisesRegex(UserError, "Wrong password"):
            self.sign(self.quality, "not-my-password")
        self.assertTrue(self.held.coldchain_hold)
        self.assertFalse(self.env["coldchain.disposition"].search([("lot_id", "=", self.held.id)]))

    def test_release_is_signed_and_immutable(self):
        self.sign(self.quality, "cold_test_quality")
        disposition = self.env["coldchain.disposition"].search([("lot_id", "=", self.held.id)])
        self.assertRecordValues(
            disposition,
            [{"decision": "release", "signed_by": self.quality.id}],
        )
        self.assertEqual(disposition.excursion_ids, self.excursions(self.rule_delay))
        self.assertFalse(self.held.coldchain_hold)
        with self.assertRaises(UserError):
            disposition.write({"reason": "changed"})
        with self.assertRaises(UserError):
            disposition.unlink()
        # the quality user reads it but cannot write it through the ACLs either
        self.assertTrue(disposition.with_user(self.quality).reason)

    def test_release_with_restriction(self):
        self.sign(self.quality, "cold_test_quality", "restrict", datetime(2025, 9, 1))
        self.assertFalse(self.held.coldchain_hold)
        self.assertEqual(self.held.coldchain_use_before, datetime(2025, 9, 1))

    def test_destroy_scraps_the_lot(self):
        self.sign(self.quality, "cold_test_quality", "destroy")
        disposition = self.held.coldchain_disposition_ids
        self.assertEqual(disposition.scrapped_quantity, 5)
        self.assertEqual(disposition.scrap_ids.state, "done")
        quants = self.env["stock.quant"].search(
            [("lot_id", "=", self.held.id), ("location_id.usage", "=", "internal")]
        )
        self.assertFalse(sum(quants.mapped("quantity")))
