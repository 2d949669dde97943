"""SOAP services against a real SOAP service of our own on loopback
(``simulators/soap_partner.py``): set-up, versioned mappings, carrier booking and
tracking on deliveries, every call logged in the EDI framework, retries and
parking, and callers without the rights refused."""

import os
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tests.common import _super_send

from ..simulators.soap_partner import SoapPartner
from .common import WmsBridgeCase

BOOKING = """{
  "request": {
    "reference": "name",
    "weight_kg": "=1.5",
    "service": "=EXPRESS",
    "recipient.name": "partner_id.name",
    "recipient.city": "partner_id.city"
  },
  "response": {
    "wms_soap_tracking_ref": "tracking_number",
    "wms_soap_label_url": "label_url",
    "wms_soap_charge": "price"
  }
}"""
TRACKING = """{
  "request": {"tracking_number": "wms_soap_tracking_ref"},
  "response": {"wms_soap_tracking_status": "status", "wms_soap_tracking_location": "location"}
}"""


class SoapServiceCase(WmsBridgeCase):
    """The loopback SOAP service, a configured service with booking and tracking."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for target in ("wms_soap",):
            settings = patch(
                f"odoo.addons.wms_bridge.models.{target}.get_settings", return_value=cls.settings
            )
            settings.start()
            cls.addClassCleanup(settings.stop)
        cls.partner = SoapPartner(username="odoo", password="Carrier-pw-1", auth="wsse").start()
        cls.addClassCleanup(cls.partner.stop)
        env_patch = patch.dict(os.environ, {"WMS_BRIDGE_SECRET_CARRIER": "Carrier-pw-1"})
        env_patch.start()
        cls.addClassCleanup(env_patch.stop)
        cls.manager = cls.env["res.users"].create(
            {
                "name": "SOAP Admin",
                "login": "wms_soap_admin",
                "group_ids": [(6, 0, [cls.env.ref("wms_bridge.group_wms_bridge_manager").id])],
            }
        )
        cls.stock_user = cls.env["res.users"].create(
            {
                "name": "Picker",
                "login": "wms_soap_picker",
                "group_ids": [(6, 0, [cls.env.ref("stock.group_stock_user").id])],
            }
        )
        cls.plain_user = cls.env["res.users"].create(
            {
                "name": "Office",
                "login": "wms_soap_office",
                "group_ids": [(6, 0, [cls.env.ref("base.group_user").id])],
            }
        )
        cls.service = cls.env["wms.soap.service"].create(
            {
                "name": "Carrier",
                "code": "carrier",
                "wsdl_url": cls.partner.url("current") + "?wsdl",
                "auth_type": "wsse_digest",
                "username": "odoo",
                "secret_env": "WMS_BRIDGE_SECRET_CARRIER",
                "operation_timeout": 2,
                "retry_base_seconds": 60,
                "max_retries": 3,
            }
        )
        picking_model = cls.env["ir.model"]._get("stock.picking")
        cls.booking = cls.env["wms.soap.operation"].create(
            {"service_id": cls.service.id, "name": "Book", "operation": "BookShipment",
             "use": "carrier_booking", "model_id": picking_model.id, "mapping": BOOKING}
        )  # fmt: skip
        cls.tracking = cls.env["wms.soap.operation"].create(
            {"service_id": cls.service.id, "name": "Track", "operation": "GetTracking",
             "use": "tracking", "model_id": picking_model.id, "mapping": TRACKING}
        )  # fmt: skip
        (cls.booking | cls.tracking).with_user(cls.manager).action_activate()

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        """Odoo's tests raise every timeout below 10 s to 10 s: the loopback SOAP
        service gets the timeouts the service is configured with."""
        if urlsplit(r.url).hostname == "127.0.0.1":
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    def setUp(self):
        super().setUp()
        self.partner.calls.clear()
        self.partner.busy_next = 0

    def ready_delivery(self):
        picking = self._delivery([(self.milk, 2)])
        picking.action_assign()
        self.assertEqual(picking.state, "assigned")
        return picking


@tagged("post_install", "-at_install")
class TestSoapServices(SoapServiceCase):
    def test_check_and_activation(self):
        self.service.with_user(self.manager).action_check_connection()
        self.assertEqual(self.service.check_state, "ok")
        self.assertIn("BookShipment", self.service.check_message)
        self.assertEqual(self.booking.state, "active")
        self.assertEqual(self.booking.exchange_type_id.code, "wms_soap_carrier_bookshipment")
        self.assertEqual(self.booking.exchange_type_id.backend_type_id.code, "wms_soap")
        self.assertEqual(self.service.edi_backend_id.backend_type_id.code, "wms_soap")
        typo = self.booking.copy({"operation": "BookShipments"})
        with self.assertRaisesRegex(UserError, "not an operation of Carrier"):
            typo.with_user(self.manager).action_activate()

    def test_booking_logs_the_call_on_the_delivery_and_writes_back(self):
        picking = self.ready_delivery()
        picking.with_user(self.stock_user).action_wms_soap_book()
        self.assertEqual(self.partner.calls, ["BookShipment"])
        self.assertTrue(picking.wms_soap_tracking_ref.startswith("TRK"))
        self.assertEqual(picking.wms_soap_charge, 12.5)
        self.assertTrue(picking.wms_soap_booked_at)
        exchange = self.env["edi.exchange.record"].search(
            [("model", "=", "stock.picking"), ("res_id", "=", picking.id),
             ("backend_id", "=", self.service.edi_backend_id.id)]
        )  # fmt: skip
        self.assertEqual(len(exchange), 1)
        self.assertEqual(exchange.type_id, self.booking.exchange_type_id)
        self.assertEqual(exchange.edi_exchange_state, "output_sent_and_processed")
        self.assertEqual(exchange.wms_soap_outcome, "ok")
        self.assertIn(picking.name, exchange.wms_soap_request)
        self.assertIn("PasswordDigest", exchange.wms_soap_request)
        self.assertNotIn("Carrier-pw-1", exchange.wms_soap_request + exchange.wms_soap_response)
        self.assertIn("tracking_number", exchange.wms_soap_response)
        self.assertGreater(exchange.wms_soap_duration_ms, 0)
        # booked once: the cron does not book it again
        self.env["stock.picking"]._cron_wms_soap_book()
        self.assertEqual(self.partner.calls, ["BookShipment"])
        # tracking updates
        self.env["stock.picking"]._cron_wms_soap_track()
        self.assertEqual(picking.wms_soap_tracking_status, "in_transit")
        self.assertEqual(picking.wms_soap_tracking_location, "Antwerp hub")

    def test_transient_failure_is_retried_then_parked(self):
        picking = self.ready_delivery()
        self.partner.busy_next = 1
        exchange = picking._wms_soap_book()
        self.assertEqual(exchange.edi_exchange_state, "output_error_on_send")
        self.assertEqual(exchange.wms_soap_outcome, "fault")
        self.assertIn("busy", exchange.exchange_error)
        self.assertTrue(exchange.wms_soap_next_attempt)
        self.assertFalse(picking.wms_soap_booked_at)
        # not due yet: the cron leaves it
        Record = self.env["edi.exchange.record"]
        self.assertEqual(Record._cron_wms_soap_retry(), 0)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE edi_exchange_record SET wms_soap_next_attempt = now() - interval '1 minute'"
            " WHERE id = %s",
            [exchange.id],
        )
        exchange.invalidate_recordset()
        self.partner.busy_next = 2  # two more failures: 3 attempts, parked
        self.assertEqual(Record._cron_wms_soap_retry(), 1)
        self.assertEqual(exchange.wms_soap_attempts, 2)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE edi_exchange_record SET wms_soap_next_attempt = now() - interval '1 minute'"
            " WHERE id = %s",
            [exchange.id],
        )
        exchange.invalidate_recordset()
        Record._cron_wms_soap_retry()
        self.assertEqual(exchange.edi_exchange_state, "output_sent_and_error")
        self.assertIn("parked after 3 attempts", exchange.exchange_error)
        self.assertFalse(exchange.wms_soap_next_attempt)
        # an integration user retries it by hand once the carrier is back
        exchange.with_user(self.integration_user).action_wms_soap_retry()
        self.assertEqual(exchange.edi_exchange_state, "output_sent_and_processed")
        self.assertTrue(picking.wms_soap_tracking_ref)

    def test_permanent_fault_and_timeout(self):
        picking = self.ready_delivery()
        picking.name = "FAULT-7"
        exchange = picking._wms_soap_book()
        self.assertEqual(exchange.edi_exchange_state, "output_sent_and_error")
        self.assertIn("refused: FAULT-7", exchange.exchange_error)
        self.assertFalse(exchange.wms_soap_next_attempt)
        slow = self.ready_delivery()
        slow.name = "SLOW-4000"
        exchange = slow._wms_soap_book()
        self.assertEqual(
            (exchange.wms_soap_outcome, exchange.edi_exchange_state),
            ("timeout", "output_error_on_send"),
        )

    def test_versions_and_a_changed_wsdl(self):
        """The carrier moves to v2 (incoterm required, price renamed): the active
        v1 mapping fails clearly; a new version fixes it, v1 stays readable."""
        self.partner.version = "v2"
        self.addCleanup(setattr, self.partner, "version", "v1")
        picking = self.ready_delivery()
        exchange = picking._wms_soap_book()
        self.assertEqual(exchange.edi_exchange_state, "output_sent_and_error")
        self.assertIn("incoterm", exchange.exchange_error)
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            self.booking.with_user(self.manager).mapping = "{}"
        action = self.booking.with_user(self.manager).action_new_version()
        v2 = self.env["wms.soap.operation"].browse(action["res_id"])
        self.assertEqual((v2.version, v2.state, v2.previous_id), (2, "draft", self.booking))
        v2.with_user(self.manager).mapping = BOOKING.replace(
            '"=EXPRESS"', '"=EXPRESS", "incoterm": "=DAP"'
        ).replace('"price"', '"charge"')
        v2.with_user(self.manager).action_activate()
        self.assertEqual((self.booking.state, v2.state), ("archived", "active"))
        exchange = picking._wms_soap_book()
        self.assertEqual(exchange.edi_exchange_state, "output_sent_and_processed")
        self.assertEqual(picking.wms_soap_charge, 12.5)

    def test_test_button_previews_and_calls_in_test_mode_only(self):
        picking = self.ready_delivery()
        draft = self.booking.copy()
        draft.with_user(self.manager).write({"test_res_id": picking.id})
        draft.with_user(self.manager).action_test()
        self.assertIn(picking.name, draft.test_request)
        self.assertIn("tracking_number", draft.test_response)
        self.service.environment = "production"
        self.partner.calls.clear()
        draft.with_user(self.manager).action_test()
        self.assertEqual(self.partner.calls, [], "production: the request is shown, not sent")
        self.assertFalse(draft.test_response)

    def test_callers_without_the_rights_are_refused(self):
        picking = self.ready_delivery()
        exchange = picking._wms_soap_book()
        draft = self.booking.copy()
        for user, call in (
            (
                self.integration_user,
                lambda: draft.with_user(self.integration_user).action_activate(),
            ),
            (
                self.stock_user,
                lambda: self.service.with_user(self.stock_user).action_check_connection(),
            ),
            (
                self.integration_user,
                lambda: self.booking.with_user(self.integration_user).action_new_version(),
            ),
            (self.stock_user, lambda: exchange.with_user(self.stock_user).action_wms_soap_retry()),
            (
                self.plain_user,
                lambda: picking.with_user(self.plain_user).action_wms_soap_book(),
            ),
        ):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                call()
        with self.assertRaisesRegex(ValidationError, "cannot be changed"):
            exchange.with_user(self.manager).write({"wms_soap_response": "forged"})
        with self.assertRaisesRegex(ValidationError, "cannot be deleted"):
            exchange.unlink()
        with self.assertRaisesRegex(ValidationError, "carrier service only"):
            picking.with_user(self.stock_user).write({"wms_soap_tracking_ref": "FORGED"})
        with self.assertRaisesRegex(ValidationError, "may only write"):
            self.booking.copy({"mapping": '{"response": {"state": "tracking_number"}}'})
        with self.assertRaisesRegex(ValidationError, "WMS_BRIDGE_SECRET_"):
            self.service.copy({"code": "c2", "secret_env": "PGPASSWORD"})
        with self.assertRaisesRegex(ValidationError, "https"):
            self.service.copy({"code": "c3", "endpoint_production": "ftp://x.example"})


STOCK_QUERY = """{
  "request": {"sku": "default_code", "warehouse": "=RNO"},
  "response": {"sku": "*.sku", "lot": "*.lot", "quantity": "*.quantity"}
}"""


@tagged("post_install", "-at_install")
class TestSoapStockQuery(SoapServiceCase):
    """The WMS stock query: one call per product of the 3PL's warehouse, answers
    read by the mapping into one reconciliation (with the approval bridge's rules),
    failures logged and no partial reconciliation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.service.trading_partner_id = cls.threepl
        cls.query = cls.env["wms.soap.operation"].create(
            {"service_id": cls.service.id, "name": "Stock", "operation": "QueryStock",
             "use": "stock_query", "model_id": cls.env["ir.model"]._get("product.product").id,
             "mapping": STOCK_QUERY}
        )  # fmt: skip
        cls.query.with_user(cls.manager).action_activate()

    def setUp(self):
        super().setUp()
        self.partner.stock = {
            ("MILK-1L", "RNO"): [("MILK-1L", "", 37)],
            ("BUTTER-250", "RNO"): [("BUTTER-250", "B0311", 20)],
        }

    def test_query_makes_a_reconciliation(self):
        action = self.query.with_user(self.integration_user).action_query_stock()
        rec = self.env["wms.stock.reconciliation"].browse(action["res_id"])
        self.assertEqual(sorted(self.partner.calls), ["QueryStock", "QueryStock"])
        self.assertRecordValues(
            rec.line_ids.sorted(lambda ln: ln.product_id.default_code),
            [
                {"product_id": self.butter.id, "lot_id": self.lot_b.id, "partner_qty": 20,
                 "odoo_qty": 20, "difference": 0},
                {"product_id": self.milk.id, "lot_id": False, "partner_qty": 37,
                 "odoo_qty": 40, "difference": -3},
            ],
        )  # fmt: skip
        self.assertEqual(rec.warehouse_id, self.warehouse)
        self.assertEqual(rec.difference_count, 1)
        calls = rec.soap_exchange_record_ids
        self.assertEqual(len(calls), 2)
        self.assertEqual(set(calls.mapped("model")), {"product.product"})
        self.assertEqual(set(calls.mapped("edi_exchange_state")), {"output_sent_and_processed"})
        self.assertIn("MILK-1L", "".join(calls.mapped("wms_soap_request")))
        # the answers are the report: they cannot be rewritten afterwards
        with self.assertRaises(AccessError):
            rec.with_user(self.manager).soap_exchange_record_ids = [(5, 0, 0)]

    def test_a_failed_call_makes_no_partial_reconciliation(self):
        self.partner.busy_next = 1  # a server fault: transient, but no retry one by one
        before = self.env["wms.stock.reconciliation"].search_count([])
        action = self.query.with_user(self.integration_user).action_query_stock()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("1 of 2 calls failed", action["params"]["message"])
        self.assertEqual(self.env["wms.stock.reconciliation"].search_count([]), before)
        logged = self.env["edi.exchange.record"].search(
            [("wms_soap_operation_id", "=", self.query.id)]
        )
        failed = logged.filtered(lambda e: e.edi_exchange_state == "output_sent_and_error")
        self.assertEqual(len(failed), 1)
        self.assertTrue(failed.exchange_error)
        self.assertFalse(failed.wms_soap_next_attempt)
        with self.assertRaisesRegex(UserError, "Query Stock Now"):
            failed.with_user(self.integration_user).action_wms_soap_retry()

    def test_unknown_sku_is_named_on_the_calls(self):
        self.partner.stock[("MILK-1L", "RNO")] = [("GHOST-9", "", 5)]
        action = self.query.with_user(self.integration_user).action_query_stock()
        self.assertIn("GHOST-9", action["params"]["message"])
        logged = self.env["edi.exchange.record"].search(
            [("wms_soap_operation_id", "=", self.query.id)]
        )
        self.assertEqual(set(logged.mapped("wms_soap_outcome")), {"mapping"})
        self.assertIn("GHOST-9", logged[0].exchange_error)

    def test_stock_query_rights_and_mapping_rules(self):
        with self.assertRaises(AccessError):
            self.query.with_user(self.plain_user).action_query_stock()
        with self.assertRaisesRegex(ValidationError, "a stock query's response reads"):
            self.query.copy({"mapping": TRACKING})
        self.partner.calls.clear()
        self.env["wms.soap.operation"]._cron_wms_soap_query_stock()
        self.assertEqual(self.partner.calls, ["QueryStock", "QueryStock"])
        customer = self.env["wms.trading.partner"].create(
            {"name": "Northwind EDI", "partner_id": self.customer.id, "role": "customer",
             "isa_id": "NORTHWIND01", "transport": "directory", "drop_folder": "northwind"}
        )  # fmt: skip
        with self.assertRaisesRegex(ValidationError, "must be a 3PL of the service's company"):
            self.service.with_user(self.manager).trading_partner_id = customer
