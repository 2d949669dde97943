"""The SOAP adapter and mappings against a real SOAP service on loopback
(``simulators/soap_partner.py``): no service outside this machine."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from ...simulators.soap_partner import SoapPartner
from .. import soap_client as sc
from ..soap_mapping import (
    MappingError,
    build_request,
    mask,
    parse_mapping,
    read_response,
    source_paths,
)

BOOKING = """{
  "request": {
    "reference": "name",
    "weight_kg": "shipping_weight",
    "service": "=EXPRESS",
    "recipient.name": "partner_id.name",
    "recipient.city": "partner_id.city",
    "recipient.country": "partner_id.country_id.code"
  },
  "response": {"carrier_tracking_ref": "tracking_number", "wms_soap_label_url": "label_url"}
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestMapping(unittest.TestCase):
    def test_request_and_response_round_trip(self):
        mapping = parse_mapping(BOOKING)
        self.assertEqual(
            source_paths(mapping),
            [
                "name",
                "partner_id.city",
                "partner_id.country_id.code",
                "partner_id.name",
                "shipping_weight",
            ],
        )
        values = {"name": "WH/OUT/7", "shipping_weight": 4.5, "partner_id.name": "Acme",
                  "partner_id.city": False, "partner_id.country_id.code": "NL"}  # fmt: skip
        self.assertEqual(
            build_request(mapping, values),
            {
                "reference": "WH/OUT/7",
                "weight_kg": 4.5,
                "service": "EXPRESS",
                "recipient": {"name": "Acme", "country": "NL"},  # False: left out
            },
        )
        response = {"tracking_number": "T1", "label_url": "u", "price": 1.0}
        self.assertEqual(
            read_response(mapping, response),
            {"carrier_tracking_ref": "T1", "wms_soap_label_url": "u"},
        )

    def test_lists_and_indices(self):
        mapping = parse_mapping('{"response": {"a": "item.*.quantity", "b": "item.1.lot"}}')
        response = {"item": [{"quantity": 1, "lot": "X"}, {"quantity": 2, "lot": "Y"}]}
        self.assertEqual(read_response(mapping, response), {"a": [1, 2], "b": "Y"})
        with self.assertRaisesRegex(MappingError, "no 'item.1.lot'"):
            read_response(mapping, {"item": [{"quantity": 1}]})
        # a repeated element with no occurrence gives no items; an absent one is missing
        mapping = parse_mapping('{"response": {"a": "item.*.quantity"}}')
        self.assertEqual(read_response(mapping, {"item": None}), {"a": []})
        self.assertEqual(read_response(mapping, {"item": []}), {"a": []})
        with self.assertRaisesRegex(MappingError, "no 'item.\\*.quantity'"):
            read_response(mapping, {"other": 1})
        # zeep returns a response whose only element repeats as the list itself
        mapping = parse_mapping('{"response": {"a": "*.quantity", "b": "*.lot"}}')
        answer = [{"quantity": 2.0, "lot": "L1"}, {"quantity": 3.0, "lot": None}]
        self.assertEqual(read_response(mapping, answer), {"a": [2.0, 3.0], "b": ["L1", None]})
        self.assertEqual(read_response(mapping, []), {"a": [], "b": []})

    def test_bad_mappings_are_named(self):
        for text, message in (
            ("{", "not valid JSON"),
            ("[]", "must be an object"),
            ('{"request": {"a b": "name"}}', "dotted element names"),
            ('{"request": {"a": "Name; drop"}}', "neither a field path"),
            ('{"request": {"a": "name", "a.b": "name"}}', "overlap"),
            ('{"response": {"x.y": "a"}}', "must be a field name"),
            ('{"response": {"x": "a..b"}}', "not a response path"),
            ('{"request": {"a": 1}}', "must be text"),
            ('{"other": {}}', "must be an object"),
        ):
            with self.subTest(text=text), self.assertRaisesRegex(MappingError, message):
                parse_mapping(text)

    def test_mask(self):
        envelope = (
            "<wsse:Password Type='x'>s3cret!</wsse:Password><wsse:Nonce>abc</wsse:Nonce>"
            "<note>s3cret! again</note>"
        )
        masked = mask(envelope, secrets=("s3cret!",))
        self.assertNotIn("s3cret", masked)
        self.assertIn("<wsse:Password Type='x'>[secret]</wsse:Password>", masked)
        self.assertIn("<wsse:Nonce>[secret]</wsse:Nonce>", masked)


class PartnerCase(unittest.TestCase):
    auth = "none"

    def setUp(self):
        self.partner = SoapPartner(username="odoo", password="pa55-word!", auth=self.auth).start()
        self.addCleanup(self.partner.stop)

    def gateway(self, **kw) -> sc.SoapGateway:
        options = {"wsdl": self.partner.url() + "?wsdl", "operation_timeout": 5, "load_timeout": 5}
        options.update(kw)
        return sc.SoapGateway(sc.SoapConfig(**options))


BOOK = {"reference": "R-1", "weight_kg": 2, "service": "X", "recipient": {"name": "Acme"}}


class TestCalls(PartnerCase):
    def test_call_and_preview(self):
        gateway = self.gateway()
        self.assertEqual(gateway.operations(), ["BookShipment", "GetTracking", "QueryStock"])
        preview = gateway.preview("BookShipment", BOOK)
        self.assertTrue(preview.ok)
        self.assertIn("<ns0:reference>R-1</ns0:reference>", preview.request_xml)
        self.assertEqual(self.partner.calls, [], "a preview sends nothing")
        result = gateway.call("BookShipment", BOOK)
        self.assertTrue(result.ok, result.detail)
        self.assertTrue(result.response["tracking_number"].startswith("TRK"))
        self.assertEqual(result.response["price"], 12.5)
        self.assertIn("R-1", result.request_xml)
        self.assertIn("tracking_number", result.response_xml)
        stock = gateway.call("QueryStock", {"sku": "SKU-1", "warehouse": "WH"})
        self.assertEqual([i["quantity"] for i in stock.response], [12.0, 3.0])

    def test_timeout_is_honoured_and_transient(self):
        gateway = self.gateway(operation_timeout=0.5)
        started = time.monotonic()
        result = gateway.call("BookShipment", dict(BOOK, reference="SLOW-3000"))
        self.assertLess(time.monotonic() - started, 2.5)
        self.assertEqual((result.ok, result.kind, result.transient), (False, sc.TIMEOUT, True))
        self.assertIn("0.5 s", result.detail)

    def test_faults_malformed_and_http_errors(self):
        gateway = self.gateway()
        for reference, kind, transient in (
            ("FAULT-1", sc.FAULT, False),
            ("BUSY-1", sc.FAULT, True),
            ("MALFORMED-1", sc.MALFORMED, False),
            ("HTTP503-1", sc.HTTP, True),
        ):
            with self.subTest(reference=reference):
                result = gateway.call("BookShipment", dict(BOOK, reference=reference))
                self.assertEqual(
                    (result.ok, result.kind, result.transient),
                    (False, kind, transient),
                    result.detail,
                )
                self.assertIn(reference, result.request_xml)

    def test_service_down_is_transient(self):
        gateway = self.gateway()
        gateway.client()  # WSDL loaded while it was up
        self.partner.stop()
        result = gateway.call("BookShipment", BOOK)
        self.assertEqual((result.kind, result.transient), (sc.CONNECTION, True))
        down = sc.SoapGateway(
            sc.SoapConfig(wsdl=f"http://127.0.0.1:{free_port()}/v1?wsdl", load_timeout=2)
        )
        result = down.call("BookShipment", BOOK)
        self.assertEqual((result.kind, result.transient), (sc.CONNECTION, True))

    def test_endpoint_override_and_wsdl_from_a_file(self):
        other = SoapPartner().start()
        self.addCleanup(other.stop)
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "carrier.wsdl"
            import urllib.request

            path.write_bytes(urllib.request.urlopen(self.partner.url() + "?wsdl", timeout=5).read())
            gateway = sc.SoapGateway(sc.SoapConfig(wsdl=str(path), endpoint=other.url()))
            self.assertTrue(gateway.call("GetTracking", {"tracking_number": "T"}).ok)
        self.assertEqual((self.partner.calls, other.calls), ([], ["GetTracking"]))

    def test_wsdl_changes_between_versions(self):
        """A mapping written for v1 fails clearly against v2, and a v2 mapping works."""
        cache = tempfile.mkdtemp()
        v1 = self.gateway(cache_path=f"{cache}/wsdl.db")
        self.assertTrue(v1.call("BookShipment", BOOK).ok)
        self.partner.version = "v2"
        v2 = self.gateway(wsdl=self.partner.url("v2") + "?wsdl")
        refused = v2.call("BookShipment", BOOK)
        self.assertEqual((refused.kind, refused.transient), (sc.VALIDATION, False), refused.detail)
        self.assertIn("incoterm", refused.detail)
        mapping = parse_mapping('{"response": {"amount": "price"}}')
        ok = v2.call("BookShipment", dict(BOOK, incoterm="DAP"))
        self.assertTrue(ok.ok, ok.detail)
        with self.assertRaisesRegex(MappingError, "no 'price'"):
            read_response(mapping, ok.response)
        self.assertEqual(
            read_response(parse_mapping('{"response": {"amount": "charge"}}'), ok.response),
            {"amount": 12.5},
        )


class TestBasicAuth(PartnerCase):
    auth = "basic"

    def test_basic(self):
        self.assertTrue(
            self.gateway(auth="basic", username="odoo", password="pa55-word!")
            .call("BookShipment", BOOK)
            .ok
        )
        wrong = self.gateway(auth="basic", username="odoo", password="nope")
        # the WSDL itself is behind the same authentication: refused before any call
        result = wrong.call("BookShipment", BOOK)
        self.assertFalse(result.ok)
        self.assertFalse(result.transient)
        self.assertNotIn("nope", result.detail)


class TestWsse(PartnerCase):
    auth = "wsse"

    def test_digest_and_masking(self):
        good = self.gateway(auth="wsse_digest", username="odoo", password="pa55-word!")
        result = good.call("BookShipment", BOOK)
        self.assertTrue(result.ok, result.detail)
        self.assertIn("PasswordDigest", result.request_xml)
        self.assertIn("[secret]", result.request_xml)
        text = self.gateway(auth="wsse_text", username="odoo", password="pa55-word!")
        preview = text.preview("BookShipment", BOOK)
        self.assertNotIn("pa55-word!", preview.request_xml)
        bad = self.gateway(auth="wsse_digest", username="odoo", password="wrong-one")
        result = bad.call("BookShipment", BOOK)
        self.assertEqual(
            (result.ok, result.kind, result.transient), (False, sc.AUTH, False), result.detail
        )
        self.assertNotIn("wrong-one", result.request_xml + result.detail)


def _openssl(directory, *args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)


def _signed(directory, name, cn, ca, extension):
    _openssl(directory, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
             "-out", f"{name}.csr", "-subj", f"/CN={cn}")  # fmt: skip
    Path(directory, f"{name}.ext").write_text(extension + "\n")
    _openssl(directory, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem",
             "-CAkey", f"{ca}.key", "-CAcreateserial", "-out", f"{name}.pem", "-days", "2",
             "-extfile", f"{name}.ext")  # fmt: skip


@unittest.skipUnless(shutil.which("openssl"), "the openssl command makes the test CA")
class TestClientCertificate(unittest.TestCase):
    """HTTPS with a client certificate required by the service: the configured
    certificate and key open it, no certificate or one of another CA does not."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="soap_tls_")
        for ca in ("ca", "other_ca"):
            args = ["-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={ca}"]
            _openssl(cls.dir, "req", "-x509", *args, "-keyout", f"{ca}.key", "-out", f"{ca}.pem")
        _signed(cls.dir, "server", "127.0.0.1", "ca", "subjectAltName=IP:127.0.0.1")
        _signed(cls.dir, "client", "odoo", "ca", "extendedKeyUsage=clientAuth")
        _signed(cls.dir, "stranger", "odoo", "other_ca", "extendedKeyUsage=clientAuth")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(f"{cls.dir}/server.pem", f"{cls.dir}/server.key")
        context.load_verify_locations(f"{cls.dir}/ca.pem")
        context.verify_mode = ssl.CERT_REQUIRED
        cls.partner = SoapPartner().start(tls=context)

    @classmethod
    def tearDownClass(cls):
        cls.partner.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def gateway(self, **kw):
        options = {"wsdl": self.partner.url() + "?wsdl", "operation_timeout": 5,
                   "load_timeout": 5, "verify": f"{self.dir}/ca.pem"}  # fmt: skip
        options.update(kw)
        return sc.SoapGateway(sc.SoapConfig(**options))

    def test_certificate_opens_the_service(self):
        self.assertTrue(self.partner.url().startswith("https://"))
        gateway = self.gateway(
            auth="certificate",
            cert_file=f"{self.dir}/client.pem",
            key_file=f"{self.dir}/client.key",
        )
        result = gateway.call("BookShipment", BOOK)
        self.assertTrue(result.ok, result.detail)
        self.assertIn("BookShipment", self.partner.calls)

    def test_without_or_with_a_stranger_certificate_refused(self):
        calls = len(self.partner.calls)
        for kw in (
            {},
            {"auth": "certificate", "cert_file": f"{self.dir}/stranger.pem",
             "key_file": f"{self.dir}/stranger.key"},
        ):  # fmt: skip
            result = self.gateway(**kw).call("BookShipment", BOOK)
            self.assertFalse(result.ok)
            self.assertTrue(result.detail)
            self.assertNotIn("BEGIN", result.detail)  # no key material in the reason
        self.assertEqual(len(self.partner.calls), calls)
