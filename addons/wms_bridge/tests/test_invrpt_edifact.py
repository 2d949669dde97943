import json
import os
from datetime import datetime

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged

from ..engine import edifact
from .common import WmsBridgeCase, run_all_jobs

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as handle:
        return handle.read()


class InvrptCase(WmsBridgeCase):
    """A second 3PL, in Lyon, speaking EDIFACT: its own warehouse and stock, a
    mapping on *their* codes with EDIFACT unit codes, one code of theirs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.lyon_warehouse = env["stock.warehouse"].create({"name": "3PL Lyon", "code": "LYO"})
        cls.lot_a = env["stock.lot"].create({"name": "L2403A", "product_id": cls.butter.id})
        Quant = env["stock.quant"]
        Quant._update_available_quantity(cls.milk, cls.lyon_warehouse.lot_stock_id, 100)
        Quant._update_available_quantity(
            cls.butter, cls.lyon_warehouse.lot_stock_id, 30, lot_id=cls.lot_a
        )
        cls.lyon = env["wms.trading.partner"].create(
            {
                "name": "3PL Lyon",
                "partner_id": env["res.partner"].create({"name": "Logistique Lyon"}).id,
                "role": "3pl",
                "standard": "edifact",
                "edifact_party_id": "5400000000777",
                "our_edifact_id": "5400000000001",
                "transport": "directory",
                "drop_folder": "lyon",
                "warehouse_ids": [(6, 0, cls.lyon_warehouse.ids)],
                "responsible_user_id": cls.integration_user.id,
                "document_ids": [(0, 0, {"document_type": "INVRPT"})],
                "mapping_version_ids": [
                    (
                        0,
                        0,
                        {
                            "product_code": "theirs",
                            "uom_map": json.dumps({"Units": "PCE", "Pack of 6": "PK", "kg": "KGM"}),
                        },
                    )
                ],
                "product_code_ids": [(0, 0, {"product_id": cls.butter.id, "code": "LY-BUT-250"})],
            }
        )

    def _receive(self, payload, name="invrpt.edi"):
        inbox = self.lyon._drop_path("inbox")
        with open(os.path.join(inbox, name), "wb") as handle:
            handle.write(payload)
        with trap_jobs() as trap:
            parent = self.lyon._poll_inbox()
            run_all_jobs(trap)
        return parent

    def _reconciliations(self):
        return self.env["wms.stock.reconciliation"].search(
            [("trading_partner_id", "=", self.lyon.id)]
        )


@tagged("post_install", "-at_install")
class TestInvrptEdifact(InvrptCase):
    """EDIFACT INVRPT from a 3PL becomes a stock reconciliation, like an X12 846."""

    def test_invrpt_becomes_reconciliation(self):
        parent = self._receive(fixture("invrpt_lyon.edi"))
        self.assertEqual(parent.state, "processed", parent.error_text)
        self.assertEqual(parent.isa_control, "INV0321")
        child = parent.child_ids
        self.assertEqual(child.state, "processed", child.error_text)
        self.assertRecordValues(
            child, [{"document_type": "INVRPT", "state": "processed", "st_control": "1"}]
        )
        rec = child.reconciliation_id
        self.assertRecordValues(
            rec,
            [
                {
                    "name": "3PL Lyon STOCK-20240321",
                    "trading_partner_id": self.lyon.id,
                    "warehouse_id": self.lyon_warehouse.id,
                    "exchange_id": child.id,
                    "report_date": datetime(2024, 3, 21, 12, 0),
                    "state": "draft",
                    "difference_count": 3,
                }
            ],
        )
        # GTIN on LIN (16 packs of 6), their code (IN), our code (SA) with a new lot
        lines = {(ln.product_id, ln.lot_name): ln for ln in rec.line_ids}
        self.assertEqual(
            set(lines), {(self.milk, ""), (self.butter, "L2403A"), (self.butter, "L2403B")}
        )
        self.assertRecordValues(
            lines[self.milk, ""], [{"partner_qty": 96, "odoo_qty": 100, "difference": -4}]
        )
        self.assertRecordValues(
            lines[self.butter, "L2403A"],
            [{"partner_qty": 28, "odoo_qty": 30, "difference": -2, "lot_id": self.lot_a.id}],
        )
        self.assertRecordValues(
            lines[self.butter, "L2403B"],
            [{"partner_qty": 4, "odoo_qty": 0, "difference": 4, "lot_id": False}],
        )
        # our CONTRL went back through the partner's outbox, accepting the message
        ack = parent.ack_exchange_id
        self.assertRecordValues(ack, [{"document_type": "CONTRL", "state": "sent"}])
        contrl = edifact.read_interchange(ack._payload_bytes()).messages[0].data
        self.assertEqual((contrl["interchange_ref"], contrl["action"]), ("INV0321", "7"))
        self.assertEqual([m["action"] for m in contrl["messages"]], ["7"])

    def test_mixed_interchange_bad_messages_parked_good_one_processed(self):
        parent = self._receive(fixture("invrpt_lyon_mixed.edi"))
        self.assertEqual(parent.state, "processed", parent.error_text)
        good, unknown, bad_qty, broken = parent.child_ids.sorted(lambda c: int(c.st_control))
        self.assertEqual(good.state, "processed", good.error_text)
        self.assertEqual(good.reconciliation_id.line_ids.partner_qty, 96)
        # unknown product: parked, named, nothing created
        self.assertEqual(unknown.state, "parked")
        self.assertIn("Unknown products: SA=CHEESE-01", unknown.error_text)
        self.assertFalse(unknown.reconciliation_id)
        self.assertEqual(unknown.activity_ids.user_id, self.integration_user)
        # bad quantities: each line named with what is wrong
        self.assertEqual(bad_qty.state, "parked")
        self.assertIn("Line 1 (EN=10614141000019): negative quantity -5.0", bad_qty.error_text)
        self.assertIn(
            "Line 2 (SA=BUTTER-250): no on-hand quantity (QTY qualifier 145)", bad_qty.error_text
        )
        self.assertFalse(bad_qty.reconciliation_id)
        # a message with a wrong UNT count is refused by the CONTRL, not processed
        self.assertEqual(broken.state, "error")
        self.assertIn("UNT", broken.error_text)
        self.assertEqual(self._reconciliations(), good.reconciliation_id)
        contrl = edifact.read_interchange(parent.ack_exchange_id._payload_bytes()).messages[0].data
        self.assertEqual([m["action"] for m in contrl["messages"]], ["7", "7", "7", "4"])
        # once the product exists, the parked message goes through
        self.env["product.product"].create(
            {"name": "Comte 200g", "default_code": "CHEESE-01", "is_storable": True}
        )
        with trap_jobs() as trap:
            unknown.action_reprocess()
            run_all_jobs(trap)
        self.assertEqual(unknown.state, "processed", unknown.error_text)
        self.assertEqual(len(unknown.reconciliation_id.line_ids), 2)

    def test_duplicate_interchange_not_processed_twice(self):
        first = self._receive(fixture("invrpt_lyon.edi"), name="first.edi")
        self.assertEqual(first.state, "processed", first.error_text)
        second = self._receive(fixture("invrpt_lyon.edi"), name="again.edi")
        self.assertEqual(second.state, "duplicate")
        self.assertIn("INV0321", second.error_text)
        self.assertFalse(second.child_ids)
        self.assertFalse(second.ack_exchange_id)
        self.assertEqual(len(self._reconciliations()), 1)

    def test_unknown_unit_is_named(self):
        parent = self._receive(fixture("invrpt_lyon.edi").replace(b":PK'", b":CS'"))
        child = parent.child_ids
        self.assertEqual(child.state, "parked")
        self.assertIn(
            "Line 1 (EN=10614141000019): unit CS is not in the unit mapping", child.error_text
        )
        self.assertFalse(self._reconciliations())
