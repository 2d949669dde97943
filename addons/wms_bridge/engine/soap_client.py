"""The one adapter between wms_bridge and a partner's SOAP service (zeep; no Odoo).

:class:`SoapGateway` loads a WSDL once (from a URL or a file, cached), binds the
service to the endpoint of the environment (test or production), authenticates
(HTTP basic, WS-Security UsernameToken with digest or text, client certificate),
and makes every call with both timeouts set: ``load_timeout`` for the WSDL and its
schemas, ``operation_timeout`` for each call (zeep's own default is no timeout).

A call never raises: it returns a :class:`CallResult` with the outcome, the
request and response envelopes (secrets masked), the duration and, on failure,
a kind and whether it is transient (worth retrying: timeouts, connection errors,
HTTP 5xx/429 without a SOAP fault, server faults) or permanent (client faults,
authentication, a response that is not XML, a request the WSDL refuses).
:meth:`SoapGateway.preview` builds the envelope that would be sent, without sending.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal

import requests
from lxml import etree

from .soap_mapping import mask

# Failure kinds (CallResult.kind); a kind is transient or not on its own, except
# "fault", which depends on the fault code.
OK = "ok"
TIMEOUT = "timeout"
CONNECTION = "connection"
HTTP = "http"
FAULT = "fault"
MALFORMED = "malformed"
AUTH = "auth"
VALIDATION = "validation"
WSDL = "wsdl"
INTERNAL = "internal"
TRANSIENT_KINDS = {TIMEOUT, CONNECTION}
MAX_ENVELOPE = 64 * 1024  # characters of an envelope kept with the result


@dataclass
class SoapConfig:
    wsdl: str  # URL or local file path
    endpoint: str | None = None  # overrides the WSDL's address (test / production)
    auth: str = "none"  # none | basic | wsse_digest | wsse_text | certificate
    username: str | None = None
    password: str | None = None  # from configuration only, never stored
    cert_file: str | None = None
    key_file: str | None = None
    verify: bool | str = True  # CA bundle path for a private CA
    load_timeout: float = 30.0
    operation_timeout: float = 30.0
    cache_path: str | None = None  # SQLite cache of WSDL/XSD documents
    cache_ttl: int = 3600
    service: str | None = None  # service and port names, when the WSDL has several
    port: str | None = None


@dataclass
class CallResult:
    ok: bool
    kind: str = OK
    transient: bool = False
    response: object = None  # the response as plain dicts / lists
    request_xml: str = ""
    response_xml: str = ""
    http_status: int | None = None
    detail: str = ""
    duration_ms: float = 0.0
    secrets: tuple = field(default=(), repr=False)


def plain(value):
    """A zeep response as plain Python: dicts, lists, str/int/float/bool/None
    (Decimal becomes float, dates and times ISO text)."""
    from zeep.helpers import serialize_object

    value = serialize_object(value, dict)

    def convert(node):
        if isinstance(node, dict):
            return {k: convert(v) for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            return [convert(v) for v in node]
        if isinstance(node, Decimal):
            return float(node)
        if hasattr(node, "isoformat"):
            return node.isoformat()
        if isinstance(node, bytes):
            return node.decode("utf-8", "replace")
        return node

    return convert(value)


class _Session(requests.Session):
    """A session whose own ``verify`` holds: requests lets ``REQUESTS_CA_BUNDLE`` /
    ``CURL_CA_BUNDLE`` override ``session.verify`` when a call passes none (zeep
    passes none), so a service's private CA would be ignored on any server that
    sets those variables."""

    def request(self, method, url, **kwargs):
        if kwargs.get("verify") is None:
            kwargs["verify"] = self.verify
        return super().request(method, url, **kwargs)


class SoapGateway:
    """One partner service; build it once per configuration and reuse it."""

    def __init__(self, config: SoapConfig):
        self.config = config
        self._client = None
        self._service = None
        self._history = None
        self.secrets = tuple(s for s in (config.password,) if s)

    # ------------------------------------------------------------------ set-up
    def _session(self) -> requests.Session:
        c = self.config
        session = _Session()
        session.verify = c.verify
        if c.auth == "basic":
            session.auth = (c.username or "", c.password or "")
        elif c.auth == "certificate":
            session.cert = (c.cert_file, c.key_file) if c.key_file else c.cert_file
        return session

    def client(self):
        """The zeep client (WSDL loaded on first use; raises what zeep raises)."""
        if self._client is not None:
            return self._client
        import zeep
        from zeep.cache import SqliteCache
        from zeep.plugins import HistoryPlugin
        from zeep.transports import Transport
        from zeep.wsse.username import UsernameToken

        c = self.config
        cache = SqliteCache(path=c.cache_path, timeout=c.cache_ttl) if c.cache_path else None
        transport = Transport(
            session=self._session(),
            cache=cache,
            timeout=c.load_timeout,
            operation_timeout=c.operation_timeout,
        )
        wsse = None
        if c.auth in ("wsse_digest", "wsse_text"):
            wsse = UsernameToken(
                c.username or "", c.password or "", use_digest=c.auth == "wsse_digest"
            )
        self._history = HistoryPlugin(maxlen=1)
        client = zeep.Client(
            c.wsdl,
            transport=transport,
            wsse=wsse,
            plugins=[self._history],
            service_name=c.service,
            port_name=c.port,
        )
        if c.endpoint:
            binding = client.service._binding.name
            self._service = client.create_service(binding, c.endpoint)
        else:
            self._service = client.service
        self._client = client
        return client

    def operations(self) -> list[str]:
        """Operation names of the bound port."""
        self.client()
        return sorted(self._service._binding._operations)

    # ------------------------------------------------------------------- calls
    def _text(self, element_or_bytes) -> str:
        if element_or_bytes is None:
            return ""
        if isinstance(element_or_bytes, bytes):
            text = element_or_bytes.decode("utf-8", "replace")
        elif isinstance(element_or_bytes, str):
            text = element_or_bytes
        else:
            text = etree.tostring(element_or_bytes, encoding="unicode")
        return mask(text[:MAX_ENVELOPE], self.secrets)

    def preview(self, operation: str, payload: dict) -> CallResult:
        """The request envelope that would be sent (nothing is sent)."""
        started = time.perf_counter()
        try:
            client = self.client()
            # Client.create_message takes "service" itself, so a payload element of
            # that name would clash: the binding builds the same envelope directly
            # (plugins and WS-Security applied, as for a call)
            element, _headers = self._service._binding._create(
                operation, (), payload, client=client
            )
            return CallResult(True, request_xml=self._text(element), duration_ms=_ms(started))
        except Exception as error:
            return self._failure(error, started)

    def call(self, operation: str, payload: dict) -> CallResult:
        started = time.perf_counter()
        try:
            self.client()
            method = getattr(self._service, operation)
        except Exception as error:
            return self._failure(error, started)
        if self._history is not None:
            self._history._buffer.clear()  # envelopes of this call only
        try:
            response = method(**payload)
        except Exception as error:
            return self._failure(error, started)
        result = CallResult(True, response=plain(response), duration_ms=_ms(started))
        self._envelopes(result)
        return result

    def _envelopes(self, result: CallResult) -> None:
        history = self._history
        if history is None:
            return
        with _suppress():
            result.request_xml = self._text(history.last_sent["envelope"])
        with _suppress():
            result.response_xml = self._text(history.last_received["envelope"])

    def _failure(self, error: BaseException, started: float) -> CallResult:
        import zeep.exceptions as zx

        kind, transient, status = INTERNAL, False, None
        detail = f"{type(error).__name__}: {error}"
        if isinstance(error, (requests.Timeout,)):
            kind, transient = TIMEOUT, True
            detail = (
                f"no answer within {self.config.operation_timeout:g} s ({type(error).__name__})"
            )
        elif isinstance(error, requests.ConnectionError):
            kind, transient = CONNECTION, True
        elif isinstance(error, zx.Fault):
            code = str(error.code or "")
            kind = FAULT
            if "FailedAuthentication" in code or "FailedAuthentication" in str(error.message):
                kind = AUTH
            transient = kind == FAULT and code.rsplit(":", maxsplit=1)[-1].startswith("Server")
            detail = f"SOAP fault {code}: {error.message}"
        elif isinstance(error, zx.TransportError):
            status = error.status_code
            if status and status < 300:  # zeep's way of saying the body is not XML
                kind = MALFORMED
                detail = f"the answer is not valid XML (HTTP {status}): {error.message}"
            else:
                kind = AUTH if status in (401, 403) else HTTP
                transient = status >= 500 or status == 429
                detail = f"HTTP {status}"
        elif isinstance(error, (zx.ValidationError, TypeError)):
            kind = VALIDATION
            detail = f"the request does not match the WSDL: {error}"
        elif isinstance(error, (etree.XMLSyntaxError, zx.XMLSyntaxError, zx.XMLParseError)):
            kind = MALFORMED
            detail = f"the answer is not valid XML: {error}"
        elif isinstance(error, (zx.WsdlSyntaxError, zx.LookupError, AttributeError)):
            kind = WSDL
            detail = f"WSDL problem: {error}"
        elif isinstance(error, (OSError, requests.RequestException)):
            kind, transient = CONNECTION, True
        result = CallResult(
            False,
            kind=kind,
            transient=transient,
            http_status=status,
            detail=mask(detail[:2000], self.secrets),
            duration_ms=_ms(started),
        )
        self._envelopes(result)
        if isinstance(error, zx.TransportError) and not result.response_xml:
            result.response_xml = self._text(error.content or b"")
        return result


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return exc[0] is not None and issubclass(
            exc[0], (KeyError, IndexError, TypeError, AttributeError)
        )
