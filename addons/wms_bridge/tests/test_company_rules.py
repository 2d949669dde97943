from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from ..models.wms_governed_mixin import create_governed
from .common import WmsBridgeCase
from .rpc import JsonRpcMixin


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


COMPANY_MODELS = (
    "wms.trading.partner",
    "wms.trading.partner.document",
    "wms.exchange",
    "wms.exchange.report",
    "wms.stock.reconciliation",
    "wms.stock.reconciliation.line",
    "wms.mapping.version",
    "wms.partner.product.code",
)


@tagged("post_install", "-at_install")
class TestCompanyRulesRpc(JsonRpcMixin, WmsBridgeCase, HttpCase):
    """Over real JSON-RPC, an integration administrator of company B sees nothing
    of company A's EDI, model by model, while company A's sees its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company_b = company_b = env["res.company"].create({"name": "Distributor B"})
        new_test_user(
            env,
            login="wms_rpc_company_b",
            groups="wms_bridge.group_wms_bridge_manager,stock.group_stock_manager",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        new_test_user(
            env,
            login="wms_rpc_company_a",
            groups="wms_bridge.group_wms_bridge_manager,stock.group_stock_manager",
        )
        cls.threepl.product_code_ids = [Command.create({"product_id": cls.milk.id, "code": "W-1"})]
        # a set as the interchange processing splits it (what the dashboard counts)
        create_governed(
            cls.Exchange,
            {
                "trading_partner_id": cls.threepl.id,
                "document_type": "846",
                "direction": "in",
                "state": "processed",
            },
        )
        create_governed(
            env["wms.stock.reconciliation"],
            {
                "name": "3PL West INV-B",
                "trading_partner_id": cls.threepl.id,
                "warehouse_id": cls.warehouse.id,
                "line_ids": [
                    Command.create({"product_id": cls.milk.id, "partner_qty": 1, "odoo_qty": 2})
                ],
            },
        )

    def test_company_b_sees_nothing_of_company_a(self):
        for model in COMPANY_MODELS:
            ids = self.env[model].search([("company_id", "=", self.threepl.company_id.id)]).ids
            self.assertTrue(ids, f"the fixture has {model} records in company A")
            # company A's administrator sees them: the rules do not hide everything
            seen = self.assertAllowed("wms_rpc_company_a", model, "search", [[]])
            self.assertLessEqual(set(ids), set(seen), model)
            login = "wms_rpc_company_b"
            self.assertEqual(self.assertAllowed(login, model, "search_read", [[]]), [], model)
            self.assertEqual(self.assertAllowed(login, model, "search_count", [[]]), 0, model)
            self.assertRefused(login, model, "read", [ids[:1], ["display_name"]])
            if model != "wms.exchange.report":  # an SQL view
                self.assertRefused(
                    login, model, "write", [ids[:1], {"company_id": self.company_b.id}]
                )
