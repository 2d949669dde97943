import os
import shutil
import subprocess
import sys
import tempfile
import time
from unittest.mock import patch

from odoo.addons.wms_bridge.engine import x12
from odoo.addons.wms_bridge.tools.settings import settings_from_values
from odoo.tests import TransactionCase, tagged

SCALE = 0.02
SIMULATOR = os.path.join(os.path.dirname(__file__), "..", "tools", "simulated_3pl.py")


@tagged("post_install", "-at_install")
class TestDemoWms(TransactionCase):
    """Stage wms_partners: the 3PL of Warsaw and an EDIFACT customer, with an exchange
    history made by the bridge itself (processed, parked, reprocessed), once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.drop_root = tempfile.mkdtemp(prefix="demo_wms_test_")
        cls.addClassCleanup(shutil.rmtree, cls.drop_root, True)
        settings = settings_from_values({"drop_root": cls.drop_root})
        settings_patch = patch(
            "odoo.addons.wms_bridge.models.wms_trading_partner.get_settings",
            return_value=settings,
        )
        settings_patch.start()
        cls.addClassCleanup(settings_patch.stop)
        cls.env["distribution.demo.network"].load_all(SCALE)
        TradingPartner = cls.env["wms.trading.partner"]
        cls.threepl = TradingPartner.search([("isa_id", "=", "VISTULA3PL")])
        cls.customer_tp = TradingPartner.search([("edifact_party_id", "=", "4012345000009")])
        cls.waw = cls.env["stock.warehouse"].search([("code", "=", "WAW")])

    def _exchanges(self, **values):
        domain = [("trading_partner_id", "=", self.threepl.id)]
        domain += [(key, "=", value) for key, value in values.items()]
        return self.env["wms.exchange"].search(domain)

    def _delivery(self, origin):
        return self.env["stock.picking"].search(
            [("origin", "=", origin), ("picking_type_id", "=", self.waw.out_type_id.id)]
        )

    def _counts(self):
        return {
            "partners": self.env["wms.trading.partner"].search_count([]),
            "exchanges": self.env["wms.exchange"].search_count([]),
            "pickings": self.env["stock.picking"].search_count([]),
            "codes": self.env["wms.partner.product.code"].search_count([]),
            "files": sum(len(files) for _d, _s, files in os.walk(self.drop_root)),
        }

    def test_partners_with_their_warehouses_and_folders(self):
        self.assertEqual(len(self.threepl), 1)
        self.assertRecordValues(
            self.threepl,
            [
                {
                    "role": "3pl",
                    "standard": "x12",
                    "transport": "directory",
                    "drop_folder": f"demo_3pl/{self.env.cr.dbname}",
                    "warehouse_ids": self.waw.ids,
                }
            ],
        )
        documents = {(d.document_type, d.direction) for d in self.threepl.document_ids}
        self.assertEqual(
            documents, {("940", "out"), ("945", "in"), ("944", "in"), ("846", "in"), ("997", "in")}
        )
        self.assertEqual(self.threepl.responsible_user_id.login, "integration")
        base = os.path.join(self.drop_root, "demo_3pl", self.env.cr.dbname)
        for kind in ("inbox", "outbox", "archive"):
            self.assertTrue(os.path.isdir(os.path.join(base, kind)), kind)
        self.assertEqual(len(self.customer_tp), 1)
        self.assertRecordValues(
            self.customer_tp,
            [{"role": "customer", "standard": "edifact", "send_asn": True}],
        )
        self.assertEqual(self.customer_tp.partner_id.ref, "DN-C0001")
        self.assertEqual(
            {(d.document_type, d.direction) for d in self.customer_tp.document_ids},
            {("ORDERS", "in"), ("DESADV", "out")},
        )

    def test_history_processed_parked_and_reprocessed(self):
        shipped, reprocessed, waiting = (self._delivery(f"DN-3PL-00{n}") for n in (1, 2, 3))
        # our 940s went out and the 3PL acknowledged them (997)
        orders = self._exchanges(document_type="940", direction="out")
        self.assertEqual(len(orders), 3)
        self.assertEqual(set(orders.mapped("state")), {"acknowledged"})
        # processed: the 945 validated the first delivery
        first = self._exchanges(document_type="945", picking_id=shipped.id)
        self.assertEqual(first.state, "processed", first.error_text)
        self.assertEqual(shipped.state, "done")
        self.assertTrue(shipped.carrier_tracking_ref)
        # parked with its reason: the 3PL's own product code, not mapped then
        parked = self._exchanges(document_type="945", picking_id=waiting.id)
        self.assertEqual(parked.state, "parked")
        self.assertIn("Unknown products: BP=VL-", parked.error_text)
        self.assertEqual(waiting.state, "assigned")
        self.assertEqual(parked.activity_ids.user_id.login, "integration")
        # parked, then reprocessed by the integration user after the code was mapped
        again = self._exchanges(document_type="945", picking_id=reprocessed.id)
        self.assertEqual(again.state, "processed", again.error_text)
        self.assertEqual(reprocessed.state, "done")
        # its parking activity was closed by the Reprocess
        self.assertFalse(again.activity_ids)
        self.assertTrue(any("Reprocessed" in (m.body or "") for m in again.message_ids))
        self.assertTrue(self.env["wms.partner.product.code"].search([("code", "=like", "VL-%")]))
        # the answered 940s left the outbox for its archive (the simulated 3PL skips them)
        outbox = os.path.join(self.drop_root, "demo_3pl", self.env.cr.dbname, "outbox")
        waiting_940s = [n for n in os.listdir(outbox) if n.startswith("940_")]
        self.assertFalse(waiting_940s)
        archived = os.listdir(os.path.join(outbox, "archive"))
        self.assertEqual(len([n for n in archived if n.startswith("940_")]), 3)
        # the 3PL's answers carry its envelope and our ISA id
        answer = self._exchanges(parent_id=False, filename="3pl_000000012_945.x12")
        result = x12.process_interchange(answer._payload_bytes())
        self.assertEqual(result.interchange.sender_id.strip(), "VISTULA3PL")
        self.assertEqual(result.interchange.receiver_id.strip(), "MERIDIAN")

    def test_reprocess_after_the_fix_is_what_the_integration_user_does(self):
        parked = self._exchanges(document_type="945", state="parked")
        self.assertEqual(len(parked), 1)
        user = self.env["res.users"].search([("login", "=", "integration")])
        parked.with_user(user).with_context(queue_job__no_delay=True).action_reprocess()
        self.assertEqual(parked.state, "processed", parked.error_text)
        self.assertEqual(parked.picking_id.state, "done")

    def test_simulated_3pl_answers_a_new_delivery(self):
        """The simulated 3PL (a process of its own) answers the 940 of a delivery
        reserved at Warsaw; the bridge reads its 997 and 945 from the inbox."""
        network = self.env["distribution.demo.network"]
        product = network._wms_products(self.waw, 2)[0]
        customer = network._partners("DN-C")["DN-C0001"]
        picking = network._wms_delivery(self.waw, "DN-3PL-LIVE", [(product, 2.0)], customer)
        picking.with_context(queue_job__no_delay=True).action_assign()
        order_out = picking.wms_order_exchange_id
        self.assertEqual(order_out.state, "sent")
        inbox = self.threepl._drop_path("inbox")
        state = os.path.join(self.drop_root, "simulated_3pl_state.json")
        command = [sys.executable, SIMULATOR, "--outbox", self.threepl._drop_path("outbox")]
        command += ["--inbox", inbox, "--delay-min", "0", "--delay-max", "0", "--poll", "0.1"]
        command += ["--short-share", "0", "--state-file", state]
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if any(name.endswith("_945.x12") for name in os.listdir(inbox)):
                    break
                time.sleep(0.2)
        finally:
            proc.terminate()
            out, _err = proc.communicate(timeout=20)
        self.assertEqual(proc.returncode, 0, out)
        received = self.threepl.with_context(queue_job__no_delay=True)._poll_inbox()
        self.assertEqual(len(received), 2, out)
        self.assertEqual(set(received.mapped("state")), {"processed"})
        self.assertEqual(order_out.state, "acknowledged")
        shipment = self._exchanges(document_type="945", picking_id=picking.id)
        self.assertEqual(shipment.state, "processed", shipment.error_text)
        self.assertEqual(picking.state, "done")

    def test_edifact_customer_orders_and_ship_notice(self):
        exchanges = self.env["wms.exchange"].search(
            [("trading_partner_id", "=", self.customer_tp.id)]
        )
        orders_in = exchanges.filtered(lambda e: e.document_type == "ORDERS")
        self.assertEqual(len(orders_in), 2)
        processed = orders_in.filtered(lambda e: e.state == "processed")
        parked = orders_in.filtered(lambda e: e.state == "parked")
        self.assertEqual(len(processed), 1, orders_in.mapped("error_text"))
        self.assertEqual(len(parked), 1)
        # the first is a sale order of the customer, through the governed pipeline
        order = processed.sale_order_id
        self.assertEqual(order.client_order_ref, "DN-EDI-PO-0001")
        self.assertEqual(order.partner_id, self.customer_tp.partner_id)
        if "distribution_state" in order._fields:
            self.assertTrue(order.distribution_log_ids, "the order entered the pipeline")
        # shipped: its ship notice went back to the customer
        # one per delivery: the pipeline may have split the order across sites
        desadv = exchanges.filtered(lambda e: e.document_type == "DESADV")
        self.assertTrue(desadv)
        self.assertEqual(set(desadv.mapped("state")), {"sent"}, desadv.mapped("error_text"))
        self.assertEqual(set(desadv.picking_id.mapped("state")), {"done"})
        self.assertEqual(len(desadv), len(desadv.picking_id))
        self.assertTrue(
            order.picking_ids,
            f"{order.name}: {order.state} {order.distribution_state} "
            f"{order.distribution_log_ids.mapped('message')}",
        )
        self.assertLessEqual(order.picking_ids, desadv.picking_id)
        # the interchanges were answered (CONTRL)
        interchanges = exchanges.filtered(lambda e: e.document_type == "edifact")
        self.assertEqual(len(interchanges), 2)
        self.assertTrue(all(e.ack_exchange_id.document_type == "CONTRL" for e in interchanges))
        # the second names an article we do not sell: parked with that reason
        self.assertIn("4099999000017", parked.error_text)
        self.assertFalse(parked.sale_order_id)

    def test_loading_again_creates_nothing(self):
        before = self._counts()
        self.env["distribution.demo.network"].load_all(SCALE)
        self.assertEqual(self._counts(), before)
