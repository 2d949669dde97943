import importlib.util
import json
from pathlib import Path

from odoo.tests import tagged

from .common import DistributionCase

MIGRATION = Path(__file__).parent.parent / "migrations" / "19.0.1.2.0" / "post-migrate.py"


def load_migration():
    spec = importlib.util.spec_from_file_location("distribution_i18n_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestTranslations(DistributionCase):
    """Hold reasons and decision log entries are stored as a code plus parameters and
    read in the reader's language (French is shipped: i18n/fr.po)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["distribution_orchestration"], ["fr_FR"])
        cls.credit_user.lang = "fr_FR"
        cls.customer.credit_limit = 500.0

    def as_user(self, records, user):
        """``records`` as ``user`` reads them in the web client (their context)."""
        as_user = records.with_user(user)
        return as_user.with_context(**as_user.env["res.users"].context_get())

    def french(self, value):
        return self.env["res.lang"]._lang_get("fr_FR").format("%.2f", value, grouping=True)

    def test_hold_reason_in_the_readers_language(self):
        order = self.make_order([(self.product, 12)])
        order.action_confirm()
        hold = order.distribution_hold_ids
        self.assertEqual(hold.reason_code, "credit_limit_exceeded")
        amount = order.amount_total
        self.assertEqual(
            hold.reason_params["exposure"], {"amount": amount}, "the figure, not its text"
        )
        self.assertEqual(
            self.as_user(hold, self.sales_user).explanation,
            f"Credit exposure {amount:,.2f} > limit 500.00 (receivables 0.00 + uninvoiced "
            f"orders 0.00 + this order {amount:,.2f}).",
        )
        self.assertEqual(
            self.as_user(hold, self.credit_user).explanation,
            f"Encours de crédit {self.french(amount)} > plafond {self.french(500)} (créances "
            f"{self.french(0)} + commandes non facturées {self.french(0)} + cette commande "
            f"{self.french(amount)}).",
        )
        # the recorded (English) text stays, and searches use it
        self.assertEqual(hold.explanation_text, self.as_user(hold, self.sales_user).explanation)
        Hold = self.as_user(self.env["distribution.hold"], self.credit_user)
        self.assertEqual(Hold.search([("explanation", "ilike", "Credit exposure")]), hold)
        # the decision log too: the failed check and the hold
        log = self.as_user(order.distribution_log_ids, self.credit_user)
        check = log.filtered(lambda e: e.event == "check" and e.check_code == "credit_limit")
        self.assertTrue(check.message.startswith("Encours de crédit"), check.message)
        announced = log.filtered(lambda e: e.event == "hold")
        self.assertIn("\xa0: Encours de crédit ", announced.message)
        self.assertTrue(announced.message.startswith("En attente de décision de "))

    def test_nested_clauses_are_translated(self):
        self.customer.write(
            {"distribution_on_hold": True, "distribution_hold_note": "factures contestées"}
        )
        self.check("credit_limit").active = False
        self.check("required_data").write({"active": True, "require_payment_term": False})
        self.customer.distribution_requires_reference = True
        order = self.make_order([(self.product, 1)])
        order.action_confirm()
        holds = self.as_user(order.distribution_hold_ids, self.credit_user)
        by_code = {hold.check_code: hold.explanation for hold in holds}
        self.assertEqual(
            by_code["customer_hold"], "Le client est mis en attente\xa0: factures contestées."
        )
        self.assertEqual(
            by_code["required_data"], "Données obligatoires manquantes\xa0: référence client."
        )

    def test_rows_recorded_as_text_get_parameters_on_upgrade(self):
        """19.0.1.2.0's post-migrate.py: the text recorded before is read back."""
        order = self.make_order([(self.product, 12)])
        order.action_confirm()
        hold = order.distribution_hold_ids
        log = order.distribution_log_ids
        params, english = hold.reason_params, hold.explanation_text
        self.env.flush_all()
        # as a 19.0.1.1.0 database had them: text only
        self.env.cr.execute(
            "UPDATE distribution_hold SET reason_params = NULL WHERE id = %s", [hold.id]
        )
        self.env.cr.execute(
            "UPDATE distribution_log SET reason_code = NULL, reason_params = NULL "
            "WHERE id = ANY(%s)",
            [log.ids],
        )
        self.env.cr.execute(
            "INSERT INTO distribution_log (order_id, event, result, message_text, user_id) "
            "VALUES (%s, 'resolve', 'passed', 'Looks fine.', %s) RETURNING id",
            [order.id, self.env.uid],
        )
        note = self.env["distribution.log"].browse(self.env.cr.fetchone()[0])
        self.env.invalidate_all()
        self.assertEqual(hold.explanation, english, "text only: the recorded text is shown")
        migration = load_migration()
        migration.fill_log(self.env.cr, migration.fill_holds(self.env.cr))
        self.env.invalidate_all()
        self.assertEqual(hold.reason_params, params)
        for entry in log.filtered(lambda e: e.event in ("check", "hold")):
            self.assertTrue(entry.reason_code, entry.message_text)
            self.assertEqual(entry.message, entry.message_text)
        self.assertFalse(note.reason_code)
        self.assertEqual(note.message, "Looks fine.")
        french = self.as_user(hold, self.credit_user).explanation
        self.assertTrue(french.startswith("Encours de crédit"), french)
        self.assertEqual(json.loads(json.dumps(hold.reason_params)), params)
