import importlib.util
from pathlib import Path

from odoo.tests import tagged

from .excursion_common import ExcursionCase

MIGRATION = Path(__file__).parent.parent / "migrations" / "19.0.1.2.0" / "post-migrate.py"


@tagged("post_install", "-at_install")
class TestExcursionTranslations(ExcursionCase):
    """An excursion's explanation is stored as a code plus parameters and read in the
    reader's language; its alert is written in the on-call contacts' language (French
    is shipped: i18n/fr.po)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["coldchain_sites"], ["fr_FR"])
        cls.operator.lang = "fr_FR"
        cls.site_a.coldchain_oncall_partner_ids = cls.operator.partner_id

    def as_user(self, records, user):
        """``records`` as ``user`` reads them in the web client (their context)."""
        as_user = records.with_user(user)
        return as_user.with_context(**as_user.env["res.users"].context_get())

    def test_explanation_in_the_readers_language(self):
        self.insert_readings(self.warm_spell(back_at=60))
        self.evaluate(95)
        excursion = self.excursions(self.rule_instant)
        self.assertEqual(excursion.reason_code, "excursion_threshold")
        self.assertEqual(excursion.reason_params["extreme"]["params"], {"value": {"temp": 12.0}})
        self.assertEqual(
            self.as_user(excursion, self.quality).explanation,
            "Temperature above 8.0 °C: peak 12.0 °C, out of range for 30 min.",
        )
        self.assertEqual(
            self.as_user(excursion, self.operator).explanation,
            "Température au-dessus de 8,0\xa0°C\xa0: pic à 12,0\xa0°C, hors plage pendant "
            "30\xa0min.",
        )
        delay = self.as_user(self.excursions(self.rule_delay), self.operator)
        self.assertEqual(
            delay.explanation,
            "Température au-dessus de 8,0\xa0°C pendant plus de 15\xa0min\xa0: pic à "
            "12,0\xa0°C, hors plage pendant 30\xa0min.",
        )

    def test_alert_in_the_on_call_contacts_language(self):
        self.insert_readings(self.warm_spell(back_at=None))
        self.evaluate(90)
        excursion = self.excursions(self.rule_instant)
        self.assertEqual(excursion.alert_lang, "fr_FR")
        alert = excursion.message_ids.filtered(lambda m: self.operator.partner_id in m.partner_ids)
        self.assertEqual(len(alert), 1)
        self.assertIn("Action de l'opérateur", alert.subject)
        self.assertIn("Une excursion a été détectée", alert.body)
        self.assertIn(
            "Température au-dessus de 8,0&nbsp;°C&nbsp;: pic à 12,0&nbsp;°C, hors plage "
            "pendant 55&nbsp;min. Toujours en cours.",
            alert.body,
        )
        self.assertEqual(excursion.activity_ids.summary, f"Acquitter l'excursion {excursion.name}")
        # its evolution, on the same thread, in the same language
        self.insert_readings(self.readings(self.sensor_a, 90, 100, 5, 5.0))
        self.evaluate(100)
        self.assertIn("Retour dans la plage", excursion.message_ids[0].body)
        # contacts of several languages: the company's
        self.site_a.coldchain_oncall_partner_ids |= self.quality.partner_id
        self.env.invalidate_all()
        self.assertEqual(excursion.alert_lang, self.env.company.partner_id.lang or "en_US")

    def test_excursions_recorded_before_get_their_explanation_on_upgrade(self):
        """19.0.1.2.0's post-migrate.py: explanations of existing excursions."""
        self.insert_readings(self.warm_spell(back_at=60))
        self.evaluate(95)
        excursions = self.excursions()
        expected = {e.id: (e.reason_code, e.reason_params) for e in excursions}
        self.assertEqual(len(expected), 2)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE coldchain_excursion SET reason_code = NULL, reason_params = NULL "
            "WHERE id = ANY(%s)",
            [excursions.ids],
        )
        self.env.invalidate_all()
        self.assertFalse(excursions[0].explanation)
        spec = importlib.util.spec_from_file_location("coldchain_i18n_migration", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.fill_excursions(self.env)
        self.env.invalidate_all()
        self.assertEqual({e.id: (e.reason_code, e.reason_params) for e in excursions}, expected)
