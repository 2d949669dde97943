"""A carrier / WMS SOAP service of our own, served on loopback (no Odoo).

Tests, ``bench/bench_soap.py`` and the demo talk to it instead of a partner's
system.  It serves its WSDL (``GET /<version>?wsdl``, versions ``v1`` and ``v2``)
and answers three document/literal operations:

* ``BookShipment(reference, weight_kg, service, recipient{name, city, country}
  [, incoterm in v2])`` → ``tracking_number, label_url, price`` (``charge`` in v2);
* ``GetTracking(tracking_number)`` → ``status, location, timestamp``;
* ``QueryStock(sku, warehouse)`` → ``item*{sku, lot, quantity}``.

Behaviours a test asks for through the request itself (a ``reference``, ``sku`` or
``tracking_number`` that starts with): ``SLOW-<ms>`` waits that long before
answering; ``FAULT`` answers a client fault (permanent); ``BUSY`` a server fault
(transient); ``MALFORMED`` an unparseable body; ``HTTP503`` an HTTP 503.
Authentication, when configured: HTTP basic, or WS-Security UsernameToken with
password digest (checked: nonce, created, digest); a wrong one gets a SOAP fault
``FailedAuthentication`` with HTTP 500, no credentials gets HTTP 401.  Client
certificates: ``start(tls=context)`` serves HTTPS with a server-side
``ssl.SSLContext``; one with ``verify_mode = CERT_REQUIRED`` refuses, during the
handshake, a caller without a certificate of its CA.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from lxml import etree

TNS = "urn:distribution:partner:carrier"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
MAX_BODY = 1_048_576

_WSDL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="{tns}" targetNamespace="{tns}" name="CarrierService">
  <types>
    <xsd:schema targetNamespace="{tns}" elementFormDefault="qualified">
      <xsd:complexType name="Recipient">
        <xsd:sequence>
          <xsd:element name="name" type="xsd:string"/>
          <xsd:element name="city" type="xsd:string" minOccurs="0"/>
          <xsd:element name="country" type="xsd:string" minOccurs="0"/>
        </xsd:sequence>
      </xsd:complexType>
      <xsd:element name="BookShipment">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="reference" type="xsd:string"/>
          <xsd:element name="weight_kg" type="xsd:decimal"/>
          <xsd:element name="service" type="xsd:string"/>
          <xsd:element name="recipient" type="tns:Recipient"/>
          {incoterm}
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="BookShipmentResponse">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="tracking_number" type="xsd:string"/>
          <xsd:element name="label_url" type="xsd:string"/>
          <xsd:element name="{price}" type="xsd:decimal"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="GetTracking">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="tracking_number" type="xsd:string"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="GetTrackingResponse">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="status" type="xsd:string"/>
          <xsd:element name="location" type="xsd:string"/>
          <xsd:element name="timestamp" type="xsd:dateTime"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="QueryStock">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="sku" type="xsd:string"/>
          <xsd:element name="warehouse" type="xsd:string"/>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
      <xsd:element name="QueryStockResponse">
        <xsd:complexType><xsd:sequence>
          <xsd:element name="item" minOccurs="0" maxOccurs="unbounded">
            <xsd:complexType><xsd:sequence>
              <xsd:element name="sku" type="xsd:string"/>
              <xsd:element name="lot" type="xsd:string" minOccurs="0"/>
              <xsd:element name="quantity" type="xsd:decimal"/>
            </xsd:sequence></xsd:complexType>
          </xsd:element>
        </xsd:sequence></xsd:complexType>
      </xsd:element>
    </xsd:schema>
  </types>
  {messages}
  <portType name="CarrierPort">{port_ops}</portType>
  <binding name="CarrierBinding" type="tns:CarrierPort">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    {binding_ops}
  </binding>
  <service name="CarrierService">
    <port name="CarrierPort" binding="tns:CarrierBinding">
      <soap:address location="{address}"/>
    </port>
  </service>
</definitions>
"""
OPERATIONS = ("BookShipment", "GetTracking", "QueryStock")


def wsdl(version: str, address: str) -> str:
    messages = "".join(
        f'<message name="{op}In"><part name="parameters" element="tns:{op}"/></message>'
        f'<message name="{op}Out"><part name="parameters" element="tns:{op}Response"/></message>'
        for op in OPERATIONS
    )
    port_ops = "".join(
        f'<operation name="{op}"><input message="tns:{op}In"/><output message="tns:{op}Out"/>'
        "</operation>"
        for op in OPERATIONS
    )
    binding_ops = "".join(
        f'<operation name="{op}"><soap:operation soapAction="{TNS}/{op}"/>'
        '<input><soap:body use="literal"/></input><output><soap:body use="literal"/></output>'
        "</operation>"
        for op in OPERATIONS
    )
    v2 = version == "v2"
    return _WSDL.format(
        tns=TNS,
        incoterm='<xsd:element name="incoterm" type="xsd:string"/>' if v2 else "",
        price="charge" if v2 else "price",
        messages=messages,
        port_ops=port_ops,
        binding_ops=binding_ops,
        address=address,
    )


def _envelope(body: etree._Element) -> bytes:
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV, "tns": TNS})
    etree.SubElement(env, f"{{{SOAP_ENV}}}Body").append(body)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def _fault(code: str, text: str) -> bytes:
    fault = etree.Element(f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = f"soapenv:{code}"
    etree.SubElement(fault, "faultstring").text = text
    return _envelope(fault)


def _response(name: str, **values) -> etree._Element:
    node = etree.Element(f"{{{TNS}}}{name}")
    for key, value in values.items():
        if isinstance(value, list):
            for item in value:
                child = etree.SubElement(node, f"{{{TNS}}}{key}")
                for k, v in item.items():
                    etree.SubElement(child, f"{{{TNS}}}{k}").text = str(v)
        else:
            etree.SubElement(node, f"{{{TNS}}}{key}").text = str(value)
    return node


class SoapPartner:
    """The service's state and WSGI application."""

    def __init__(self, version="v1", username=None, password=None, auth="none"):
        self.version = version
        self.username, self.password, self.auth = username, password, auth
        self.calls: list[str] = []  # operation names, in order
        self.busy_next = 0  # answer this many next calls with a server fault (transient)
        self.stock = {("SKU-1", "WH"): [("SKU-1", "LOT-A", 12), ("SKU-1", "LOT-B", 3)]}
        self.lock = threading.Lock()
        self.port = None
        self.scheme = "http"
        self._server = None
        self._thread = None

    # ------------------------------------------------------------------ serving
    def start(self, port: int = 0, tls=None) -> SoapPartner:
        class Server(ThreadingMixIn, WSGIServer):
            daemon_threads = True
            request_queue_size = 128

        class Quiet(WSGIRequestHandler):
            def log_message(self, *_args):
                pass

        self._server = make_server("127.0.0.1", port, self.app, Server, Quiet)
        self.port = self._server.server_port
        self.scheme = "http"
        if tls is not None:
            # the handshake (and its client certificate check) at accept; a failed
            # one closes that connection only
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def url(self, version: str | None = None) -> str:
        """``/v1`` or ``/v2``: that version's WSDL; ``/current``: whichever version
        the service runs now (a partner changing its WSDL at the same address)."""
        return f"{self.scheme}://127.0.0.1:{self.port}/{version or self.version}"

    # --------------------------------------------------------------------- WSGI
    def app(self, environ, start_response):
        path = environ.get("PATH_INFO", "/").strip("/") or self.version
        version = path if path in ("v1", "v2") else self.version
        if environ["REQUEST_METHOD"] == "GET":
            body = wsdl(version, self.url(version)).encode()
            start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
            return [body]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            start_response("413 Payload Too Large", [("Content-Type", "text/plain")])
            return [b"too large"]
        raw = environ["wsgi.input"].read(length)
        status, body = self.answer(environ, raw)
        start_response(status, [("Content-Type", "text/xml; charset=utf-8")])
        return [body]

    def _authenticated(self, environ, envelope) -> str | None:
        """None when the caller is who it must be, else the HTTP status to answer."""
        if self.auth == "basic":
            header = environ.get("HTTP_AUTHORIZATION", "")
            if not header.startswith("Basic "):
                return "401 Unauthorized"
            expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            return None if header[6:] == expected else "401 Unauthorized"
        if self.auth == "wsse":
            token = envelope.find(f".//{{{WSSE}}}UsernameToken")
            if token is None:
                return "401 Unauthorized"
            user = token.findtext(f"{{{WSSE}}}Username")
            password = token.find(f"{{{WSSE}}}Password")
            nonce = token.findtext(f"{{{WSSE}}}Nonce") or ""
            created = token.findtext(f"{{{WSU}}}Created") or ""
            if user != self.username or password is None:
                return "500 Internal Server Error"
            digest = base64.b64encode(
                hashlib.sha1(
                    base64.b64decode(nonce) + created.encode() + self.password.encode()
                ).digest()
            ).decode()
            if not password.get("Type", "").endswith("#PasswordDigest") or password.text != digest:
                return "500 Internal Server Error"
        return None

    def answer(self, environ, raw: bytes) -> tuple[str, bytes]:
        try:
            envelope = etree.fromstring(
                raw, etree.XMLParser(resolve_entities=False, no_network=True)
            )
        except etree.XMLSyntaxError:
            return "400 Bad Request", _fault("Client", "request is not XML")
        refused = self._authenticated(environ, envelope)
        if refused == "401 Unauthorized":
            return refused, _fault("Client", "authentication required")
        if refused:
            return refused, _fault("Client.FailedAuthentication", "FailedAuthentication")
        body = envelope.find(f"{{{SOAP_ENV}}}Body")
        request = body[0] if body is not None and len(body) else None
        if request is None:
            return "500 Internal Server Error", _fault("Client", "empty body")
        operation = etree.QName(request).localname
        values = {etree.QName(child).localname: child for child in request}
        key = ""
        for name in ("reference", "sku", "tracking_number"):
            if name in values:
                key = values[name].text or ""
                break
        with self.lock:
            self.calls.append(operation)
            busy = self.busy_next > 0
            self.busy_next -= busy
        if busy:
            key = "BUSY"
        return self._behaviour(key) or self._operation(operation, key, values)

    @staticmethod
    def _behaviour(key: str) -> tuple[str, bytes] | None:
        """What a test asked for through the request's key (None: answer normally)."""
        if key.startswith("SLOW-"):
            time.sleep(int(key[5:].split("-", maxsplit=1)[0]) / 1000)
            return None
        answers = {
            "FAULT": ("500 Internal Server Error", _fault("Client", f"refused: {key}")),
            "BUSY": ("500 Internal Server Error", _fault("Server", "service busy, try again")),
            "MALFORMED": ("200 OK", b"<soapenv:Envelope><unclosed>"),
            "HTTP503": ("503 Service Unavailable", b"maintenance"),
        }
        for prefix, answer in answers.items():
            if key.startswith(prefix):
                return answer
        return None

    def _operation(self, operation: str, key: str, values: dict) -> tuple[str, bytes]:
        if operation == "BookShipment":
            if self.version == "v2" and "incoterm" not in values:
                return "500 Internal Server Error", _fault("Client", "incoterm is required")
            number = "TRK" + hashlib.sha1(key.encode()).hexdigest()[:10].upper()
            price_name = "charge" if self.version == "v2" else "price"
            result = _response(
                "BookShipmentResponse",
                tracking_number=number,
                label_url=f"https://labels.example/{number}.pdf",
                **{price_name: "12.50"},
            )
        elif operation == "GetTracking":
            result = _response(
                "GetTrackingResponse",
                status="in_transit",
                location="Antwerp hub",
                timestamp="2026-12-07T10:00:00Z",
            )
        elif operation == "QueryStock":
            warehouse = values.get("warehouse")
            rows = self.stock.get((key, warehouse.text if warehouse is not None else ""), [])
            result = _response(
                "QueryStockResponse",
                item=[{"sku": s, "lot": lot, "quantity": q} for s, lot, q in rows],
            )
        else:
            return "500 Internal Server Error", _fault("Client", f"unknown operation {operation}")
        return "200 OK", _envelope(result)
