from datetime import timedelta

from odoo.tests import tagged

from .excursion_common import ExcursionCase


@tagged("post_install", "-at_install")
class TestExcursionAlert(ExcursionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.site_a.coldchain_oncall_partner_ids = cls.operator.partner_id
        cls.tier.acknowledge_minutes = 30

    def test_one_alert_per_excursion_updated_as_it_evolves(self):
        self.insert_readings(self.warm_spell(back_at=None))
        self.evaluate(90)
        excursion = self.excursions(self.rule_instant)
        self.assertTrue(excursion.alerted_at)
        self.assertIn(self.operator.partner_id, excursion.message_partner_ids)
        self.assertEqual(len(excursion.activity_ids), 1)
        self.assertEqual(excursion.activity_ids.user_id, self.operator)
        alert = excursion.message_ids.filtered(lambda m: self.operator.partner_id in m.partner_ids)
        self.assertEqual(len(alert), 1)
        self.assertIn(excursion.name, alert.subject or "")
        # back in range: same excursion, a chatter update, no second alert
        self.insert_readings(self.readings(self.sensor_a, 90, 100, 5, 5.0))
        self.evaluate(100)
        self.assertFalse(excursion.is_open)
        self.assertEqual(len(excursion.activity_ids), 1)
        self.assertIn("Back in range", excursion.message_ids[0].body)

    def test_escalation_after_the_tier_sla(self):
        self.insert_readings(self.warm_spell())
        self.evaluate(95)
        excursions = self.excursions()
        acknowledged = self.excursions(self.rule_delay)
        acknowledged.with_user(self.operator).action_acknowledge()
        self.assertRecordValues(
            acknowledged, [{"state": "acknowledged", "acknowledged_by": self.operator.id}]
        )
        self.assertFalse(acknowledged.activity_ids)
        alerted_at = excursions[0].alerted_at
        Excursion = self.env["coldchain.excursion"]
        self.assertFalse(Excursion._escalate_excursions(now=alerted_at + timedelta(minutes=29)))
        escalated = Excursion._escalate_excursions(now=alerted_at + timedelta(minutes=31))
        self.assertEqual(escalated, self.excursions(self.rule_instant))
        self.assertIn("Escalated", escalated.message_ids[0].body)
        self.assertIn(self.quality.partner_id, escalated.message_partner_ids)
        # escalated once
        self.assertFalse(Excursion._escalate_excursions(now=alerted_at + timedelta(minutes=60)))

    def test_views_load(self):
        for xmlid in (
            "coldchain_sites.coldchain_excursion_action",
            "coldchain_sites.coldchain_excursion_exposure_action",
            "coldchain_sites.coldchain_excursion_rule_action",
            "coldchain_sites.coldchain_disposition_action",
        ):
            action = self.env.ref(xmlid)
            model = self.env[action.res_model].with_user(self.operator)
            views = [(False, mode) for mode in action.view_mode.split(",")] + [(False, "search")]
            with self.subTest(action=xmlid):
                model.get_views(views)
        self.env["stock.lot"].with_user(self.quality).get_views([(False, "form")])
        self.env["stock.picking"].with_user(self.operator).get_views([(False, "form")])
