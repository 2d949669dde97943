"""Fixture network for the EDI tests: a 3PL-operated warehouse, its trading partner
on a directory transport under a temporary drop_root, two products (one lot
tracked), a customer; and a simulated 3PL that answers through the same folders."""

import os
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import TransactionCase

from ..engine import x12
from ..engine.x12 import Envelope, Separators
from ..tools.settings import settings_from_values

THREEPL_ID = "3PLWEST"
OUR_ID = "DISTRIBCO"


def shipment_945(order, shipped, lots, shipment_id, bill_of_lading, tracking):
    """The 3PL's 945 shipping a 940 ``order`` (the engine's dict): ``shipped`` =
    {code: qty} overrides the ordered quantity, ``lots`` = {code: lot}."""
    lines = []
    for line in order["lines"]:
        code = line["product_ids"].get("VN")
        qty = shipped.get(code, line["qty"])
        lines.append(
            {
                "line": line["line"],
                "status": "CC" if qty == line["qty"] else "CP",
                "qty_ordered": line["qty"],
                "qty_shipped": qty,
                "qty_difference": line["qty"] - qty,
                "uom": line["uom"],
                "product_ids": {"VN": code},
                "lot": lots.get(code, ""),
            }
        )
    return {
        "report_code": "F",
        "order_ref": order["order_ref"],
        "date": date(2024, 3, 15),
        "shipment_id": shipment_id,
        "po_ref": order["po_ref"],
        "refs": {"BM": bill_of_lading, "CN": tracking},
        "carrier": {"transport_method": "M", "scac": "UPSN"},
        "lines": lines,
    }


def jobs_named(trap, method_name):
    """Trapped jobs calling ``method_name`` (on any record)."""
    return [job for job in trap.enqueued_jobs if job.method_name == method_name]


def run_all_jobs(trap, rounds=10):
    """Perform trapped jobs, and the jobs they enqueue, until none is left."""
    for _ in range(rounds):
        if not trap.enqueued_jobs:
            return
        trap.perform_enqueued_jobs()


class Simulated3PL:
    """The 3PL's side of the directory transport: reads what we drop in the
    partner's outbox, answers into its inbox (with its own control numbers)."""

    def __init__(self, root, folder="reno"):
        self.outbox = os.path.join(root, folder, "outbox")
        self.inbox = os.path.join(root, folder, "inbox")
        os.makedirs(self.inbox, exist_ok=True)
        self.control = 500
        self.envelope = Envelope(
            sender_id=THREEPL_ID, receiver_id=OUR_ID, version="005010", separators=Separators()
        )

    def take_outbox(self):
        """Interchanges we sent, read and removed: ``[(filename, X12Result)]``."""
        found = []
        for name in sorted(os.listdir(self.outbox)):
            if name.startswith("."):
                continue
            path = os.path.join(self.outbox, name)
            with open(path, "rb") as handle:
                raw = handle.read()
            os.unlink(path)
            self.control += 1
            found.append((name, x12.process_interchange(raw, ack_control_number=self.control)))
        return found

    def drop(self, name, text):
        path = os.path.join(self.inbox, name)
        with open(path, "w", encoding="latin-1") as handle:
            handle.write(text)
        return path

    def send(self, documents, name=None, control=None):
        self.control += 1
        number = control or self.control
        text = x12.write_interchange(
            self.envelope, documents, control_number=number, when=datetime(2024, 3, 15, 14, 32)
        )
        self.drop(name or f"in_{number:09d}.x12", text)
        return text

    def answer_940s(self, shipped=None, lots=None, tracking="1Z999AA10123456784"):
        """Acknowledge every 940 (999) and ship it (945): ``shipped`` = {code: qty}
        overrides the ordered quantity, ``lots`` = {code: lot}."""
        shipped, lots = shipped or {}, lots or {}
        answered = []
        for _name, result in self.take_outbox():
            for ts in result.sets:
                if ts.set_id != "940":
                    continue
                doc = shipment_945(ts.data, shipped, lots, "SHP-7781", "BOL-552190", tracking)
                self.send([("945", doc)])
                answered.append(ts.data["order_ref"])
            if result.ack:
                self.drop(f"ack_{self.control:09d}.x12", result.ack)
        return answered


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        server.received.append((self.headers, body))
        action = server.script.pop(0) if server.script else 200
        if action == "sleep":
            time.sleep(server.sleep)
            action = 200
        if action == "echo":  # a far end quoting what it was sent, credentials included
            self.send_response(400)
            self.end_headers()
            self.wfile.write(f"refused: {self.headers.get('Authorization')}".encode())
            return
        if action == "redirect":
            self.send_response(307)
            self.send_header("Location", "http://127.0.0.2:9/elsewhere")
            self.end_headers()
            return
        self.send_response(action)
        self.end_headers()
        self.wfile.write(b"ok" if action == 200 else b"refused")

    def log_message(self, *args):
        return


class LoopbackEndpoint:
    """A real HTTP endpoint on 127.0.0.1 (free port) answering from a script of
    statuses (``"sleep"`` waits longer than the client's timeout, ``"echo"`` answers
    400 quoting the Authorization header, ``"redirect"`` answers 307 elsewhere)."""

    def __init__(self, script, sleep=3.0):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.script = list(script)
        self.server.received = []
        self.server.sleep = sleep
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/edi"

    @property
    def received(self):
        return self.server.received

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class WmsBridgeCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.drop_root = tempfile.mkdtemp(prefix="wms_bridge_test_")
        cls.addClassCleanup(shutil.rmtree, cls.drop_root, True)
        # the loopback endpoints of the tests are http://: the test switch is on
        cls.settings = settings_from_values(
            {"http_timeout": "2", "drop_root": cls.drop_root, "allow_insecure_http": "True"}
        )
        settings_patch = patch(
            "odoo.addons.wms_bridge.models.wms_trading_partner.get_settings",
            return_value=cls.settings,
        )
        settings_patch.start()
        cls.addClassCleanup(settings_patch.stop)
        env = cls.env
        cls.Exchange = env["wms.exchange"]
        cls.integration_user = env["res.users"].create(
            {
                "name": "Integration Tester",
                "login": "wms_integration_tester",
                "group_ids": [(6, 0, [env.ref("wms_bridge.group_wms_bridge_user").id])],
            }
        )
        cls.warehouse = env["stock.warehouse"].create({"name": "3PL Reno", "code": "RNO"})
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.customer = env["res.partner"].create(
            {"name": "Northwind Grocers", "ref": "C00017", "city": "Oakland"}
        )
        cls.milk = env["product.product"].create(
            {
                "name": "Whole milk 1L",
                "default_code": "MILK-1L",
                "barcode": "10614141000019",
                "is_storable": True,
            }
        )
        cls.butter = env["product.product"].create(
            {
                "name": "Butter 250g",
                "default_code": "BUTTER-250",
                "is_storable": True,
                "tracking": "lot",
            }
        )
        cls.lot_b = env["stock.lot"].create({"name": "B0311", "product_id": cls.butter.id})
        Quant = env["stock.quant"]
        Quant._update_available_quantity(cls.milk, cls.stock_location, 40)
        Quant._update_available_quantity(cls.butter, cls.stock_location, 20, lot_id=cls.lot_b)
        cls.threepl_contact = env["res.partner"].create({"name": "3PL West"})
        cls.threepl = env["wms.trading.partner"].create(
            {
                "name": "3PL West Reno",
                "partner_id": cls.threepl_contact.id,
                "role": "3pl",
                "isa_id": THREEPL_ID,
                "gs_code": THREEPL_ID,
                "our_isa_id": OUR_ID,
                "our_gs_code": OUR_ID,
                "x12_version": "005010",
                "transport": "directory",
                "drop_folder": "reno",
                "warehouse_ids": [(6, 0, cls.warehouse.ids)],
                "responsible_user_id": cls.integration_user.id,
                "retry_base_seconds": 60,
                "max_retries": 3,
                "document_ids": [
                    (0, 0, {"document_type": code})
                    for code in ("940", "945", "943", "944", "846", "214")
                ],
                "mapping_version_ids": [(0, 0, {"product_code": "ours"})],
            }
        )
        cls.sim = Simulated3PL(cls.drop_root)

    @contextmanager
    def assertRaisesWith(self, exception, pattern):
        """Odoo's assertRaises (a savepoint rolled back, so that a refused write
        leaves nothing behind) and the message matching ``pattern``."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertRegex(str(caught.exception), pattern)

    def setUp(self):
        super().setUp()
        # every test starts with empty drop folders
        for name in os.listdir(self.drop_root):
            shutil.rmtree(os.path.join(self.drop_root, name), ignore_errors=True)
        os.makedirs(self.sim.inbox, exist_ok=True)

    def _delivery(self, lines, partner=None):
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "partner_id": (partner or self.customer).id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                "origin": "SO0042",
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": self.stock_location.id,
                            "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                        },
                    )
                    for product, qty in lines
                ],
            }
        )
        picking.action_confirm()
        return picking

    def _poll(self):
        with trap_jobs() as trap:
            exchanges = self.threepl._poll_inbox()
            run_all_jobs(trap)
        return exchanges
