from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .excursion_common import ExcursionCase


@tagged("post_install", "-at_install")
class TestExcursionGovernance(ExcursionCase):
    """Excursions move only through their action methods, which check group,
    company and site; their evidence refuses any other write, for everyone."""

    def setUp(self):
        super().setUp()
        self.held = self.lot("G-HELD")
        self.move(-60, self.product, 5, self.supplier, self.zone_a, self.held)
        rows = self.warm_spell() + self.readings(self.sensor_b, 0, 90, 5, 12.0)
        self.insert_readings(rows)
        self.evaluate(95)
        self.exc_a = self.excursions(self.rule_instant)
        self.exc_b = self.excursions(self.rule_instant, self.sensor_b)
        self.assertEqual(len(self.exc_a), 1)
        self.assertEqual(len(self.exc_b), 1)
        self.no_site = new_test_user(
            self.env, login="cold_gov_no_site", groups="coldchain_sites.group_coldchain_operator"
        )

    def assertUnchanged(self, excursion, state="open"):
        excursion.invalidate_recordset()
        self.assertRecordValues(
            excursion, [{"state": state, "acknowledged_by": False, "closed_by": False}]
        )

    def test_operator_acknowledges_their_sites_only(self):
        with self.assertRaises(AccessError):
            self.exc_b.with_user(self.operator).action_acknowledge()
        with self.assertRaises(AccessError):
            self.exc_a.with_user(self.no_site).action_acknowledge()
        self.assertUnchanged(self.exc_b)
        self.assertUnchanged(self.exc_a)
        self.exc_a.with_user(self.operator).action_acknowledge()
        self.assertRecordValues(
            self.exc_a, [{"state": "acknowledged", "acknowledged_by": self.operator.id}]
        )

    def test_review_and_close_are_quality_s(self):
        for method in ("action_review", "action_close"):
            with self.subTest(method=method), self.assertRaises(AccessError):
                getattr(self.exc_a.with_user(self.operator), method)()
        self.assertUnchanged(self.exc_a)
        self.exc_a.with_user(self.quality).action_review()
        self.assertEqual(self.exc_a.state, "review")
        delay = self.excursions(self.rule_delay)
        with self.assertRaisesRegex(UserError, "held lots"):
            delay.with_user(self.quality).action_close()
        self.exc_a.with_user(self.quality).action_close()
        self.assertRecordValues(self.exc_a, [{"state": "closed", "closed_by": self.quality.id}])

    def test_quality_of_another_company_cannot_act(self):
        other = self.env["res.company"].create({"name": "Test other cold company"})
        quality = new_test_user(
            self.env,
            login="cold_gov_quality_other",
            groups="coldchain_sites.group_coldchain_quality",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        with self.assertRaises(AccessError):
            self.exc_a.with_user(quality).action_close()
        self.assertUnchanged(self.exc_a)

    def test_excursion_fields_refuse_every_writer(self):
        forged = {
            "state": "closed",
            "severity": "info",
            "closed_by": self.quality.id,
            "acknowledged_by": self.operator.id,
            "is_open": False,
            "peak": 5.0,
        }
        for label, excursion in (
            ("operator", self.exc_a.with_user(self.operator)),
            ("quality", self.exc_a.with_user(self.quality)),
            ("superuser", self.exc_a.sudo()),
        ):
            for name, value in forged.items():
                with self.subTest(user=label, field=name), self.assertRaises(AccessError):
                    excursion.write({name: value})
        self.assertUnchanged(self.exc_a)
        with self.assertRaises(AccessError):
            self.env["coldchain.excursion"].sudo().create(
                {
                    "rule_id": self.rule_instant.id,
                    "sensor_id": self.sensor_a.id,
                    "start_ts": 1,
                    "start": "2025-01-01 00:00:00",
                    "severity": "info",
                }
            )
        with self.assertRaisesRegex(UserError, "evidence"):
            self.exc_a.sudo().unlink()

    def test_timeline_is_append_only(self):
        excursion = self.exc_a.with_user(self.operator)
        message = excursion.message_post(body="Door found open, closed it.")
        self.assertTrue(message)
        with self.assertRaises(UserError):
            excursion._message_update_content(message, body="nothing happened")
        with self.assertRaises(AccessError):
            message.with_user(self.operator).unlink()
        self.assertIn("Door found open", message.body)

    def test_exposures_refuse_every_writer(self):
        exposure = self.exc_a.exposure_ids[:1] or self.excursions(self.rule_delay).exposure_ids[:1]
        self.assertTrue(exposure)
        for env in (self.env(user=self.quality), self.env(su=True)):
            with self.subTest(su=env.su):
                with self.assertRaises(AccessError):
                    exposure.with_env(env).write({"hold": False})
                with self.assertRaises(AccessError):
                    exposure.with_env(env).unlink()
                with self.assertRaises(AccessError):
                    env["coldchain.excursion.exposure"].create(
                        {"excursion_id": self.exc_a.id, "product_id": self.product.id}
                    )
        with self.assertRaises(AccessError):
            self.held.sudo().write({"coldchain_exposure_ids": [(5, 0, 0)]})
        self.assertTrue(exposure.exists())

    def test_shipments_of_an_excursion_are_evidence(self):
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.site_a.out_type_id.id,
                "location_id": self.site_a.lot_stock_id.id,
                "location_dest_id": self.customer.id,
            }
        )
        with self.assertRaises(AccessError):
            picking.write({"coldchain_excursion_ids": [(4, self.exc_a.id)]})
        self.assertFalse(picking.coldchain_excursion_ids)

    def test_evaluation_state_is_the_evaluation_s(self):
        state = self.evaluation._get_state()
        watermark = state.watermark
        with self.assertRaises(AccessError):
            state.sudo().write({"watermark": "999999999"})
        self.assertEqual(state.watermark, watermark)


@tagged("post_install", "-at_install")
class TestRuleGovernance(ExcursionCase):
    def test_the_old_context_key_does_not_skip_versioning(self):
        self.rule_instant.with_context(coldchain_sites_no_version=True).write({"limit_max": 9.0})
        self.assertEqual(self.rule_instant.limit_max, 8.0)
        self.assertTrue(self.rule_instant.superseded)
        current = self.env["coldchain.excursion.rule"].search([("code", "=", "T-INSTANT")])
        self.assertRecordValues(current, [{"version": 2, "limit_max": 9.0}])

    def test_version_chain_is_protected(self):
        for vals in ({"version": 7}, {"superseded": True}, {"previous_version_id": False}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                self.rule_delay.sudo().write(vals)
        with self.assertRaises(AccessError):
            self.env["coldchain.excursion.rule"].create(
                {"name": "Forged", "code": "T-FORGED", "version": 3, "check_max": True}
            )
        self.assertEqual(self.rule_delay.version, 1)

    def test_superseded_version_stays_frozen_and_archived(self):
        self.rule_instant.write({"limit_max": 9.0})
        old = self.rule_instant
        for vals in ({"active": True}, {"name": "renamed"}, {"sequence": 1}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                old.write(vals)
        with self.assertRaises(UserError):
            old.action_unarchive()
        self.assertFalse(old.active)

    def test_code_of_a_fired_rule_is_fixed(self):
        self.insert_readings(self.warm_spell())
        self.evaluate(95)
        with self.assertRaises(UserError):
            self.rule_instant.write({"code": "T-OTHER"})
        self.assertEqual(self.rule_instant.code, "T-INSTANT")

    def test_rules_are_configured_by_administrators_only(self):
        quality = self.quality
        with self.assertRaises(AccessError):
            self.rule_delay.with_user(quality).write({"limit_max": 20.0})
        with self.assertRaises(AccessError):
            self.rule_delay.with_user(quality).action_archive()
        self.assertTrue(self.rule_delay.active)
        self.assertEqual(self.rule_delay.limit_max, 8.0)
