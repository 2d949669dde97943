"""EDIFACT volume: an interchange is parsed once, its messages' products and units
are looked up once for the whole interchange, and a reconciliation's adjustments
are made in one batch."""

from datetime import datetime
from unittest.mock import patch

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import new_test_user, tagged

from ..engine import edifact
from ..models import wms_exchange
from ..models.wms_mapping_version import WmsLookups
from .common import run_all_jobs
from .test_invrpt_edifact import InvrptCase, fixture

N_MESSAGES = 12


class _CountingLookups(WmsLookups):
    made = []

    def __init__(self):
        super().__init__()
        self.made.append(self)


@tagged("post_install", "-at_install")
class TestEdifactVolume(InvrptCase):
    def _interchange(self, n=N_MESSAGES, unknown_at=None):
        doc = dict(edifact.read_interchange(fixture("invrpt_lyon.edi")).messages[0].data)
        doc.pop("message_ref", None)
        docs = []
        for i in range(n):
            copy = dict(doc, doc_ref=f"STOCK-{i:03d}")
            if i == unknown_at:
                line = dict(copy["items"][2], product_ids={"SA": "CHEESE-01"})
                copy["items"] = [*copy["items"][:2], line]
            docs.append(("INVRPT", copy))
        env = edifact.EdifactEnvelope("5400000000777", "5400000000001")
        return edifact.write_interchange(
            env, docs, control_ref="VOL1", when=datetime(2024, 3, 21, 6, 0)
        ).encode()

    def _receive_counting(self, payload):
        sizes = []
        real = edifact.read_interchange

        def counting(raw):
            sizes.append(len(raw))
            return real(raw)

        _CountingLookups.made = []
        with (
            patch.object(edifact, "read_interchange", counting),
            patch.object(wms_exchange, "WmsLookups", _CountingLookups),
        ):
            parent = self._receive(payload)
        return parent, sizes

    def test_interchange_parsed_once_children_self_contained(self):
        payload = self._interchange()
        parent, sizes = self._receive_counting(payload)
        self.assertEqual(parent.state, "processed", parent.error_text)
        children = parent.child_ids
        self.assertEqual(len(children), N_MESSAGES)
        self.assertEqual(
            set(children.mapped("state")), {"processed"}, children.mapped("error_text")
        )
        self.assertEqual(len(children.reconciliation_id), N_MESSAGES)
        # the parent's interchange was read once; no child read it again
        self.assertEqual(sizes, [len(payload)])
        # every message has its own one-message interchange
        for child in children:
            own = edifact.read_interchange(child._payload_bytes())
            self.assertTrue(own.accepted)
            self.assertEqual([m.reference for m in own.messages], [child.st_control])
            self.assertLess(len(child._payload_bytes()), len(payload) / (N_MESSAGES / 2))

    def test_lookups_once_per_interchange(self):
        parent, _sizes = self._receive_counting(self._interchange())
        self.assertEqual(set(parent.child_ids.mapped("state")), {"processed"})
        (lookups,) = _CountingLookups.made
        # GTIN, their codes, our codes and the unit mapping: once each, whatever
        # the number of messages (12 here, 3 lines each)
        self.assertLessEqual(lookups.queries, 4)
        self.assertGreater(len(lookups.products), 1)

    def test_reprocess_reads_only_its_own_message(self):
        payload = self._interchange(unknown_at=5)
        parent, _sizes = self._receive_counting(payload)
        parked = parent.child_ids.filtered(lambda c: c.state == "parked")
        self.assertEqual(len(parked), 1)
        self.assertIn("CHEESE-01", parked.error_text)
        self.env["product.product"].create(
            {"name": "Comte 200g", "default_code": "CHEESE-01", "is_storable": True}
        )
        sizes = []
        real = edifact.read_interchange

        def counting(raw):
            sizes.append(len(raw))
            return real(raw)

        with patch.object(edifact, "read_interchange", counting), trap_jobs() as trap:
            parked.action_reprocess()
            run_all_jobs(trap)
        self.assertEqual(parked.state, "processed", parked.error_text)
        self.assertEqual(sizes, [len(parked._payload_bytes())])
        self.assertLess(sizes[0], len(payload) / (N_MESSAGES / 2))

    def test_legacy_child_without_payload_reads_the_parent(self):
        """Exchanges received before messages had their own payload still reprocess."""
        parent, _sizes = self._receive_counting(self._interchange(n=2, unknown_at=1))
        parked = parent.child_ids.filtered(lambda c: c.state == "parked")
        parked._wms_governed().write({"attachment_id": False})  # as received before
        self.env["product.product"].create(
            {"name": "Comte 200g", "default_code": "CHEESE-01", "is_storable": True}
        )
        with trap_jobs() as trap:
            parked.action_reprocess()
            run_all_jobs(trap)
        self.assertEqual(parked.state, "processed", parked.error_text)

    def test_adjustments_in_one_batch(self):
        parent = self._receive(fixture("invrpt_lyon.edi"))
        rec = parent.child_ids.reconciliation_id
        self.assertEqual(rec.difference_count, 3)
        Quant = type(self.env["stock.quant"])
        real_create = Quant.create
        calls = []

        def counting_create(records, vals_list):
            calls.append(vals_list if isinstance(vals_list, list) else [vals_list])
            return real_create(records, vals_list)

        manager = new_test_user(self.env, login="wms_vol_mgr", groups="stock.group_stock_manager")
        if "review_ids" in rec._fields:  # wms_bridge_tier_validation installed
            rec.with_user(self.integration_user).request_validation()
            rec.with_user(manager).validate_tier()
        with patch.object(Quant, "create", counting_create):
            rec.with_user(manager).action_apply_differences()
        self.assertEqual(rec.state, "applied")
        stock = self.lyon_warehouse.lot_stock_id
        ctx = {"location": stock.id}
        self.assertEqual(self.milk.with_context(**ctx).qty_available, 96)
        self.assertEqual(self.butter.with_context(**ctx).qty_available, 32)
        # the one missing quant (new lot L2403B) created by one call, the
        # existing ones (milk, lot L2403A) counted in place
        ours = [c for c in calls if any(v.get("location_id") == stock.id for v in c)]
        self.assertEqual(len(ours), 1)
        self.assertEqual(len(ours[0]), 1)
