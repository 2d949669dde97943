import os
from datetime import date

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged

from ..engine import x12
from .common import WmsBridgeCase, jobs_named, run_all_jobs


def _846(ref, items):
    return {
        "purpose": "00",
        "report_type": "DD",
        "ref": ref,
        "date": date(2024, 3, 15),
        "items": [
            {"product_ids": {"VN": code}, "lot": lot, "quantities": {"17": qty}}
            for code, lot, qty in items
        ],
    }


@tagged("post_install", "-at_install")
class TestInboundInterchange(WmsBridgeCase):
    """Reading an interchange: per-set processing, acknowledgments, duplicates."""

    def test_polling_creates_one_exchange_per_file_and_archives(self):
        self.sim.send([("846", _846("INV1", [("MILK-1L", "", 40)]))], name="a.x12")
        self.sim.send([("846", _846("INV2", [("MILK-1L", "", 41)]))], name="b.x12")
        with trap_jobs() as trap:
            received = self.threepl._poll_inbox()
            self.assertEqual(len(received), 2)
            self.assertEqual(set(received.mapped("state")), {"received"})
            self.assertEqual(len(jobs_named(trap, "_job_process")), 2)
        self.assertEqual(received.mapped("filename"), ["a.x12", "b.x12"])
        self.assertFalse(self.threepl._transport_receive_directory())
        archive = self.threepl._drop_path("archive")
        self.assertEqual(len(os.listdir(archive)), 2)

    def test_duplicate_interchange_not_processed_twice(self):
        text = self.sim.send([("846", _846("INV1", [("MILK-1L", "", 40)]))], control=777)
        first = self._poll()
        self.assertEqual(first.state, "processed")
        self.sim.drop("again.x12", text)
        second = self._poll()
        self.assertEqual(second.state, "duplicate")
        self.assertFalse(second.child_ids)
        self.assertEqual(
            self.env["wms.stock.reconciliation"].search_count(
                [("trading_partner_id", "=", self.threepl.id)]
            ),
            1,
        )

    def test_bad_set_rejected_valid_set_processed(self):
        good = _846("GOOD", [("MILK-1L", "", 40)])
        text = x12.write_interchange(
            self.sim.envelope,
            [("846", good), ("846", _846("BAD", [("MILK-1L", "", 1)]))],
            control_number=901,
        )
        # break the second set: its SE01 count is wrong
        head, sep, tail = text.rpartition("SE*")
        count, rest = tail.split("*", 1)
        text = f"{head}{sep}{int(count) + 3}*{rest}"
        self.sim.drop("mixed.x12", text)
        parent = self._poll()
        self.assertEqual(parent.state, "processed")
        sets = parent.child_ids.sorted("st_control")
        self.assertEqual(sets.mapped("state"), ["processed", "error"])
        self.assertIn("SE01", sets[1].error_text)
        self.assertTrue(sets[1].activity_ids)
        self.assertTrue(sets[0].reconciliation_id)
        # our 999 says: first accepted, second rejected
        ack = parent.ack_exchange_id
        self.assertEqual(ack.document_type, "999")
        self.assertEqual(ack.state, "sent")
        result = x12.process_interchange(ack._payload_bytes())
        summary = result.sets[0].data
        self.assertEqual([s["code"] for s in summary["sets"]], ["A", "R"])

    def test_unknown_product_parked_then_reprocessed(self):
        self.sim.send([("846", _846("INV9", [("NEW-SKU", "", 3)]))])
        parent = self._poll()
        child = parent.child_ids
        self.assertEqual(child.state, "parked")
        self.assertIn("NEW-SKU", child.error_text)
        self.assertTrue(child.error_traceback)
        self.env["product.product"].create(
            {"name": "New", "default_code": "NEW-SKU", "is_storable": True}
        )
        with trap_jobs() as trap:
            child.action_reprocess()
            run_all_jobs(trap)
        self.assertEqual(child.state, "processed")
        self.assertFalse(child.activity_ids)

    def test_unreadable_file_is_an_error(self):
        self.sim.drop("garbage.x12", "this is not an interchange")
        parent = self._poll()
        self.assertEqual(parent.state, "error")
        self.assertTrue(parent.error_text)
