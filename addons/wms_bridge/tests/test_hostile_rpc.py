"""Every bypass of the bridge's governance, tried over real HTTP JSON-RPC by each
role: refused, and the records are unchanged when read again by the
administrator."""

from unittest.mock import patch

from odoo import Command
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import HttpCase, new_test_user, tagged

from ..models.wms_governed_mixin import create_governed, governed
from ..tools.settings import settings_from_values
from .common import WmsBridgeCase
from .rpc import JsonRpcMixin

ROLES = ("integration", "integration_manager", "warehouse", "salesperson", "portal")


@tagged("post_install", "-at_install")
class TestHostileCallers(JsonRpcMixin, WmsBridgeCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        groups = {
            "integration": "wms_bridge.group_wms_bridge_user",
            "integration_manager": "wms_bridge.group_wms_bridge_manager",
            "warehouse": "stock.group_stock_user",
            "inventory_admin": "stock.group_stock_manager",
            "salesperson": "sales_team.group_sale_salesman",
            "portal": "base.group_portal",
        }
        cls.logins = {}
        for role, group in groups.items():
            login = f"wms_hostile_{role}"
            new_test_user(env, login=login, groups=group)
            cls.logins[role] = login
        # the company's partners may only point at the 3PL's host
        cls.threepl.company_id.wms_bridge_allowed_hosts = "edi.3pl-west.example\n127.0.0.1"
        cls.threepl.product_code_ids = [Command.create({"product_id": cls.milk.id, "code": "W-1"})]
        # a parked incoming set, an acknowledged outgoing order
        cls.parked = cls.Exchange._create_received(cls.threepl, [("945.x12", b"ISA*945")])
        governed(cls.parked).write({"state": "parked", "error_text": "Unknown product W-9"})
        cls.picking = cls._delivery(cls, [(cls.milk, 5)])
        with trap_jobs() as trap:
            cls.picking.action_assign()
            trap.perform_enqueued_jobs()
        cls.sent = cls.picking.wms_order_exchange_id
        governed(cls.sent).write({"state": "acknowledged", "ack_payload_text": "AK5 A"})
        # the 3PL counts 37 milk where Odoo has 40
        cls.reconciliation = create_governed(
            env["wms.stock.reconciliation"],
            {
                "name": "3PL West INV-RPC",
                "trading_partner_id": cls.threepl.id,
                "warehouse_id": cls.warehouse.id,
                "line_ids": [
                    Command.create(
                        {"product_id": cls.milk.id, "partner_qty": 37.0, "odoo_qty": 40.0}
                    )
                ],
            },
        )
        cls.line = cls.reconciliation.line_ids

    def setUp(self):
        super().setUp()
        self.before = self._state()
        self.exchange_count = self.Exchange.search_count([])

    def _state(self):
        return self.snapshot(
            [
                (
                    self.parked | self.sent,
                    [
                        "state",
                        "error_text",
                        "ack_payload_text",
                        "isa_control",
                        "attachment_id",
                        "picking_id",
                        "trading_partner_id",
                    ],
                ),
                (self.parked.attachment_id | self.sent.attachment_id, ["checksum", "res_id"]),
                (self.reconciliation, ["state", "difference_count", "line_ids"]),
                (self.line, ["partner_qty", "odoo_qty", "lot_id", "applied", "difference"]),
                (self.picking, ["wms_order_exchange_id", "wms_carrier_status", "state"]),
                (
                    self.threepl,
                    ["http_secret_env", "inbound_secret_env", "http_url", "transport"],
                ),
                (self.threepl.company_id, ["wms_bridge_allowed_hosts"]),
            ]
        )

    def assertUnchanged(self):
        self.assertEqual(self._state(), self.before)
        self.assertEqual(self.Exchange.search_count([]), self.exchange_count)

    # ------------------------------------------------------------------ exchanges
    def test_exchange_fields_and_payloads(self):
        for role in ROLES:
            login = self.logins[role]
            for record, vals in (
                (self.parked, {"state": "processed"}),
                (self.parked, {"error_text": False}),
                (self.sent, {"state": "pending"}),
                (self.sent, {"ack_payload_text": "AK5 R", "isa_control": "000000001"}),
                (self.sent, {"picking_id": False}),
            ):
                self.assertRefused(login, "wms.exchange", "write", [record.ids, vals])
            self.assertRefused(
                login,
                "wms.exchange",
                "create",
                [
                    {
                        "trading_partner_id": self.threepl.id,
                        "document_type": "945",
                        "direction": "in",
                        "state": "processed",
                    }
                ],
            )
            self.assertRefused(login, "wms.exchange", "copy", [self.sent.ids])
            payload = self.parked.attachment_id
            self.assertRefused(
                login, "ir.attachment", "write", [payload.ids, {"datas": "SVNBKmZvcmdlZA=="}]
            )
            self.assertRefused(login, "ir.attachment", "unlink", [payload.ids])
            self.assertUnchanged()
        message = self.assertRefused(
            self.logins["integration_manager"],
            "wms.exchange",
            "write",
            [self.sent.ids, {"state": "pending"}],
        )
        self.assertIn("own actions only", message)

    def test_exchange_actions(self):
        for role in ("warehouse", "salesperson", "portal"):
            login = self.logins[role]
            self.assertRefused(login, "wms.exchange", "action_reprocess", [self.parked.ids])
            self.assertRefused(login, "wms.exchange", "action_cancel", [self.parked.ids])
            self.assertRefused(login, "wms.exchange", "action_retry", [self.sent.ids])
            self.assertUnchanged()
        # the integration team may, on exchanges in a state for it
        for role in ("integration", "integration_manager"):
            self.assertRefused(
                self.logins[role],
                "wms.exchange",
                "action_retry",
                [self.sent.ids],
                message="does not apply",
            )
        self.assertUnchanged()
        self.assertAllowed(
            self.logins["integration"], "wms.exchange", "action_reprocess", [self.parked.ids]
        )
        self.parked.invalidate_recordset()
        self.assertEqual(self.parked.state, "received")

    # ------------------------------------------------------------------ reconciliations
    def test_reconciliation_quantities_state_and_apply(self):
        for role in (*ROLES, "inventory_admin"):
            login = self.logins[role]
            line_model, rec_model = "wms.stock.reconciliation.line", "wms.stock.reconciliation"
            self.assertRefused(login, line_model, "write", [self.line.ids, {"partner_qty": 40}])
            self.assertRefused(login, line_model, "write", [self.line.ids, {"applied": True}])
            self.assertRefused(login, line_model, "unlink", [self.line.ids])
            self.assertRefused(
                login,
                line_model,
                "create",
                [{"reconciliation_id": self.reconciliation.id, "product_id": self.butter.id}],
            )
            for vals in ({"state": "applied"}, {"difference_count": 0}, {"line_ids": []}):
                self.assertRefused(login, rec_model, "write", [self.reconciliation.ids, vals])
            if role != "inventory_admin":
                self.assertRefused(
                    login, rec_model, "action_apply_differences", [self.reconciliation.ids]
                )
            self.assertUnchanged()
        for role in ("warehouse", "salesperson", "portal"):
            self.assertRefused(
                self.logins[role],
                "wms.stock.reconciliation",
                "action_dismiss",
                [self.reconciliation.ids],
            )
        self.assertUnchanged()

    # ------------------------------------------------------------------ transfers
    def test_transfer_edi_fields_and_send(self):
        for role in ROLES:
            login = self.logins[role]
            for vals in (
                {"wms_order_exchange_id": False},
                {"wms_carrier_status": "D1 Delivered"},
            ):
                self.assertRefused(login, "stock.picking", "write", [self.picking.ids, vals])
        for role in ("salesperson", "portal"):
            self.assertRefused(
                self.logins[role], "stock.picking", "action_wms_send_to_3pl", [self.picking.ids]
            )
        self.assertUnchanged()

    # ------------------------------------------------------------------ secrets, URLs
    def test_secret_references_and_urls(self):
        manager = self.logins["integration_manager"]
        for name in ("PGPASSWORD", "DB_PASSWORD", "MQTT_INGEST_PASSWORD", "HOME"):
            for field in ("http_secret_env", "inbound_secret_env"):
                message = self.assertRefused(
                    manager, "wms.trading.partner", "write", [self.threepl.ids, {field: name}]
                )
                self.assertIn("WMS_BRIDGE_SECRET_", message)
        self.assertRefused(
            manager,
            "wms.trading.partner",
            "write",
            [self.threepl.ids, {"transport": "http", "http_url": "https://attacker.example/x"}],
            message="allow-list",
        )
        self.assertRefused(
            manager,
            "res.company",
            "write",
            [self.threepl.company_id.ids, {"wms_bridge_allowed_hosts": "attacker.example"}],
        )
        insecure_off = settings_from_values({"drop_root": self.drop_root})
        with patch(
            "odoo.addons.wms_bridge.models.wms_trading_partner.get_settings",
            return_value=insecure_off,
        ):
            self.assertRefused(
                manager,
                "wms.trading.partner",
                "write",
                [
                    self.threepl.ids,
                    {"transport": "http", "http_url": "http://edi.3pl-west.example/"},
                ],
                message="https://",
            )
        for role in ROLES:
            if role == "integration_manager":
                continue
            self.assertRefused(
                self.logins[role],
                "wms.trading.partner",
                "write",
                [self.threepl.ids, {"inbound_secret_env": "WMS_BRIDGE_SECRET_MINE"}],
            )
            self.assertRefused(
                self.logins[role],
                "wms.trading.partner",
                "read",
                [self.threepl.ids, ["inbound_secret_status"]],
            )
        self.assertRefused(
            self.logins["integration"],
            "wms.trading.partner",
            "action_new_mapping_version",
            [self.threepl.ids],
        )
        self.assertUnchanged()
        # what an integration administrator legitimately does still works
        self.assertAllowed(
            manager,
            "wms.trading.partner",
            "write",
            [self.threepl.ids, {"transport": "http", "http_url": "https://edi.3pl-west.example/"}],
        )
