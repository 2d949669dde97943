"""wms_bridge on OCA's EDI framework (edi_core_oca): a backend per trading
partner, an exchange type per document and direction, a framework record holding
every exchange's state, error and payload and shown on its transfer; processing
and sending run through the framework's exchange_process / exchange_send; the
framework's crons leave our records to our jobs, its buttons go through our
governed actions; the migrations give existing data its framework records and
move state, error and payload onto them."""

import importlib.util
import os
from unittest.mock import patch

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..engine.exchange_state import bridge_state
from ..models.edi_framework import exchange_type_code
from ..models.wms_governed_mixin import governed
from ..models.wms_trading_partner import DOCUMENT_DIRECTIONS
from .common import WmsBridgeCase, run_all_jobs


def _migration(version="19.0.1.3.0"):
    path = os.path.join(os.path.dirname(__file__), "..", "migrations", version, "post-migrate.py")
    spec = importlib.util.spec_from_file_location(f"wms_bridge_post_migrate_{version}", path)
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

    def test_exchanges_on_framework_records_shown_on_the_delivery(self):
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
                bridge_state(exchange.direction, record.edi_exchange_state, exchange.outcome),
                exchange.state,
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
        # nor can anyone rewrite the record outside the bridge
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

    def test_processing_and_sending_run_through_the_framework(self):
        """The framework's exchange_process / exchange_send run our codec: they
        record their outcome their own way (state, exchanged_on, the message on
        the transfer), the payload is the framework record's file, and a state
        the framework sets is the bridge's state."""
        Backend = type(self.env["edi.backend"])
        calls = []
        original_process, original_send = Backend.exchange_process, Backend.exchange_send

        def process(backend, record):
            calls.append(("process", record.id))
            return original_process(backend, record)

        def send(backend, record):
            calls.append(("send", record.id))
            return original_send(backend, record)

        with (
            patch.object(Backend, "exchange_process", process),
            patch.object(Backend, "exchange_send", send),
        ):
            picking, received = self._round_trip(shipped={"BUTTER-250": 6})
        order = picking.wms_order_exchange_id
        shipment = received.child_ids.filtered(lambda e: e.document_type == "945")
        self.assertIn(("send", order.edi_exchange_record_id.id), calls)
        for interchange in received:
            self.assertIn(("process", interchange.edi_exchange_record_id.id), calls)
        self.assertIn(("process", shipment.edi_exchange_record_id.id), calls)
        record = shipment.edi_exchange_record_id
        self.assertTrue(record.exchanged_on)
        self.assertEqual(record._get_file_content(), shipment._payload_bytes().decode())
        self.assertEqual(order.attachment_id.res_model, "edi.exchange.record")
        self.assertEqual(order.attachment_id.res_field, "exchange_file")
        self.assertIn(
            "Exchange processed successfully",
            " ".join(picking.message_ids.mapped("body")),
        )
        # the framework's state is the stored truth: the bridge's state follows it
        governed(record.sudo()).write({"edi_exchange_state": "input_processed_error"})
        self.assertEqual(shipment.state, "parked")
        governed(record.sudo()).write({"edi_exchange_state": "input_processed"})
        self.assertEqual(shipment.state, "processed")

    def test_failed_document_recorded_by_the_framework(self):
        picking = self._delivery([(self.milk, 24)])
        with trap_jobs() as trap:
            picking.action_assign()
            run_all_jobs(trap)
        self.sim.take_outbox()
        doc = {
            "report_code": "F",
            "order_ref": picking.name,
            "lines": [
                {
                    "line": 1,
                    "status": "CC",
                    "qty_shipped": 1,
                    "uom": "EA",
                    "product_ids": {"VN": "NO-SUCH-PRODUCT"},
                }
            ],
        }
        self.sim.send([("945", doc)])
        parked = self._poll().child_ids
        record = parked.edi_exchange_record_id
        self.assertEqual(parked.state, "parked")
        self.assertEqual(record.edi_exchange_state, "input_processed_error")
        self.assertEqual(parked.error_text, record.exchange_error)
        self.assertIn("NO-SUCH-PRODUCT", record.exchange_error)
        # the cause's traceback, not the framework's re-raise only
        self.assertIn("WmsMappingError", parked.error_traceback or "")
        # still shown on its delivery, with the framework's error message there
        self.assertEqual(parked.picking_id, picking)
        self.assertIn(record, picking.exchange_record_ids)
        self.assertIn(
            "Exchange processed with errors", " ".join(picking.message_ids.mapped("body"))
        )
        # nothing of the delivery was applied, one activity for the integration team
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(len(parked.activity_ids), 1)

    def test_failed_set_applied_inside_its_interchange_job(self):
        """Jobs run at once (queue_job__no_delay, as the demo loader does): a set
        processed while its interchange is processed keeps its own outcome."""
        picking = self._delivery([(self.milk, 24)])
        with trap_jobs() as trap:
            picking.action_assign()
            run_all_jobs(trap)
        self.sim.take_outbox()
        doc = {
            "report_code": "F",
            "order_ref": picking.name,
            "lines": [
                {
                    "line": 1,
                    "status": "CC",
                    "qty_shipped": 1,
                    "uom": "EA",
                    "product_ids": {"VN": "NO-SUCH-PRODUCT"},
                }
            ],
        }
        self.sim.send([("945", doc)])
        interchange = self.threepl.with_context(queue_job__no_delay=True)._poll_inbox()
        parked = interchange.child_ids
        self.assertEqual(interchange.state, "processed")
        self.assertEqual(parked.state, "parked")
        self.assertEqual(parked.picking_id, picking)
        self.assertEqual(len(parked.activity_ids), 1)
        self.assertIn("NO-SUCH-PRODUCT", parked.edi_exchange_record_id.exchange_error)

    def test_migration_gives_existing_exchanges_their_records(self):
        picking, _received = self._round_trip()
        exchanges = self.Exchange.search([("trading_partner_id", "=", self.threepl.id)])
        before = {e.id: (e.state, e.attachment_id.id, e.picking_id.id) for e in exchanges}
        payloads = {e.id: e._payload_bytes() for e in exchanges}
        # a database of 19.0.1.2.0: no backend, no framework record; state, error and
        # payload were wms_exchange's own
        self._as_legacy_database(exchanges, with_records=False)
        backend = self.threepl.edi_backend_id
        self.threepl.sudo().edi_backend_id = False
        backend.sudo().unlink()
        _migration("19.0.1.3.0").migrate(self.env.cr, "19.0.1.2.0")
        _migration("19.0.1.4.0").migrate(self.env.cr, "19.0.1.2.0")
        self.env.invalidate_all()
        self.assertTrue(self.threepl.edi_backend_id)
        after = {e.id: (e.state, e.attachment_id.id, e.picking_id.id) for e in exchanges}
        self.assertEqual(after, before)  # nothing of the exchanges changed or was lost
        for exchange in exchanges:
            record = exchange.edi_exchange_record_id
            self.assertTrue(record, exchange.name)
            self.assertEqual(exchange._payload_bytes(), payloads[exchange.id])
            self.assertEqual(record._get_file_content().encode("latin-1"), payloads[exchange.id])
        self.assertTrue(picking.exchange_record_ids)

    def test_migration_moves_state_error_and_payload_onto_the_records(self):
        """A database of 19.0.1.3.0: framework records mirrored the state; the
        state, error, traceback and payload were wms_exchange's columns."""
        picking, _received = self._round_trip()
        exchanges = self.Exchange.search([("trading_partner_id", "=", self.threepl.id)])
        # one of each kind the framework's states cannot say on its own
        duplicate, cancelled = exchanges.filtered(lambda e: e.direction == "in")[:2]
        governed(duplicate).write({"state": "duplicate", "error_text": "seen before"})
        governed(cancelled).write({"state": "cancel"})
        self.env.flush_all()
        before = {e.id: (e.state, e.error_text or False, e.attachment_id.id) for e in exchanges}
        payloads = {e.id: e._payload_bytes() for e in exchanges}
        self._as_legacy_database(exchanges, with_records=True)
        _migration("19.0.1.4.0").migrate(self.env.cr, "19.0.1.3.0")
        self.env.invalidate_all()
        after = {e.id: (e.state, e.error_text or False, e.attachment_id.id) for e in exchanges}
        self.assertEqual(after, before)
        self.assertEqual(duplicate.outcome, "duplicate")
        self.assertEqual(cancelled.outcome, "cancel")
        for exchange in exchanges:
            self.assertEqual(exchange._payload_bytes(), payloads[exchange.id])
            self.assertEqual(exchange.attachment_id.res_model, "edi.exchange.record")
        self.assertTrue(picking.exchange_record_ids)

    def _as_legacy_database(self, exchanges, with_records):
        """Turn ``exchanges`` back into what an earlier version stored: the
        error columns on wms_exchange, the payload attached to the exchange, no
        outcome; framework records mirroring the state (1.3.0) or none (1.2.0)."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            "ALTER TABLE wms_exchange ADD COLUMN IF NOT EXISTS error_text text, "
            "ADD COLUMN IF NOT EXISTS error_traceback text"
        )
        cr.execute(
            "UPDATE wms_exchange e SET error_text = r.exchange_error, "
            "error_traceback = r.exchange_error_traceback, outcome = NULL "
            "FROM edi_exchange_record r WHERE r.id = e.edi_exchange_record_id AND e.id = ANY(%s)",
            (exchanges.ids,),
        )
        cr.execute(
            "UPDATE ir_attachment a SET res_model = 'wms.exchange', res_field = NULL, "
            "res_id = e.id FROM wms_exchange e WHERE e.attachment_id = a.id AND e.id = ANY(%s)",
            (exchanges.ids,),
        )
        # 1.3.0 mirrored cancelled and duplicate exchanges as error / processed
        mirror = {"cancel": None, "duplicate": "input_processed"}
        cr.execute(
            "SELECT edi_exchange_record_id, state FROM wms_exchange WHERE id = ANY(%s)",
            (exchanges.ids,),
        )
        for record_id, state in cr.fetchall():
            if mirror.get(state):
                cr.execute(
                    "UPDATE edi_exchange_record SET edi_exchange_state = %s, "
                    "exchange_error = NULL, exchange_error_traceback = NULL WHERE id = %s",
                    (mirror[state], record_id),
                )
        cr.execute(
            "UPDATE edi_exchange_record SET exchange_error = NULL, "
            "exchange_error_traceback = NULL WHERE id IN "
            "(SELECT edi_exchange_record_id FROM wms_exchange WHERE id = ANY(%s))",
            (exchanges.ids,),
        )
        if not with_records:
            cr.execute(
                "SELECT edi_exchange_record_id FROM wms_exchange WHERE id = ANY(%s)",
                (exchanges.ids,),
            )
            record_ids = [r[0] for r in cr.fetchall()]
            cr.execute(
                "UPDATE wms_exchange SET edi_exchange_record_id = NULL WHERE id = ANY(%s)",
                (exchanges.ids,),
            )
            cr.execute(
                "DELETE FROM edi_exchange_related_record WHERE exchange_record_id = ANY(%s)",
                (record_ids,),
            )
            cr.execute("DELETE FROM edi_exchange_record WHERE id = ANY(%s)", (record_ids,))
        self.env.invalidate_all()
