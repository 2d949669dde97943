from datetime import date, datetime

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged

from .common import WmsBridgeCase, run_all_jobs


@tagged("post_install", "-at_install")
class TestReceiptAndCarrierStatus(WmsBridgeCase):
    def test_943_out_944_in_validates_receipt(self):
        receipt = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "partner_id": self.customer.id,
                "location_id": self.env.ref("stock.stock_location_suppliers").id,
                "location_dest_id": self.stock_location.id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.butter.id,
                            "product_uom_qty": 12,
                            "product_uom": self.butter.uom_id.id,
                            "location_id": self.env.ref("stock.stock_location_suppliers").id,
                            "location_dest_id": self.stock_location.id,
                        },
                    )
                ],
            }
        )
        receipt.action_confirm()
        with trap_jobs() as trap:
            receipt.action_wms_send_to_3pl()
            run_all_jobs(trap)
        notice = receipt.wms_order_exchange_id
        self.assertEqual((notice.document_type, notice.state), ("943", "sent"))
        sent = self.sim.take_outbox()
        self.assertEqual(sent[0][1].sets[0].data["order_ref"], receipt.name)
        self.sim.send(
            [
                (
                    "944",
                    {
                        "report_code": "F",
                        "date": date(2024, 3, 16),
                        "receipt_ref": "RCV-1",
                        "order_ref": receipt.name,
                        "lines": [
                            {
                                "qty": 10,
                                "uom": "EA",
                                "product_ids": {"VN": "BUTTER-250"},
                                "lot": "B0400",
                                "exceptions": [{"qty": 2, "condition": "07"}],
                            }
                        ],
                    },
                )
            ]
        )
        child = self._poll().child_ids
        self.assertEqual(child.state, "processed", child.error_text)
        self.assertEqual(receipt.state, "done")
        self.assertEqual(receipt.move_line_ids.lot_id.name, "B0400")
        self.assertEqual(child.backorder_id.move_ids.product_uom_qty, 2)

    def test_214_updates_carrier_status(self):
        picking = self._delivery([(self.milk, 1)])
        picking.carrier_tracking_ref = "1Z999AA10123456784"
        self.sim.send(
            [
                (
                    "214",
                    {
                        "pro_number": "1Z999AA10123456784",
                        "shipment_id": "SHP-7781",
                        "scac": "UPSN",
                        "statuses": [
                            {
                                "status": "X6",
                                "reason": "NS",
                                "datetime": datetime(2024, 3, 18, 9, 30),
                                "location": {"city": "Sacramento", "state": "CA", "country": "US"},
                            },
                            {
                                "status": "D1",
                                "reason": "NS",
                                "datetime": datetime(2024, 3, 18, 16, 10),
                                "location": {"city": "Oakland", "state": "CA", "country": "US"},
                            },
                        ],
                    },
                )
            ]
        )
        child = self._poll().child_ids
        self.assertEqual(child.state, "processed", child.error_text)
        self.assertEqual(child.picking_id, picking)
        self.assertEqual(picking.wms_carrier_status, "D1 Delivered")
        self.assertEqual(picking.wms_carrier_status_location, "Oakland, CA, US")


@tagged("post_install", "-at_install")
class TestAsn856(WmsBridgeCase):
    def test_856_sent_when_customer_delivery_done(self):
        customer_partner = self.env["wms.trading.partner"].create(
            {
                "name": "Northwind EDI",
                "partner_id": self.customer.id,
                "role": "customer",
                "send_asn": True,
                "isa_id": "NORTHWIND",
                "our_isa_id": "DISTRIBCO",
                "transport": "directory",
                "drop_folder": "northwind",
                "document_ids": [(0, 0, {"document_type": "856"})],
                "mapping_version_ids": [(0, 0, {"product_code": "gtin"})],
            }
        )
        picking = self._delivery([(self.milk, 3)])
        with trap_jobs() as trap:
            picking.action_assign()
            run_all_jobs(trap)
            picking.move_ids.quantity = 3
            picking.move_ids.picked = True
            picking.button_validate()
            run_all_jobs(trap)
        asn = self.Exchange.search(
            [("trading_partner_id", "=", customer_partner.id), ("document_type", "=", "856")]
        )
        self.assertEqual(asn.state, "sent", asn.error_text)
        from ..engine import x12

        result = x12.process_interchange(asn._payload_bytes())
        self.assertTrue(result.accepted, result.sets[0].describe())
        item = result.sets[0].data["orders"][0]["items"][0]
        self.assertEqual(item["product_ids"]["UK"], "10614141000019")
        self.assertEqual(item["qty"], 3)
