from datetime import date, datetime

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from ..engine import x12
from ..engine.x12 import Envelope, Separators
from ..models.wms_governed_mixin import create_governed


@tagged("post_install", "-at_install")
class TestWmsBridgeApp(HttpCase):
    """The WMS Bridge app is reachable by the integration team, and by nobody else."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.integration_user = new_test_user(
            cls.env, login="wms_tour_user", groups="wms_bridge.group_wms_bridge_user"
        )
        cls.outsider = new_test_user(cls.env, login="wms_outsider", groups="stock.group_stock_user")
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.env["stock.picking"].create(
            {
                "name": "TOUR/OUT/0001",
                "picking_type_id": warehouse.out_type_id.id,
                "location_id": warehouse.lot_stock_id.id,
                "location_dest_id": cls.env.ref("stock.stock_location_customers").id,
            }
        )

    def _visible_menus(self, user):
        menus = self.env["ir.ui.menu"].with_user(user).load_menus(debug=False)
        return {menu["xmlid"] for menu in menus.values() if menu.get("xmlid")}

    def test_menu_visible_to_group_only(self):
        root = "wms_bridge.wms_bridge_menu_root"
        self.assertIn(root, self._visible_menus(self.integration_user))
        self.assertNotIn(root, self._visible_menus(self.outsider))

    def test_jobs_menu_for_managers_only(self):
        jobs = "wms_bridge.wms_bridge_menu_jobs"
        self.assertNotIn(jobs, self._visible_menus(self.integration_user))
        manager = self.env.ref("wms_bridge.group_wms_bridge_manager")
        self.integration_user.group_ids = [(4, manager.id)]
        self.assertIn(jobs, self._visible_menus(self.integration_user))

    def test_tour_open_transfers(self):
        self.start_tour("/odoo", "wms_bridge_apps_tour", login=self.integration_user.login)


@tagged("post_install", "-at_install")
class TestWmsBridgeOperationsTour(HttpCase):
    """The integration user's round in the web client, on two 846 received from a
    3PL: one processed into a stock reconciliation, one parked on a product unknown
    at the time, reprocessed from its form once the product exists."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.integration_user = new_test_user(
            env, login="wms_ops_tour_user", groups="wms_bridge.group_wms_bridge_user"
        )
        cls.administrator = new_test_user(
            env, login="wms_config_tour_user", groups="wms_bridge.group_wms_bridge_manager"
        )
        warehouse = env["stock.warehouse"].create({"name": "Tour 3PL", "code": "T3P"})
        cls.known = env["product.product"].create(
            {"name": "Tour yoghurt", "default_code": "TOUR-OLD", "is_storable": True}
        )
        env["stock.quant"]._update_available_quantity(cls.known, warehouse.lot_stock_id, 12)
        cls.partner = env["wms.trading.partner"].create(
            {
                "name": "Tour 3PL West",
                "partner_id": env["res.partner"].create({"name": "Tour 3PL West"}).id,
                "role": "3pl",
                "isa_id": "TOUR3PL",
                "our_isa_id": "DISTRIBCO",
                "transport": "directory",
                "drop_folder": "tour",
                "warehouse_ids": [Command.set(warehouse.ids)],
                "responsible_user_id": cls.integration_user.id,
                "document_ids": [Command.create({"document_type": "846"})],
                "mapping_version_ids": [Command.create({"product_code": "ours"})],
            }
        )
        cls.processed = cls._receive_846("TOUR-INV-1", "TOUR-OLD", 10, control=901)
        cls.parked = cls._receive_846("TOUR-INV-2", "TOUR-NEW", 5, control=902)

    @classmethod
    def _receive_846(cls, ref, code, qty, control):
        """One 846 set received from the tour partner, processed as its job does."""
        envelope = Envelope(
            sender_id="TOUR3PL", receiver_id="DISTRIBCO", version="005010", separators=Separators()
        )
        doc = {
            "purpose": "00",
            "report_type": "DD",
            "ref": ref,
            "date": date(2024, 3, 15),
            "items": [{"product_ids": {"VN": code}, "lot": "", "quantities": {"17": qty}}],
        }
        payload = x12.write_interchange(
            envelope, [("846", doc)], control_number=control, when=datetime(2024, 3, 15, 14, 32)
        )
        # the set as the interchange processing splits it (bridge code, governed)
        exchange = create_governed(
            cls.env["wms.exchange"],
            {
                "trading_partner_id": cls.partner.id,
                "document_type": "846",
                "direction": "in",
                "state": "received",
                "filename": f"846_{control}.x12",
                "mapping_version_id": cls.partner.mapping_version_id.id,
            },
        )
        exchange._attach([payload.encode("latin-1")])
        exchange._job_process()
        return exchange

    def test_tour_operations(self):
        self.assertEqual(self.processed.state, "processed", self.processed.error_text)
        self.assertEqual(self.parked.state, "parked")
        # the cause is fixed before the integration user reprocesses
        self.env["product.product"].create(
            {"name": "Tour kefir", "default_code": "TOUR-NEW", "is_storable": True}
        )
        self.start_tour("/odoo", "wms_bridge_operations_tour", login=self.integration_user.login)
        self.assertRecordValues(self.parked, [{"state": "received", "error_text": False}])
        job = self.env["queue.job"].search(
            [("model_name", "=", "wms.exchange"), ("method_name", "=", "_job_process")]
        )
        self.assertEqual(job.records, self.parked, "processing queued again")
        self.parked._job_process()  # what the job runner does
        self.assertEqual(self.parked.state, "processed", self.parked.error_text)
        self.assertEqual(self.parked.reconciliation_id.line_ids.partner_qty, 5)

    def test_tour_configuration(self):
        self.start_tour("/odoo", "wms_bridge_configuration_tour", login=self.administrator.login)


@tagged("post_install", "-at_install")
class TestFailed945Tour(HttpCase):
    """A 945 that could not be applied shows on its delivery's form (EDI tab), with
    its reason; the integration user reprocesses it from there."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.integration_user = new_test_user(
            env, login="wms_945_tour_user", groups="wms_bridge.group_wms_bridge_user"
        )
        warehouse = env["stock.warehouse"].create({"name": "Tour 945 3PL", "code": "T945"})
        cls.partner = env["wms.trading.partner"].create(
            {
                "name": "Tour 945 3PL",
                "partner_id": env["res.partner"].create({"name": "Tour 945 3PL"}).id,
                "role": "3pl",
                "isa_id": "TOUR945",
                "our_isa_id": "DISTRIBCO",
                "transport": "directory",
                "drop_folder": "tour945",
                "warehouse_ids": [Command.set(warehouse.ids)],
                "responsible_user_id": cls.integration_user.id,
                "document_ids": [Command.create({"document_type": "945"})],
                "mapping_version_ids": [Command.create({"product_code": "ours"})],
            }
        )
        cls.delivery = env["stock.picking"].create(
            {
                "name": "TOUR/OUT/945",
                "picking_type_id": warehouse.out_type_id.id,
                "location_id": warehouse.lot_stock_id.id,
                "location_dest_id": env.ref("stock.stock_location_customers").id,
            }
        )
        envelope = Envelope(
            sender_id="TOUR945", receiver_id="DISTRIBCO", version="005010", separators=Separators()
        )
        doc = {
            "report_code": "F",
            "order_ref": "TOUR/OUT/945",
            "lines": [
                {
                    "line": 1,
                    "status": "CC",
                    "qty_ordered": 3,
                    "qty_shipped": 3,
                    "uom": "EA",
                    "product_ids": {"VN": "TOUR-SKU-X"},
                }
            ],
            "carrier": {"transport_method": "M", "scac": "UPSN"},
        }
        payload = x12.write_interchange(
            envelope, [("945", doc)], control_number=945, when=datetime(2024, 3, 15, 14, 32)
        )
        cls.shipment = create_governed(
            env["wms.exchange"],
            {
                "trading_partner_id": cls.partner.id,
                "document_type": "945",
                "direction": "in",
                "state": "received",
                "filename": "945_945.x12",
                "mapping_version_id": cls.partner.mapping_version_id.id,
            },
        )
        cls.shipment._attach([payload.encode("latin-1")])
        cls.shipment._job_process()

    def test_tour_failed_945_on_delivery(self):
        self.assertEqual(self.shipment.state, "parked")
        self.assertIn("TOUR-SKU-X", self.shipment.error_text)
        self.assertEqual(self.shipment.picking_id, self.delivery)  # visible on its form
        self.start_tour("/odoo", "wms_bridge_failed_945_tour", login=self.integration_user.login)
        self.assertRecordValues(self.shipment, [{"state": "received", "error_text": False}])
        job = self.env["queue.job"].search(
            [("model_name", "=", "wms.exchange"), ("method_name", "=", "_job_process")]
        )
        self.assertIn(self.shipment, job.records, "processing queued again")
