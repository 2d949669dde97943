from datetime import date

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import WmsBridgeCase


@tagged("post_install", "-at_install")
class TestReconciliation846(WmsBridgeCase):
    def _receive_846(self, items):
        doc = {
            "purpose": "00",
            "report_type": "DD",
            "ref": "INV-0315",
            "date": date(2024, 3, 15),
            "items": [
                {"product_ids": {"VN": code}, "lot": lot, "quantities": {"17": qty, "33": qty}}
                for code, lot, qty in items
            ],
        }
        self.sim.send([("846", doc)])
        return self._poll().child_ids

    def test_differences_and_adjustment(self):
        exchange = self._receive_846([("MILK-1L", "", 37), ("BUTTER-250", "B0311", 20)])
        self.assertEqual(exchange.state, "processed", exchange.error_text)
        rec = exchange.reconciliation_id
        self.assertEqual(rec.warehouse_id, self.warehouse)
        lines = {(ln.product_id, ln.lot_name): ln for ln in rec.line_ids}
        milk = lines[self.milk, ""]
        self.assertRecordValues(milk, [{"partner_qty": 37, "odoo_qty": 40, "difference": -3}])
        self.assertEqual(lines[self.butter, "B0311"].difference, 0)
        self.assertEqual(rec.difference_count, 1)
        stock_user = new_test_user(
            self.env,
            login="wms_stock_user",
            groups="stock.group_stock_user,wms_bridge.group_wms_bridge_user",
        )
        with self.assertRaises(UserError):
            rec.with_user(stock_user).action_apply_differences()
        manager = new_test_user(self.env, login="wms_stock_mgr", groups="stock.group_stock_manager")
        if "review_ids" in rec._fields:
            # wms_bridge_tier_validation (installed with base_tier_validation): the
            # differences are applied once an inventory administrator validated them,
            # at the request of someone else (four eyes)
            rec.with_user(self.integration_user).request_validation()
            rec.with_user(manager).validate_tier()
        rec.with_user(manager).action_apply_differences()
        self.assertEqual(rec.state, "applied")
        self.assertEqual(self.milk.with_context(warehouse_id=self.warehouse.id).qty_available, 37)
