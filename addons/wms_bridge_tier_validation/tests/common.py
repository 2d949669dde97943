"""A 3PL-operated warehouse with stock, its trading partner, and the people of the
approval: an integration user (requests), an inventory administrator (reviews and
applies).  Reconciliations are built directly, as the 846 processing builds them."""

from odoo import Command
from odoo.addons.wms_bridge.models.wms_governed_mixin import create_governed
from odoo.tests import new_test_user


class ReconciliationApprovalMixin:
    @classmethod
    def _setup_approval_fixtures(cls):
        env = cls.env
        cls.warehouse = env["stock.warehouse"].create({"name": "3PL Approvals", "code": "APV"})
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.milk = env["product.product"].create(
            {"name": "Approval milk 1L", "default_code": "APV-MILK", "is_storable": True}
        )
        cls.butter = env["product.product"].create(
            {
                "name": "Approval butter 250g",
                "default_code": "APV-BUTTER",
                "is_storable": True,
                "tracking": "lot",
            }
        )
        cls.lot = env["stock.lot"].create({"name": "APV-B1", "product_id": cls.butter.id})
        Quant = env["stock.quant"]
        Quant._update_available_quantity(cls.milk, cls.stock_location, 40)
        Quant._update_available_quantity(cls.butter, cls.stock_location, 20, lot_id=cls.lot)
        cls.threepl = env["wms.trading.partner"].create(
            {
                "name": "3PL Approvals",
                "partner_id": env["res.partner"].create({"name": "3PL Approvals"}).id,
                "role": "3pl",
                "transport": "directory",
                "drop_folder": "approvals",
                "warehouse_ids": [Command.set(cls.warehouse.ids)],
            }
        )
        cls.integration_user = new_test_user(
            env,
            login="wms_tv_integration",
            name="Integration Requester",
            groups="wms_bridge.group_wms_bridge_user",
        )
        cls.reviewer = new_test_user(
            env,
            login="wms_tv_reviewer",
            name="Inventory Reviewer",
            groups="stock.group_stock_manager,wms_bridge.group_wms_bridge_user",
        )

    @classmethod
    def _reconciliation(cls, lines, ref="INV-0001"):
        """``lines`` = ``[(product, lot, partner_qty, odoo_qty)]``, created the way the
        846 processing does (bridge code, governed)."""
        return create_governed(
            cls.env["wms.stock.reconciliation"],
            {
                "name": f"{cls.threepl.name} {ref}",
                "trading_partner_id": cls.threepl.id,
                "warehouse_id": cls.warehouse.id,
                "line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "lot_name": lot.name or "",
                            "lot_id": lot.id,
                            "partner_qty": partner_qty,
                            "odoo_qty": odoo_qty,
                        }
                    )
                    for product, lot, partner_qty, odoo_qty in lines
                ],
            },
        )

    def _on_hand(self, product, lot=None):
        quants = self.env["stock.quant"]._gather(
            product, self.stock_location, lot_id=lot, strict=bool(lot)
        )
        return sum(quants.mapped("quantity"))
