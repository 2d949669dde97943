import base64
import os
from datetime import date, datetime
from unittest.mock import patch

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import HttpCase, tagged

from ..engine import x12
from ..engine.x12 import Envelope, Separators
from .common import (
    OUR_ID,
    THREEPL_ID,
    LoopbackEndpoint,
    WmsBridgeCase,
    run_all_jobs,
    shipment_945,
)

TOKEN = "t0ken-of-3pl-west"
TOKEN_ENV = "WMS_BRIDGE_SECRET_TEST_INBOUND"
OTHER_TOKEN = "t0ken-of-the-other-company"
OTHER_TOKEN_ENV = "WMS_BRIDGE_SECRET_TEST_INBOUND_OTHER"
# What every caller without the right credentials gets, whatever the code.
REFUSED = {
    "status": 401,
    "body": {"error": "unauthorized"},
    "challenge": 'Bearer realm="wms_bridge", Basic realm="wms_bridge"',
}
THREEPL_ENVELOPE = Envelope(
    sender_id=THREEPL_ID, receiver_id=OUR_ID, version="005010", separators=Separators()
)
WHEN = datetime(2024, 3, 15, 14, 32)


def inventory_interchange(control, items=(("MILK-1L", "", 37),)):
    """An 846 from the 3PL as the body of a POST."""
    doc = {
        "purpose": "00",
        "report_type": "DD",
        "ref": f"INV-{control}",
        "date": date(2024, 3, 15),
        "items": [
            {"product_ids": {"VN": code}, "lot": lot, "quantities": {"17": qty}}
            for code, lot, qty in items
        ],
    }
    text = x12.write_interchange(
        THREEPL_ENVELOPE, [("846", doc)], control_number=control, when=WHEN
    )
    return text.encode("latin-1")


def answer_940(raw, control, shipped, lots):
    """The 3PL's side: its 999 for our 940 interchange and a 945 shipping it
    (``shipped`` = {code: qty} overrides the ordered quantity)."""
    result = x12.process_interchange(raw, ack_control_number=control)
    doc = shipment_945(
        result.sets[0].data, shipped, lots, "SHP-9001", "BOL-7001", "1Z999AA10123456799"
    )
    shipment = x12.write_interchange(
        THREEPL_ENVELOPE, [("945", doc)], control_number=control + 1, when=WHEN
    )
    return result.ack.encode("latin-1"), shipment.encode("latin-1")


@tagged("post_install", "-at_install")
class TestInboundHttp(WmsBridgeCase, HttpCase):
    """Partners POST interchanges to /wms_bridge/inbound/<code>: each status code,
    storage before parsing, duplicates, company scoping, and a 940/945 round trip
    where the 3PL answers over HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.threepl.write(
            {
                "inbound_code": "3pl-west-reno",
                "inbound_auth": "bearer",
                "inbound_secret_env": TOKEN_ENV,
            }
        )

    def setUp(self):
        super().setUp()
        environ = patch.dict(os.environ, {TOKEN_ENV: TOKEN, OTHER_TOKEN_ENV: OTHER_TOKEN})
        environ.start()
        self.addCleanup(environ.stop)

    def _post(self, body, code="3pl-west-reno", token=TOKEN, headers=None):
        all_headers = {"Content-Type": "application/edi-x12"}
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        return self.url_open(
            f"/wms_bridge/inbound/{code}", data=body, headers=all_headers, method="POST"
        )

    def _exchanges(self):
        return self.Exchange.search([("direction", "=", "in"), ("parent_id", "=", False)])

    def _accepted(self, response):
        self.assertEqual(response.status_code, 202, response.text)
        return self.Exchange.browse(response.json()["id"])

    def _answer(self, response):
        """What a caller learns from an answer (the date aside)."""
        headers = {k.lower(): v for k, v in response.headers.items() if k.lower() != "date"}
        return response.status_code, response.text, tuple(sorted(headers.items()))

    def assertRefused(self, response, msg=None):
        self.assertEqual(response.status_code, REFUSED["status"], msg)
        self.assertEqual(response.json(), REFUSED["body"], msg)
        self.assertEqual(response.headers["WWW-Authenticate"], REFUSED["challenge"], msg)

    def _process(self, exchanges):
        with trap_jobs() as trap:
            for exchange in exchanges:
                exchange._job_process()
            run_all_jobs(trap)

    # ------------------------------------------------------------------ 202
    def test_202_stores_raw_body_and_queues_processing(self):
        body = inventory_interchange(801)
        response = self._post(body, headers={"X-Filename": "../../etc/INV 801.x12"})
        exchange = self._accepted(response)
        self.assertEqual(response.headers["Content-Type"], "application/json")
        self.assertEqual(
            response.json(), {"exchange": exchange.name, "id": exchange.id, "state": "received"}
        )
        self.assertRecordValues(
            exchange,
            [
                {
                    "trading_partner_id": self.threepl.id,
                    "company_id": self.threepl.company_id.id,
                    "direction": "in",
                    "document_type": "x12",
                    "state": "received",
                    "filename": "INV_801.x12",
                }
            ],
        )
        self.assertEqual(exchange._payload_bytes(), body)
        jobs = self.env["queue.job"].search(
            [("model_name", "=", "wms.exchange"), ("method_name", "=", "_job_process")]
        )
        self.assertEqual(jobs.filtered(lambda job: job.records == exchange).state, "pending")
        # the queued job processes it like a file from the inbox
        self._process(exchange)
        self.assertEqual(exchange.state, "processed", exchange.error_text)
        reconciliation = exchange.child_ids.reconciliation_id
        self.assertEqual(reconciliation.line_ids.partner_qty, 37)
        self.assertEqual(exchange.ack_exchange_id.document_type, "999")

    def test_basic_authentication(self):
        self.threepl.write({"inbound_auth": "basic", "inbound_username": "westedi"})

        def basic(user, secret):
            return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()

        ok = self._post(
            inventory_interchange(802),
            token=None,
            headers={"Authorization": basic("westedi", TOKEN)},
        )
        self._accepted(ok)
        for header in (
            basic("other", TOKEN),
            basic("westedi", "guess"),
            f"Bearer {TOKEN}",
            "Basic !!",
        ):
            response = self._post(b"ISA", token=None, headers={"Authorization": header})
            self.assertRefused(response, header)
        self.assertEqual(len(self._exchanges()), 1)

    def test_duplicate_interchange_posted_twice(self):
        body = inventory_interchange(803)
        first = self._accepted(self._post(body))
        second = self._accepted(self._post(body))
        self._process(first | second)
        self.assertEqual(first.state, "processed", first.error_text)
        self.assertEqual(second.state, "duplicate")
        self.assertFalse(second.child_ids)
        self.assertEqual(
            self.env["wms.stock.reconciliation"].search_count(
                [("trading_partner_id", "=", self.threepl.id)]
            ),
            1,
        )

    def test_unparseable_body_is_kept_and_fails_with_its_reason(self):
        exchange = self._accepted(self._post(b"this is not an interchange"))
        self._process(exchange)
        self.assertEqual(exchange.state, "error")
        self.assertTrue(exchange.error_text)
        self.assertTrue(exchange.activity_ids)
        self.assertEqual(exchange._payload_bytes(), b"this is not an interchange")

    # ------------------------------------------------------------------ refusals
    def test_401_bad_or_missing_credentials(self):
        for token in (None, "", "wrong", TOKEN[:-1], TOKEN + "x", TOKEN + "\u00e9"):
            response = self._post(inventory_interchange(804), token=token)
            self.assertRefused(response, token)
        self.assertFalse(self._exchanges())

    def test_401_when_no_secret_is_configured(self):
        # the variable named on the partner is not set on the server
        self.threepl.inbound_secret_env = "WMS_BRIDGE_SECRET_TEST_INBOUND_UNSET"
        for token in (TOKEN, ""):
            self.assertRefused(self._post(b"ISA", token=token), token)
        # no variable named at all
        self.threepl.inbound_secret_env = False
        self.assertRefused(self._post(b"ISA", token=""))
        # the variable holds a value that can never match (a trailing newline)
        self.threepl.inbound_secret_env = TOKEN_ENV
        with patch.dict(os.environ, {TOKEN_ENV: TOKEN + "\n"}):
            self.assertRefused(self._post(b"ISA", token=TOKEN))
        self.assertFalse(self._exchanges())

    def test_strangers_get_one_answer_whatever_the_code_and_scheme(self):
        """No oracle: an unknown, archived or malformed code answers exactly like an
        existing one (bearer or basic) with wrong or missing credentials."""
        self.threepl.copy({"name": "Old 3PL", "inbound_code": "old-3pl", "active": False})
        basic_partner = self.threepl.copy(
            {
                "name": "3PL East (basic)",
                "inbound_code": "3pl-east",
                "inbound_auth": "basic",
                "inbound_username": "eastedi",
                "inbound_secret_env": OTHER_TOKEN_ENV,
            }
        )
        self.assertEqual(basic_partner.inbound_auth, "basic")
        codes = (
            "3pl-west-reno",  # exists, bearer
            "3pl-east",  # exists, basic
            "nobody",
            "old-3pl",  # archived
            "3PL-WEST-RENO",
            "x" * 65,
            str(self.threepl.id),
        )
        credentials = (None, "wrong", "Basic d3Jvbmc6d3Jvbmc=", "Negotiate abc")
        answers = set()
        for code in codes:
            for header in credentials:
                headers = {"Authorization": header} if header else {}
                response = self._post(b"ISA", code=code, token=None, headers=headers)
                self.assertRefused(response, f"{code} {header}")
                answers.add(self._answer(response))
        self.assertEqual(len(answers), 1, answers)
        self.assertFalse(self._exchanges())

    def test_413_too_large(self):
        settings = {"http_timeout": 2.0, "drop_root": self.drop_root, "inbound_max_bytes": 64}
        with patch(
            "odoo.addons.wms_bridge.controllers.inbound.get_settings", return_value=settings
        ):
            response = self._post(b"I" * 65)
            self.assertEqual(response.status_code, 413)
            self.assertEqual(response.json(), {"error": "too large", "max_bytes": 64})
            # without Content-Length (chunked) the size is unknown: refused unread
            chunked = self._post(iter([b"I" * 40, b"I" * 40]))
            self.assertEqual(chunked.status_code, 411)
            # credentials are checked first: the body of a stranger is not read
            self.assertRefused(self._post(b"I" * 65, token="wrong"))
            self._accepted(self._post(b"I" * 64))
        self.assertEqual(len(self._exchanges()), 1)

    def test_400_empty_body_and_415_form(self):
        for body in (b"", b"  \r\n"):
            response = self._post(body)
            self.assertEqual(response.status_code, 400, body)
            self.assertEqual(response.json(), {"error": "empty body"})
        form = self._post(b"ISA=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(form.status_code, 415)
        self.assertFalse(self._exchanges())

    def test_a_partner_secret_opens_that_partner_only(self):
        other_company = self.env["res.company"].create({"name": "Other Distributor"})
        other = self.env["wms.trading.partner"].create(
            {
                "name": "3PL of the other company",
                "company_id": other_company.id,
                "partner_id": self.env["res.partner"].create({"name": "Other 3PL"}).id,
                "transport": "directory",
                "drop_folder": "other",
                "inbound_code": "other-3pl",
                "inbound_secret_env": OTHER_TOKEN_ENV,
            }
        )
        # our partner's token does not open the other company's partner, nor the reverse
        self.assertRefused(self._post(b"ISA", code="other-3pl", token=TOKEN))
        self.assertRefused(self._post(b"ISA", token=OTHER_TOKEN))
        self.assertFalse(self._exchanges())
        exchange = self._accepted(self._post(b"ISA", code="other-3pl", token=OTHER_TOKEN))
        self.assertRecordValues(
            exchange, [{"trading_partner_id": other.id, "company_id": other_company.id}]
        )

    # ------------------------------------------------------------------ round trip
    def test_round_trip_945_posted_by_the_3pl_validates_the_delivery(self):
        endpoint = LoopbackEndpoint([])  # the 3PL's own endpoint: 200 to everything
        self.addCleanup(endpoint.stop)
        self.threepl.write({"transport": "http", "http_url": endpoint.url, "timeout": 1.0})
        picking = self._delivery([(self.milk, 24), (self.butter, 10)])
        with trap_jobs() as trap:
            picking.action_assign()
            run_all_jobs(trap)
        order_exchange = picking.wms_order_exchange_id
        self.assertEqual(order_exchange.state, "sent", order_exchange.error_text)
        self.assertEqual(len(endpoint.received), 1)
        ack, shipment = answer_940(
            endpoint.received[0][1], 600, {"BUTTER-250": 6}, {"BUTTER-250": "B0311"}
        )
        received = self.Exchange
        for name, body in (("999_600.x12", ack), ("945_601.x12", shipment)):
            received |= self._accepted(self._post(body, headers={"X-Filename": name}))
        self._process(received)
        self.assertEqual(set(received.mapped("state")), {"processed"})
        self.assertEqual(order_exchange.state, "acknowledged")
        shipped = received.child_ids.filtered(lambda e: e.document_type == "945")
        self.assertEqual(shipped.state, "processed", shipped.error_text)
        self.assertEqual(shipped.picking_id, picking)
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.carrier_tracking_ref, "1Z999AA10123456799")
        quantities = {ml.product_id: (ml.quantity, ml.lot_id) for ml in picking.move_line_ids}
        self.assertEqual(quantities[self.milk], (24, self.env["stock.lot"]))
        self.assertEqual(quantities[self.butter], (6, self.lot_b))
        self.assertEqual(shipped.backorder_id.move_ids.product_uom_qty, 4)
        # our 999 for the 945 interchange went back to the 3PL's endpoint
        our_ack = shipped.parent_id.ack_exchange_id
        self.assertRecordValues(our_ack, [{"document_type": "999", "state": "sent"}])
        self.assertIn(our_ack._payload_bytes(), [body for _headers, body in endpoint.received])
