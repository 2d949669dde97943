"""wms_bridge seen through OCA's EDI framework (edi_core_oca): a backend per
trading partner, an exchange type per document and direction, a framework record
mirroring every exchange and shown on its transfer; the framework's crons leave
our records to our jobs, its buttons go through our governed actions; the
migration gives existing data its framework records."""

import importlib.util
import os

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..models.edi_framework import EDI_STATES, exchange_type_code
from ..models.wms_governed_mixin import governed
from ..models.wms_trading_partner import DOCUMENT_DIRECTIONS
from .common import WmsBridgeCase, run_all_jobs


def _migration():
    path = os.path.join(
        os.path.dirname(__file__), "..", "migrations", "19.0.1.3.0", "post-migrate.py"
    )
    spec = importlib.util.spec_from_file_location("wms_bridge_post_migrate_1_3", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestEdiFramework(WmsBridgeCase):
    def _round_trip(self, shipped=None):
        picking = self._delivery([(self.milk, 24), (self.butter, 10)])
        with trap_jobs() as trap:
            picking.action_assign()
            run_all_jobs(trap)
        self.sim.answer_940s(shipped=shipped or {}, lots={"BUTTER-250": "B0311"})
        received = self._poll()
        return picking, received

    def test_backend_per_partner_and_types_per_document(self):
        backend = self.threepl.edi_backend_id
        self.assertEqual(backend.backend_type_id.code, "wms_bridge")
        self.assertEqual(backend.name, self.threepl.name)
        codes = set(
            self.env["edi.exchange.type"]
            .search([("backend_type_id", "=", backend.backend_type_id.id)])
            .mapped("code")
        )
        expected = {exchange_type_code(d, io) for d, io in DOCUMENT_DIRECTIONS.items()}
        expected |= {
            exchange_type_code(a, io)
            for a in ("997", "999", "TA1", "CONTRL")
            for io in ("in", "out")
        }
        self.assertLessEqual(expected, codes)

    def test_exchanges_mirrored_and_shown_on_the_delivery(self):
        picking, received = self._round_trip(shipped={"BUTTER-250": 6})
        exchanges = self.Exchange.search([("trading_partner_id", "=", self.threepl.id)])
        self.assertTrue(exchanges)
        for exchange in exchanges:
            record = exchange.edi_exchange_record_id
            self.assertTrue(record, exchange.name)
            self.assertEqual(record.backend_id, self.threepl.edi_backend_id)
            self.assertEqual(
                record.type_id.code, exchange_type_code(exchange.document_type, exchange.direction)
            )
            self.assertEqual(
                record.edi_exchange_state, EDI_STATES[exchange.direction][exchange.state]
            )
        shipment = received.child_ids.filtered(lambda e: e.document_type == "945")
        order = picking.wms_order_exchange_id
        self.assertEqual(order.state, "acknowledged")
        self.assertEqual(
            order.edi_exchange_record_id.edi_exchange_state, "output_sent_and_processed"
        )
        self.assertEqual(shipment.edi_exchange_record_id.edi_exchange_state, "input_processed")
        self.assertEqual(shipment.edi_exchange_record_id.record, picking)
        self.assertIn(order.edi_exchange_record_id, picking.exchange_record_ids)
        self.assertIn(shipment.edi_exchange_record_id, picking.exchange_record_ids)
        self.assertGreaterEqual(picking.exchange_record_count, 2)

    def test_framework_crons_leave_our_records_to_our_jobs(self):
        self.sim.send(
            [
                (
                    "846",
                    {
                        "purpose": "00",
                        "report_type": "DD",
                        "ref": "X",
                        "items": [
                            {"product_ids": {"VN": "MILK-1L"}, "lot": "", "quantities": {"17": 1}}
                        ],
                    },
                )
            ]
        )
        inbox_partner = self.threepl
        with trap_jobs():
            parent = inbox_partner._poll_inbox()  # received, processing queued (trapped)
        self.assertEqual(parent.edi_exchange_record_id.edi_exchange_state, "input_received")
        backends = self.env["edi.backend"].search([])
        backends._cron_check_input_exchange_sync()
        backends._cron_check_output_exchange_sync()
        self.assertEqual(parent.state, "received")
        self.assertEqual(parent.edi_exchange_record_id.edi_exchange_state, "input_received")

    def test_framework_process_button_reprocesses_governed(self):
        picking = self._delivery([(self.milk, 24)])
        with trap_jobs() as trap:
            picking.action_assign()
            run_all_jobs(trap)
        self.sim.take_outbox()
        doc = {
            "report_code": "F",
            "order_ref": "WH/OUT/UNKNOWN",
            "lines": [
                {
                    "line": 1,
                    "status": "CC",
                    "qty_shipped": 1,
                    "uom": "EA",
                    "product_ids": {"VN": "MILK-1L"},
                }
            ],
        }
        self.sim.send([("945", doc)])
        received = self._poll()
        parked = received.child_ids
        self.assertEqual(parked.state, "parked", parked.error_text)
        record = parked.edi_exchange_record_id
        self.assertEqual(record.edi_exchange_state, "input_processed_error")
        # a stock user (no integration group) is refused by the governed action
        clerk = new_test_user(self.env, login="edi_clerk", groups="stock.group_stock_user")
        with self.assertRaises(AccessError):
            record.with_user(clerk).action_exchange_process()
        # nor can anyone rewrite the mirror outside the bridge
        with self.assertRaises(AccessError):
            record.with_user(clerk).write({"edi_exchange_state": "input_processed"})
        with self.assertRaises(AccessError):
            record.write({"edi_exchange_state": "input_processed"})
        with self.assertRaises(AccessError):
            record.unlink()
        with self.assertRaises(AccessError):
            self.env["edi.exchange.record"].create(
                {"type_id": record.type_id.id, "backend_id": record.backend_id.id}
            )
        # the integration user reprocesses from the framework's record
        with trap_jobs() as trap:
            record.with_user(self.integration_user).action_exchange_process()
            run_all_jobs(trap)
        self.assertEqual(parked.state, "parked")  # still unknown: parked again, not lost
        self.assertEqual(record.edi_exchange_state, "input_processed_error")

    def test_migration_gives_existing_exchanges_their_records(self):
        picking, _received = self._round_trip()
        exchanges = self.Exchange.search([("trading_partner_id", "=", self.threepl.id)])
        before = {e.id: (e.state, e.attachment_id.id, e.picking_id.id) for e in exchanges}
        # a database of the previous version: no backend, no framework record
        records = exchanges.edi_exchange_record_id
        governed(exchanges).write({"edi_exchange_record_id": False})
        governed(records.sudo()).unlink()
        backend = self.threepl.edi_backend_id
        self.threepl.sudo().edi_backend_id = False
        backend.sudo().unlink()
        _migration().migrate(self.env.cr, "19.0.1.2.0")
        exchanges.invalidate_recordset()
        self.assertTrue(self.threepl.edi_backend_id)
        after = {e.id: (e.state, e.attachment_id.id, e.picking_id.id) for e in exchanges}
        self.assertEqual(after, before)  # nothing of the exchanges changed or was lost
        for exchange in exchanges:
            record = exchange.edi_exchange_record_id
            self.assertTrue(record, exchange.name)
            self.assertEqual(
                record.edi_exchange_state, EDI_STATES[exchange.direction][exchange.state]
            )
        self.assertTrue(picking.exchange_record_ids)
