import os

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged

from .common import WmsBridgeCase, run_all_jobs

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "engine", "tests", "fixtures")


@tagged("post_install", "-at_install")
class TestOrdersEdifact(WmsBridgeCase):
    """EDIFACT ORDERS from a customer become confirmed sale orders; CONTRL answers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = cls.env["res.partner"].create({"name": "Hypermarche Nord SA"})
        cls.hyper = cls.env["wms.trading.partner"].create(
            {
                "name": "Hypermarche Nord",
                "partner_id": cls.buyer.id,
                "role": "customer",
                "standard": "edifact",
                "edifact_party_id": "5412345000013",
                "our_edifact_id": "5400000000001",
                "transport": "directory",
                "drop_folder": "hyper",
                "document_ids": [(0, 0, {"document_type": "ORDERS"})],
                "mapping_version_ids": [(0, 0, {"product_code": "ours"})],
            }
        )
        with open(os.path.join(FIXTURES, "orders_d96a.edi"), "rb") as handle:
            cls.orders = handle.read()

    def _receive(self, payload):
        inbox = self.hyper._drop_path("inbox")
        with open(os.path.join(inbox, "orders.edi"), "wb") as handle:
            handle.write(payload)
        with trap_jobs() as trap:
            parent = self.hyper._poll_inbox()
            run_all_jobs(trap)
        return parent

    def test_orders_become_confirmed_sale_order(self):
        if "distribution_pipeline_enabled" in self.env.company._fields:
            # the governed pipeline, when installed, is off until a company enables it
            self.env.company.distribution_pipeline_enabled = True
        parent = self._receive(self.orders)
        self.assertEqual(parent.state, "processed", parent.error_text)
        child = parent.child_ids
        self.assertEqual(child.document_type, "ORDERS")
        self.assertEqual(child.state, "processed", child.error_text)
        order = child.sale_order_id
        self.assertEqual(order.partner_id, self.buyer)
        self.assertEqual(order.client_order_ref, "PO-2024-117")
        if "distribution_state" in order._fields:
            # with the governed pipeline installed, confirming submits the order to it:
            # it is released or waits on hold (this fixture's buyer has no payment terms)
            self.assertIn(order.distribution_state, ("released", "on_hold"))
            self.assertTrue(order.distribution_log_ids, "the order entered the pipeline")
        else:
            self.assertEqual(order.state, "sale")
        self.assertEqual(
            sorted((ln.product_id.default_code, ln.product_uom_qty) for ln in order.order_line),
            [("BUTTER-250", 36.5), ("MILK-1L", 120.0)],
        )
        self.assertEqual(parent.ack_exchange_id.document_type, "CONTRL")
        self.assertEqual(parent.ack_exchange_id.state, "sent")
        # the same interchange again is a duplicate: no second order
        again = self._receive(self.orders)
        self.assertEqual(again.state, "duplicate")
        self.assertEqual(
            self.env["sale.order"].search_count([("client_order_ref", "=", "PO-2024-117")]), 1
        )

    def test_unknown_product_parks_the_order(self):
        parent = self._receive(self.orders.replace(b"BUTTER-250", b"CHEESE-01"))
        child = parent.child_ids
        self.assertEqual(child.state, "parked")
        self.assertIn("CHEESE-01", child.error_text)
        self.assertFalse(child.sale_order_id)
