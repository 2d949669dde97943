from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged

from .common import WmsBridgeCase, jobs_named, run_all_jobs


@tagged("post_install", "-at_install")
class TestShippingRoundTrip(WmsBridgeCase):
    """940 out through the directory drop, 999 + 945 back from the simulated 3PL."""

    def _ship(self, picking):
        with trap_jobs() as trap:
            picking.action_assign()
            self.assertEqual(len(jobs_named(trap, "_job_send")), 1)
            run_all_jobs(trap)
        return picking.wms_order_exchange_id

    def test_940_sent_when_delivery_ready(self):
        picking = self._delivery([(self.milk, 24), (self.butter, 10)])
        exchange = self._ship(picking)
        self.assertRecordValues(
            exchange,
            [
                {
                    "document_type": "940",
                    "direction": "out",
                    "state": "sent",
                    "ack_expected": True,
                    "picking_id": picking.id,
                    "mapping_version_id": self.threepl.mapping_version_id.id,
                }
            ],
        )
        sent = self.sim.take_outbox()
        self.assertEqual(len(sent), 1)
        result = sent[0][1]
        self.assertTrue(result.accepted, result.sets[0].describe())
        order = result.sets[0].data
        self.assertEqual(order["order_ref"], picking.name)
        self.assertEqual(
            [(ln["product_ids"]["VN"], ln["qty"]) for ln in order["lines"]],
            [("MILK-1L", 24.0), ("BUTTER-250", 10.0)],
        )
        # the cron does not send it twice
        with trap_jobs() as trap:
            self.env["stock.picking"]._cron_send_3pl_orders()
            trap.assert_jobs_count(0)

    def test_round_trip_short_shipment_creates_backorder(self):
        picking = self._delivery([(self.milk, 24), (self.butter, 10)])
        exchange = self._ship(picking)
        answered = self.sim.answer_940s(shipped={"BUTTER-250": 6}, lots={"BUTTER-250": "B0311"})
        self.assertEqual(answered, [picking.name])
        received = self._poll()
        self.assertEqual(len(received), 2)
        self.assertEqual(set(received.mapped("state")), {"processed"})
        # the 999 from the 3PL acknowledged our 940
        self.assertEqual(exchange.state, "acknowledged")
        # the 945 validated the delivery
        shipment = received.child_ids.filtered(lambda e: e.document_type == "945")
        self.assertEqual(shipment.state, "processed", shipment.error_text)
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.carrier_tracking_ref, "1Z999AA10123456784")
        self.assertEqual(picking.wms_bill_of_lading, "BOL-552190")
        butter_line = picking.move_line_ids.filtered(lambda ml: ml.product_id == self.butter)
        self.assertEqual(butter_line.lot_id, self.lot_b)
        self.assertEqual(butter_line.quantity, 6)
        backorder = shipment.backorder_id
        self.assertTrue(backorder)
        self.assertEqual(backorder.backorder_id, picking)
        self.assertEqual(backorder.move_ids.product_id, self.butter)
        self.assertEqual(backorder.move_ids.product_uom_qty, 4)
        # we acknowledged the 945 interchange back through the outbox
        # and the backorder, ready in the 3PL warehouse, went out as a new 940
        outbox = {r.sets[0].set_id: r.sets[0].data for _name, r in self.sim.take_outbox()}
        self.assertIn("999", outbox)
        self.assertEqual(outbox["940"]["order_ref"], backorder.name)

    def test_945_above_ordered_is_parked(self):
        picking = self._delivery([(self.milk, 24)])
        self._ship(picking)
        self.sim.answer_940s(shipped={"MILK-1L": 30})
        received = self._poll()
        shipment = received.child_ids.filtered(lambda e: e.document_type == "945")
        self.assertEqual(shipment.state, "parked")
        self.assertIn("above the", shipment.error_text)
        self.assertEqual(picking.state, "assigned")
        self.assertTrue(shipment.activity_ids)
        self.assertEqual(shipment.activity_ids.user_id, self.integration_user)

    def test_945_consumes_the_reserved_bin(self):
        """Stock on a shelf of the 3PL warehouse: the shipped quantity leaves the
        shelf it was reserved on (the reserved line is kept), not the warehouse's
        root location, and a short line leaves its remainder on the shelf."""
        shelf = self.env["stock.location"].create(
            {"name": "Shelf A1", "location_id": self.stock_location.id, "usage": "internal"}
        )
        oat = self.env["product.product"].create(
            {"name": "Oat drink 1L", "default_code": "OAT-1L", "is_storable": True}
        )
        Quant = self.env["stock.quant"]
        Quant._update_available_quantity(oat, shelf, 30)
        picking = self._delivery([(oat, 12)])
        self._ship(picking)
        reserved = picking.move_line_ids
        self.assertEqual(reserved.location_id, shelf)
        self.sim.answer_940s(shipped={"OAT-1L": 9})
        received = self._poll()
        shipment = received.child_ids.filtered(lambda e: e.document_type == "945")
        self.assertEqual(shipment.state, "processed", shipment.error_text)
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.move_line_ids, reserved)
        self.assertRecordValues(reserved, [{"location_id": shelf.id, "quantity": 9}])
        quants = Quant.search(
            [("product_id", "=", oat.id), ("location_id", "child_of", self.stock_location.id)]
        )
        # 30 - 9 left on the shelf (3 reserved again by the backorder), nothing negative
        self.assertEqual(sum(quants.mapped("quantity")), 21)
        self.assertEqual(quants.filtered(lambda q: q.quantity).location_id, shelf)
        self.assertEqual(shipment.backorder_id.move_ids.product_uom_qty, 3)
