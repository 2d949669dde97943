from datetime import datetime, timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import freeze_time, new_test_user, tagged

from ..models.governance import governed
from .common import SignatureMixin
from .excursion_common import ExcursionCase, naive


@tagged("post_install", "-at_install")
class TestExcursionDisposition(SignatureMixin, ExcursionCase):
    def setUp(self):
        super().setUp()
        self.held = self.lot("D-HELD")
        self.move(-60, self.product, 5, self.supplier, self.zone_a, self.held)
        self.insert_readings(self.warm_spell())
        self.evaluate(95)
        self.assertTrue(self.held.coldchain_hold)
        self.purge_signature_failures(self.quality, self.operator)

    def sign(self, user, password, decision="release", use_before=None):
        return self.sign_with(user, self.held, password, decision, use_before)

    def assertStillHeld(self):
        self.held.invalidate_recordset()
        self.assertTrue(self.held.coldchain_hold)
        self.assertFalse(self.env["coldchain.disposition"].search([("lot_id", "=", self.held.id)]))

    def test_refused_without_the_quality_group(self):
        with self.assertRaises(AccessError):
            self.sign(self.operator, "cold_test_operator")
        # even a wizard prepared for them cannot be signed by an operator
        wizard = self.env["coldchain.disposition.wizard"].create(
            {"lot_id": self.held.id, "reason": "x"}
        )
        with self.assertRaisesRegex(AccessError, "Quality"):
            wizard.with_user(self.operator).with_context(
                coldchain_sites_signature_password="cold_test_operator"
            ).action_sign()
        with self.assertRaises(AccessError):
            self.held.with_user(self.operator).action_coldchain_disposition()
        self.assertStillHeld()

    def test_refused_in_another_company(self):
        other = self.env["res.company"].create({"name": "Test other cold company"})
        quality = new_test_user(
            self.env,
            login="cold_test_quality_other",
            groups="coldchain_sites.group_coldchain_quality",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        self.purge_signature_failures(quality)
        with self.assertRaises(AccessError):
            self.sign(quality, "cold_test_quality_other")
        self.assertStillHeld()

    def test_refused_with_a_wrong_password_and_the_failure_is_kept(self):
        with self.assertRaisesRegex(UserError, "Wrong password"):
            self.sign(self.quality, "not-my-password")
        self.assertStillHeld()
        # recorded on its own connection: it survives the failed call's rollback
        self.assertEqual(self.signature_outcomes(self.quality), ["wrong_password"])

    def test_an_empty_password_is_no_attempt(self):
        with self.assertRaisesRegex(UserError, "Type your password"):
            self.sign(self.quality, "")
        self.assertStillHeld()
        self.assertEqual(self.signature_outcomes(self.quality), [])

    def test_throttled_after_five_failures_for_fifteen_minutes(self):
        start = naive(200)
        for minute in range(5):
            with freeze_time(start + timedelta(minutes=minute)), self.assertRaises(UserError):
                self.sign(self.quality, f"guess-{minute}")
        # the right password is not even checked while throttled
        with (
            freeze_time(start + timedelta(minutes=10)),
            self.assertRaisesRegex(UserError, "Too many failed signatures"),
        ):
            self.sign(self.quality, "cold_test_quality")
        self.assertStillHeld()
        self.assertEqual(
            self.signature_outcomes(self.quality), ["wrong_password"] * 5 + ["throttled"]
        )
        # 15 minutes after the fifth failure, signing works again
        with freeze_time(start + timedelta(minutes=4 + 15)):
            self.sign(self.quality, "cold_test_quality")
        self.assertFalse(self.held.coldchain_hold)

    def test_throttle_is_per_user_and_configurable(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("coldchain_sites.signature_max_failures", "2")
        params.set_param("coldchain_sites.signature_lockout_minutes", "60")
        other = new_test_user(
            self.env, login="cold_test_quality2", groups="coldchain_sites.group_coldchain_quality"
        )
        self.purge_signature_failures(other)
        start = naive(200)
        for minute in range(2):
            with freeze_time(start + timedelta(minutes=minute)), self.assertRaises(UserError):
                self.sign(self.quality, "guess")
        with (
            freeze_time(start + timedelta(minutes=30)),
            self.assertRaisesRegex(UserError, "Too many"),
        ):
            self.sign(self.quality, "cold_test_quality")
        # another quality user is not affected
        with freeze_time(start + timedelta(minutes=30)):
            self.sign(other, "cold_test_quality2")
        self.assertFalse(self.held.coldchain_hold)

    def test_success_does_not_erase_earlier_failures(self):
        second = self.lot("D-HELD-2")
        governed(second).write({"coldchain_hold": True})  # as the evaluation does
        start = naive(200)
        for minute in range(4):
            with freeze_time(start + timedelta(minutes=minute)), self.assertRaises(UserError):
                self.sign(self.quality, "guess")
        with freeze_time(start + timedelta(minutes=5)):
            self.sign(self.quality, "cold_test_quality")
        with freeze_time(start + timedelta(minutes=6)), self.assertRaises(UserError):
            self.sign_with(self.quality, second, "guess")
        with (
            freeze_time(start + timedelta(minutes=7)),
            self.assertRaisesRegex(UserError, "Too many"),
        ):
            self.sign_with(self.quality, second, "cold_test_quality")
        self.assertTrue(second.coldchain_hold)

    def test_release_is_signed_and_immutable(self):
        action = self.sign(self.quality, "cold_test_quality")
        self.assertEqual(action["context"], {"coldchain_sites_signature_password": False})
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
        # nobody creates one without signing, the superuser included
        with self.assertRaises(AccessError):
            self.env["coldchain.disposition"].sudo().create(
                {
                    "lot_id": self.held.id,
                    "company_id": self.env.company.id,
                    "decision": "release",
                    "reason": "forged",
                    "signed_by": self.quality.id,
                    "signed_at": datetime(2025, 6, 3),
                }
            )
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

    def test_hold_fields_are_protected_for_everyone(self):
        lot = self.held
        for env_user in (self.env, self.env(su=True)):
            for vals in (
                {"coldchain_hold": False},
                {"coldchain_use_before": datetime(2030, 1, 1)},
            ):
                with self.subTest(su=env_user.su, vals=vals), self.assertRaises(AccessError):
                    lot.with_env(env_user).write(vals)
        with self.assertRaises(AccessError):
            self.env["stock.lot"].create(
                {"name": "FORGED", "product_id": self.product.id, "coldchain_hold": True}
            )
        # a write that changes nothing is no change of the hold
        lot.write({"coldchain_hold": True, "name": "D-HELD renamed"})
        self.assertTrue(lot.coldchain_hold)
        # the governed path (the evaluation, a signed disposition) may
        governed(lot).write({"coldchain_hold": False})
        self.assertFalse(lot.coldchain_hold)

    def test_lot_storage_requirement_is_quality_s(self):
        stock_user = new_test_user(
            self.env, login="cold_test_stock", groups="stock.group_stock_user"
        )
        with self.assertRaises(AccessError):
            self.held.with_user(stock_user).write(
                {"coldchain_profile_id": self.tolerant_profile.id}
            )
        with self.assertRaises(AccessError):
            self.env["stock.lot"].with_user(stock_user).create(
                {
                    "name": "D-NEW",
                    "product_id": self.product.id,
                    "coldchain_profile_id": self.tolerant_profile.id,
                }
            )
        self.held.with_user(self.quality).write({"coldchain_profile_id": self.tolerant_profile.id})
        self.assertEqual(self.held.coldchain_profile_id, self.tolerant_profile)

    def test_lot_with_evidence_cannot_be_deleted(self):
        with self.assertRaisesRegex(UserError, "cold-chain evidence"):
            self.held.unlink()
