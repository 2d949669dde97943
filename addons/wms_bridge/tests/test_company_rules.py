from odoo.tests import new_test_user, tagged

from .common import WmsBridgeCase


@tagged("post_install", "-at_install")
class TestCompanyRules(WmsBridgeCase):
    """An integration user of another company sees none of this company's EDI."""

    def test_exchanges_and_partners_stay_in_their_company(self):
        other = self.env["res.company"].create({"name": "Other Distributor"})
        outsider = new_test_user(
            self.env,
            login="wms_other_company",
            groups="wms_bridge.group_wms_bridge_user",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        partners = self.env["wms.trading.partner"].search([])
        self.assertTrue(partners, "the fixture has trading partners")
        self.assertEqual(set(partners.mapped("company_id")), {self.env.company})
        exchange = self.Exchange._create_received(partners[0], [("945.x12", b"ISA")])
        self.assertEqual(exchange.company_id, self.env.company)
        as_outsider = self.env(user=outsider)
        self.assertFalse(as_outsider["wms.trading.partner"].search([]))
        self.assertFalse(as_outsider["wms.exchange"].search([("id", "=", exchange.id)]))
        self.assertFalse(as_outsider["wms.exchange.report"].search([]))
        own = self.env(user=self.integration_user)
        self.assertEqual(own["wms.exchange"].search([("id", "=", exchange.id)]), exchange)
