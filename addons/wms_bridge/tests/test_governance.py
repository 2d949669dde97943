"""Protected fields and governed actions, in-process (the same refusals over real
JSON-RPC are in test_hostile_rpc)."""

from odoo import Command
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..models.stock_picking import PROTECTED_FIELDS as PICKING_PROTECTED
from ..models.wms_exchange import PROTECTED_FIELDS
from ..models.wms_governed_mixin import GOVERNED_KEY, create_governed, governed
from ..tools.exceptions import WmsMappingError
from .common import WmsBridgeCase, jobs_named


@tagged("post_install", "-at_install")
class TestGovernance(WmsBridgeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.stock_user = new_test_user(env, login="wms_gov_stock", groups="stock.group_stock_user")
        cls.salesman = new_test_user(
            env, login="wms_gov_sales", groups="sales_team.group_sale_salesman"
        )
        cls.inventory_admin = new_test_user(
            env, login="wms_gov_inv_admin", groups="stock.group_stock_manager"
        )
        cls.wms_manager = new_test_user(
            env, login="wms_gov_manager", groups="wms_bridge.group_wms_bridge_manager"
        )
        other = env["res.company"].create({"name": "Governance Other Co"})
        cls.outsider = new_test_user(
            env,
            login="wms_gov_outsider",
            groups="wms_bridge.group_wms_bridge_user",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )

    def _parked_in(self):
        exchange = self.Exchange._create_received(self.threepl, [("945.x12", b"ISA*broken")])
        governed(exchange).write({"state": "parked", "error_text": "Unknown product X"})
        return exchange

    def _parked_out(self):
        exchange = self.Exchange._create_outgoing(self.threepl, "940", None, builder=self._boom)
        self.assertEqual(exchange.state, "parked")
        governed(exchange)._attach([b"ISA*940"])
        return exchange

    def _boom(self, _mapping):
        raise WmsMappingError("no code")

    def _reconciliation(self, partner_qty=37.0, state="draft"):
        """One line of milk: the 3PL reports ``partner_qty`` where Odoo has 40."""
        rec = create_governed(
            self.env["wms.stock.reconciliation"],
            {
                "name": "3PL West INV-GOV",
                "trading_partner_id": self.threepl.id,
                "warehouse_id": self.warehouse.id,
                "line_ids": [
                    Command.create(
                        {"product_id": self.milk.id, "partner_qty": partner_qty, "odoo_qty": 40.0}
                    )
                ],
            },
        )
        if state != "draft":
            governed(rec).state = state
        return rec

    # ------------------------------------------------------------------ exchanges
    def test_protected_fields_cover_every_field_of_the_exchange(self):
        mail = set(self.env["mail.thread"]._fields) | set(self.env["mail.activity.mixin"]._fields)
        magic = {"id", "create_uid", "create_date", "write_uid", "write_date"}
        own = (
            {
                name
                for name, field in self.Exchange._fields.items()
                if field.store or field.type == "one2many"
            }
            - mail
            - magic
        )
        self.assertEqual(own - PROTECTED_FIELDS, set(), "a new exchange field needs a decision")

    def test_nobody_writes_exchange_fields_directly(self):
        exchange = self._parked_in()
        before = exchange.read(sorted(PROTECTED_FIELDS - {"child_ids"}))
        attempts = {
            "state": "processed",
            "error_text": False,
            "ack_payload_text": "AK5 A",
            "isa_control": "000000001",
            "attachment_id": False,
            "picking_id": False,
            "trading_partner_id": self.threepl.id,
        }
        # the superuser, an administrator, a context key that looks like a permission
        callers = [
            self.Exchange,
            self.Exchange.with_user(self.wms_manager),
            self.Exchange.with_context(**{GOVERNED_KEY: True}),
            self.Exchange.with_context(**{GOVERNED_KEY: "wms_bridge"}),
        ]
        for caller in callers:
            for field, value in attempts.items():
                with self.assertRaisesWith(AccessError, "own actions only"):
                    caller.browse(exchange.id).write({field: value})
        exchange.invalidate_recordset()
        self.assertEqual(exchange.read(sorted(PROTECTED_FIELDS - {"child_ids"})), before)

    def test_exchanges_are_created_by_the_bridge_only(self):
        vals = {
            "trading_partner_id": self.threepl.id,
            "document_type": "945",
            "direction": "in",
            "state": "processed",
        }
        with self.assertRaisesWith(AccessError, "created by the WMS bridge itself"):
            self.Exchange.create(vals)
        with self.assertRaisesWith(AccessError, "created by the WMS bridge itself"):
            self.Exchange.with_user(self.wms_manager).create(vals)
        with self.assertRaises(AccessError):
            self._parked_in().copy()

    def test_chatter_stays_open(self):
        exchange = self._parked_in().with_user(self.integration_user)
        exchange.message_post(body="Asked the 3PL to resend")
        exchange.message_subscribe(partner_ids=self.stock_user.partner_id.ids)
        self.assertIn("Asked the 3PL", exchange.message_ids[0].body)

    def test_payload_attachment_is_guarded(self):
        exchange = self._parked_in()
        payload = exchange.attachment_id
        for attachments in (payload, payload.with_user(self.wms_manager)):
            with self.assertRaisesWith(AccessError, "payload of an EDI exchange"):
                attachments.write({"raw": b"ISA*forged"})
            with self.assertRaisesWith(AccessError, "payload of an EDI exchange"):
                attachments.unlink()
        self.assertEqual(exchange._payload_bytes(), b"ISA*broken")
        # other attachments of an exchange (chatter uploads) are not payloads
        note = self.env["ir.attachment"].create(
            {"name": "note.txt", "raw": b"x", "res_model": "wms.exchange", "res_id": exchange.id}
        )
        note.write({"raw": b"y"})
        note.unlink()
        # an administrator deletes an exchange with its payload
        exchange.with_user(self.wms_manager).unlink()
        self.assertFalse(payload.exists())

    # ------------------------------------------------------------------ actions
    def test_actions_need_the_integration_group(self):
        parked_in, parked_out = self._parked_in(), self._parked_out()
        for user in (self.stock_user, self.salesman, self.inventory_admin):
            for exchange, method in (
                (parked_in, "action_reprocess"),
                (parked_out, "action_retry"),
                (parked_in, "action_cancel"),
            ):
                with self.assertRaisesWith(AccessError, "reserved to"):
                    getattr(exchange.with_user(user), method)()
        # an integration user of another company
        with self.assertRaises(AccessError):
            parked_in.with_user(self.outsider).action_reprocess()
        self.assertRecordValues(parked_in | parked_out, [{"state": "parked"}, {"state": "parked"}])
        with trap_jobs() as trap:
            parked_in.with_user(self.integration_user).action_reprocess()
            self.assertEqual(len(jobs_named(trap, "_job_process")), 1)
        self.assertEqual(parked_in.state, "received")

    def test_actions_refuse_other_states(self):
        exchange = self._parked_out()
        governed(exchange).state = "acknowledged"
        as_user = exchange.with_user(self.integration_user)
        for method in ("action_retry", "action_cancel", "action_reprocess"):
            with self.assertRaisesWith(UserError, "does not apply"):
                getattr(as_user, method)()
        self.assertEqual(exchange.state, "acknowledged")

    def test_cancel(self):
        exchange = self._parked_out()
        self.assertTrue(exchange.activity_ids)
        exchange.with_user(self.integration_user).action_cancel()
        self.assertRecordValues(exchange, [{"state": "cancel", "error_text": "no code"}])
        self.assertFalse(exchange.activity_ids)
        self.assertEqual(exchange._payload_bytes(), b"ISA*940")
        # a send job still queued does nothing
        self.assertFalse(exchange._job_send())
        self.assertEqual(exchange.state, "cancel")

    def test_send_to_3pl_needs_stock_rights(self):
        picking = self._delivery([(self.milk, 5)])
        with self.assertRaisesWith(AccessError, "reserved to"):
            picking.with_user(self.salesman).action_wms_send_to_3pl()
        self.assertFalse(picking.wms_order_exchange_id)

    def test_new_mapping_version_for_administrators(self):
        with self.assertRaisesWith(AccessError, "reserved to"):
            self.threepl.with_user(self.integration_user).action_new_mapping_version()
        action = self.threepl.with_user(self.wms_manager).action_new_mapping_version()
        self.assertEqual(action["res_model"], "wms.mapping.version")

    # ------------------------------------------------------------------ transfers
    def test_transfer_edi_fields_are_protected(self):
        picking = self._delivery([(self.milk, 5)])
        with trap_jobs():
            picking.action_assign()
        order = picking.wms_order_exchange_id
        self.assertTrue(order)
        for field in PICKING_PROTECTED:
            value = False if field != "wms_carrier_status" else "D1 Delivered"
            for caller in (picking, picking.with_user(self.stock_user)):
                with self.assertRaisesWith(AccessError, "own actions only"):
                    caller.write({field: value})
        self.assertEqual(picking.wms_order_exchange_id, order)
        # warehouse staff keep editing what is theirs
        picking.with_user(self.stock_user).write({"carrier_tracking_ref": "1Z999"})

    # ------------------------------------------------------------------ reconciliations
    def test_reported_quantities_never_change(self):
        rec = self._reconciliation()
        line = rec.line_ids
        for caller in (line, governed(line), line.with_user(self.inventory_admin)):
            for field, value in (("partner_qty", 40.0), ("odoo_qty", 37.0), ("product_id", False)):
                with self.assertRaisesWith(AccessError, "kept as they were received"):
                    caller.write({field: value})
        for field, value in (("trading_partner_id", False), ("name", "x"), ("line_ids", [])):
            with self.assertRaisesWith(AccessError, "kept as they were received"):
                governed(rec).write({field: value})
        self.assertRecordValues(line, [{"partner_qty": 37.0, "odoo_qty": 40.0, "difference": -3}])

    def test_reconciliation_state_and_approval_fields(self):
        rec = self._reconciliation()
        for caller in (rec, rec.with_user(self.inventory_admin)):
            for vals in ({"state": "applied"}, {"difference_count": 0}):
                with self.assertRaisesWith(AccessError, "own actions only"):
                    caller.write(vals)
            with self.assertRaisesWith(AccessError, "own actions only"):
                caller.line_ids.write({"applied": True})
        with self.assertRaisesWith(AccessError, "created by the WMS bridge itself"):
            self.env["wms.stock.reconciliation.line"].create(
                {"reconciliation_id": rec.id, "product_id": self.butter.id, "partner_qty": 1}
            )
        with self.assertRaisesWith(UserError, "cannot be deleted"):
            rec.line_ids.unlink()
        self.assertRecordValues(rec, [{"state": "draft", "difference_count": 1}])

    def test_apply_and_dismiss_rights(self):
        rec = self._reconciliation()
        with self.assertRaisesWith(AccessError, "reserved to"):
            rec.with_user(self.integration_user).action_apply_differences()
        for user in (self.stock_user, self.salesman):
            with self.assertRaisesWith(AccessError, "reserved to"):
                rec.with_user(user).action_dismiss()
        self.assertEqual(rec.state, "draft")
        rec.with_user(self.integration_user).action_dismiss()
        self.assertEqual(rec.state, "cancel")

    def test_applied_reconciliation_is_kept(self):
        # (no difference: nothing to approve when the approval bridge is installed)
        rec = self._reconciliation(partner_qty=40.0, state="applied")
        with self.assertRaisesWith(UserError, "record of the inventory adjustments"):
            rec.with_user(self.wms_manager).unlink()
        draft = self._reconciliation()
        line = draft.line_ids
        draft.with_user(self.wms_manager).unlink()
        self.assertFalse(line.exists())
