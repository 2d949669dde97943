"""SOAP services of partners (carriers, WMS, TMS), configured without code.

* ``wms.soap.service``: one connection (WSDL from a URL or an uploaded file, the
  endpoint of each environment, authentication with the secret taken from a
  ``WMS_BRIDGE_SECRET_*`` variable of the server, timeouts, retry policy) and its
  backend in OCA's EDI framework (backend type ``wms_soap``).
* ``wms.soap.operation``: a versioned mapping of one operation to one use (manual,
  carrier booking, tracking); edited in draft, activated by a manager (the
  previous version is archived and stays readable); each has its exchange type.
* Every call is an ``edi.exchange.record`` of the operation's exchange type, on
  the record that triggered it: request and response envelopes (secrets masked),
  duration, outcome; transient failures are retried with backoff by a cron,
  permanent ones are parked with their reason.

The adapter is ``engine/soap_client.py`` (one method per call, both timeouts set);
the mappings are ``engine/soap_mapping.py``.  Models are thin: gather the values of
every record in one pass, call, write the outcomes back in one batch.
"""

import base64
import contextlib
import logging
import os
import tempfile
import threading
from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..engine import credentials
from ..engine import soap_client as sc
from ..engine.soap_mapping import (
    MappingError,
    build_request,
    parse_mapping,
    read_response,
    source_paths,
)
from ..engine.stock_report import (
    SOAP_STOCK_KEYS,
    SOAP_STOCK_REQUIRED,
    stock_report_from_soap,
)
from ..tools.exceptions import WmsMappingError
from ..tools.settings import get_settings
from .wms_governed_mixin import create_governed, governed, is_governed

_logger = logging.getLogger(__name__)

WMS_USER = "wms_bridge.group_wms_bridge_user"
WMS_MANAGER = "wms_bridge.group_wms_bridge_manager"
BACKEND_TYPE_XMLID = "wms_bridge.edi_backend_type_wms_soap"
SEND_HANDLER = "wms.bridge.soap.handler"
USES = [
    ("manual", "Manual (test button, server actions)"),
    ("carrier_booking", "Carrier booking (ready deliveries)"),
    ("tracking", "Tracking updates (booked deliveries)"),
    ("stock_query", "WMS stock query (reconciliation)"),
]
USE_MODELS = {
    "carrier_booking": "stock.picking",
    "tracking": "stock.picking",
    "stock_query": "product.product",
}
# Fields a SOAP response may write, per model: a mapping never reaches state,
# quantities or anything governed.
WRITABLE_FIELDS = {
    "stock.picking": {
        "wms_soap_tracking_ref",
        "wms_soap_label_url",
        "wms_soap_charge",
        "wms_soap_tracking_status",
        "wms_soap_tracking_location",
    },
}
KEPT_ENVELOPE = 64 * 1024

# One gateway per service and configuration, per worker (the WSDL is parsed once).
_GATEWAYS: dict = {}
_GATEWAYS_LOCK = threading.Lock()


class WmsSoapService(models.Model):
    _name = "wms.soap.service"
    _description = "Partner SOAP Service"
    _inherit = ["wms.governed.mixin", "mail.thread"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        required=True,
        help="Short code: names the service's exchange types (letters, digits, '_').",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    active = fields.Boolean(default=True)
    wsdl_source = fields.Selection(
        [("url", "URL"), ("file", "Uploaded file")], default="url", required=True
    )
    wsdl_url = fields.Char("WSDL URL", tracking=True)
    wsdl_file = fields.Binary("WSDL File", attachment=True)
    wsdl_filename = fields.Char()
    environment = fields.Selection(
        [("test", "Test"), ("production", "Production")],
        default="test",
        required=True,
        tracking=True,
        help="Which endpoint calls go to.  The mapping's Test button calls the service "
        "only in the test environment.",
    )
    endpoint_test = fields.Char(
        "Test Endpoint", help="Overrides the WSDL's address in the test environment."
    )
    endpoint_production = fields.Char(
        "Production Endpoint", help="Overrides the WSDL's address in production."
    )
    auth_type = fields.Selection(
        [
            ("none", "None"),
            ("basic", "HTTP basic"),
            ("wsse_digest", "WS-Security UsernameToken (password digest)"),
            ("wsse_text", "WS-Security UsernameToken (password text)"),
            ("certificate", "Client certificate"),
        ],
        default="none",
        required=True,
        string="Authentication",
        tracking=True,
    )
    username = fields.Char()
    secret_env = fields.Char(
        "Secret Environment Variable",
        help="Name of the server's environment variable holding the password: secrets "
        "are never stored in the database.  WMS_BRIDGE_SECRET_ followed by uppercase "
        "letters, digits or underscores.",
    )
    secret_status = fields.Selection(
        [
            (credentials.SECRET_OK, "Set on the server"),
            (credentials.SECRET_NO_VARIABLE, "No variable named"),
            (credentials.SECRET_BAD_NAME, "Refused: the name lacks the WMS_BRIDGE_SECRET_ prefix"),
            (credentials.SECRET_UNSET, "Not set on the server (or empty)"),
            (credentials.SECRET_WHITESPACE, "Unusable: leading or trailing whitespace"),
            (credentials.SECRET_NOT_ASCII, "Unusable: characters outside printable ASCII"),
        ],
        compute="_compute_secret_status",
        groups=WMS_MANAGER,
    )
    cert_file = fields.Char(
        "Client Certificate File",
        groups=WMS_MANAGER,
        help="Path on the server of the PEM certificate (with its key, or see Key File).",
    )
    key_file = fields.Char("Client Key File", groups=WMS_MANAGER)
    ca_file = fields.Char(
        "CA Bundle File",
        groups=WMS_MANAGER,
        help="Path on the server of the CA certificates that sign the partner's server "
        "certificate, when it is a private CA (empty: the system's trusted CAs).",
    )
    load_timeout = fields.Float(
        default=30.0, help="Seconds to load the WSDL and its schemas (then retried)."
    )
    operation_timeout = fields.Float(
        default=30.0, help="Seconds each call may take before it is abandoned (then retried)."
    )
    max_retries = fields.Integer(default=5, help="Transient failures retried before parking.")
    retry_base_seconds = fields.Integer(
        default=60, help="First retry delay; doubled at each further attempt."
    )
    edi_backend_id = fields.Many2one("edi.backend", "EDI Backend", readonly=True, copy=False)
    trading_partner_id = fields.Many2one(
        "wms.trading.partner",
        "WMS Partner",
        domain="[('role', '=', '3pl'), ('company_id', '=', company_id)]",
        tracking=True,
        help="The 3PL whose WMS this service is: a stock query reconciles its answers "
        "against the stock of the warehouse this partner operates.",
    )
    operation_ids = fields.One2many("wms.soap.operation", "service_id", "Operations")
    check_state = fields.Selection(
        [("unknown", "Not checked"), ("ok", "WSDL loaded"), ("error", "Failed")],
        default="unknown",
        readonly=True,
        copy=False,
    )
    check_message = fields.Text(readonly=True, copy=False)

    _code_uniq = models.Constraint(
        "UNIQUE (company_id, code)", "A service code is unique within a company."
    )

    def _wms_protected_fields(self):
        return frozenset({"edi_backend_id", "check_state", "check_message"})

    # ------------------------------------------------------------- validation
    @api.depends("secret_env")
    def _compute_secret_status(self):
        for service in self:
            service.secret_status = credentials.secret_status(os.environ, service.secret_env)[0]

    @api.constrains("code")
    def _check_code(self):
        for service in self:
            if not service.code or not service.code.replace("_", "").isalnum():
                raise ValidationError(
                    self.env._(
                        "%(name)s: the code may hold letters, digits and '_' only.",
                        name=service.name,
                    )
                )

    @api.constrains("secret_env")
    def _check_secret_env(self):
        for service in self:
            status, _value = credentials.secret_status(os.environ, service.secret_env)
            if status == credentials.SECRET_BAD_NAME:
                raise ValidationError(
                    self.env._(
                        "%(name)s: secret variables must be named %(prefix)s followed by "
                        "uppercase letters, digits or underscores.",
                        name=service.name,
                        prefix=credentials.SECRET_ENV_PREFIX,
                    )
                )
            if status in (credentials.SECRET_WHITESPACE, credentials.SECRET_NOT_ASCII):
                raise ValidationError(
                    self.env._(
                        "%(name)s: the value of %(var)s on the server is unusable (surrounding "
                        "whitespace or characters outside printable ASCII).",
                        name=service.name,
                        var=service.secret_env,
                    )
                )

    @api.constrains("wsdl_url", "endpoint_test", "endpoint_production", "wsdl_source")
    def _check_urls(self):
        insecure = get_settings()["allow_insecure_http"]
        for service in self:
            urls = [service.endpoint_test, service.endpoint_production]
            if service.wsdl_source == "url":
                urls.append(service.wsdl_url or "")
            for url in filter(None, urls):
                problem = credentials.url_problem(url, allow_insecure=insecure)
                if problem:
                    raise ValidationError(
                        self.env._(
                            "%(name)s: %(url)s cannot be used (%(problem)s): SOAP URLs must be "
                            "https:// without credentials in them.",
                            name=service.name,
                            url=url,
                            problem=problem,
                        )
                    )

    @api.constrains("trading_partner_id", "company_id")
    def _check_trading_partner(self):
        for service in self.filtered("trading_partner_id"):
            partner = service.trading_partner_id
            if partner.role != "3pl" or partner.company_id != service.company_id:
                raise ValidationError(
                    self.env._(
                        "%(service)s: the WMS partner must be a 3PL of the service's company "
                        "(%(partner)s is not).",
                        service=service.name,
                        partner=partner.name,
                    )
                )

    # ---------------------------------------------------------------- records
    @api.model_create_multi
    def create(self, vals_list):
        services = super().create(vals_list)
        services._ensure_backend()
        return services

    def _ensure_backend(self):
        missing = self.filtered(lambda s: not s.edi_backend_id)
        if not missing:
            return
        backend_type = self.env.ref(BACKEND_TYPE_XMLID)
        # sudo: the framework's backends are configuration the bridge owns
        backends = self.env["edi.backend"].sudo().create(
            [
                {"name": f"SOAP: {s.name}", "backend_type_id": backend_type.id,
                 "company_id": s.company_id.id}
                for s in missing
            ]
        )  # fmt: skip
        for service, backend in zip(missing, backends, strict=True):
            governed(service).edi_backend_id = backend

    # ----------------------------------------------------------------- config
    def _endpoint(self):
        self.ensure_one()
        return self.endpoint_production if self.environment == "production" else self.endpoint_test

    def _wsdl_location(self):
        """A URL, or the uploaded file written once to a private temporary file."""
        self.ensure_one()
        if self.wsdl_source == "url":
            if not self.wsdl_url:
                raise UserError(self.env._("%(name)s has no WSDL URL.", name=self.name))
            return self.wsdl_url
        if not self.wsdl_file:
            raise UserError(self.env._("%(name)s has no WSDL file.", name=self.name))
        directory = os.path.join(tempfile.gettempdir(), f"wms_soap_{self.env.cr.dbname}")
        os.makedirs(directory, mode=0o700, exist_ok=True)
        path = os.path.join(directory, f"service_{self.id}.wsdl")
        content = base64.b64decode(self.sudo().wsdl_file)
        if not os.path.exists(path) or open(path, "rb").read() != content:  # noqa: SIM115
            with open(path, "wb") as handle:
                handle.write(content)
        return path

    def _config(self):
        self.ensure_one()
        service = self.sudo()  # certificate paths are manager-only fields
        _status, secret = credentials.secret_status(os.environ, service.secret_env)
        return sc.SoapConfig(
            wsdl=service._wsdl_location(),
            endpoint=service._endpoint() or None,
            auth=service.auth_type,
            username=service.username,
            password=secret or None,
            cert_file=service.cert_file or None,
            key_file=service.key_file or None,
            verify=service.ca_file or True,
            load_timeout=service.load_timeout or 30.0,
            operation_timeout=service.operation_timeout or 30.0,
            cache_path=self._cache_path(),
        )

    def _cache_path(self):
        """The service's own WSDL/XSD cache (SQLite), dropped by :meth:`_reset_gateway`."""
        directory = os.path.join(tempfile.gettempdir(), f"wms_soap_{self.env.cr.dbname}")
        os.makedirs(directory, mode=0o700, exist_ok=True)
        return os.path.join(directory, f"service_{self.id}_cache.sqlite")

    def _reset_gateway(self):
        """Forget the parsed WSDL (this worker) and the cached documents: the next
        call loads the WSDL again (after the partner changed it)."""
        with _GATEWAYS_LOCK:
            for service in self:
                for key in [k for k in _GATEWAYS if k[:2] == (self.env.cr.dbname, service.id)]:
                    del _GATEWAYS[key]
                with contextlib.suppress(FileNotFoundError):
                    os.remove(service._cache_path())

    def _gateway(self):
        """The service's adapter (cached per worker until the service changes)."""
        self.ensure_one()
        config = self._config()
        key = (self.env.cr.dbname, self.id, repr(config))
        with _GATEWAYS_LOCK:
            gateway = _GATEWAYS.get(key)
            if gateway is None:
                for old in [k for k in _GATEWAYS if k[:2] == key[:2]]:
                    del _GATEWAYS[old]
                gateway = _GATEWAYS[key] = sc.SoapGateway(config)
        return gateway

    def action_check_connection(self):
        """Load the WSDL and list its operations (managers)."""
        self._wms_check_action(self.env._("Checking a SOAP service"), [WMS_MANAGER])
        self._reset_gateway()
        for service in self:
            try:
                operations = service._gateway().operations()
                values = {"check_state": "ok",
                          "check_message": ", ".join(operations)}  # fmt: skip
            except Exception as error:
                values = {"check_state": "error",
                          "check_message": f"{type(error).__name__}: {error}"[:2000]}  # fmt: skip
            governed(service).write(values)
        return True

    def _backoff_at(self, attempts):
        self.ensure_one()
        base = max(self.retry_base_seconds, 1)
        return fields.Datetime.now() + timedelta(seconds=base * 2 ** max(attempts - 1, 0))


class WmsSoapOperation(models.Model):
    _name = "wms.soap.operation"
    _description = "SOAP Operation Mapping (versioned)"
    _inherit = ["wms.governed.mixin"]
    _order = "service_id, use, operation, version desc"

    service_id = fields.Many2one("wms.soap.service", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="service_id.company_id", store=True)
    name = fields.Char(required=True)
    operation = fields.Char(required=True, help="Operation name as the WSDL spells it.")
    use = fields.Selection(USES, default="manual", required=True)
    model_id = fields.Many2one(
        "ir.model",
        "Applies To",
        required=True,
        ondelete="cascade",
        domain=[("model", "in", list(WRITABLE_FIELDS))],
    )
    model = fields.Char(related="model_id.model")
    mapping = fields.Text(
        required=True,
        default='{\n  "request": {},\n  "response": {}\n}',
        help="JSON: request paths from field paths of the record (or =constants), "
        "response paths back to the record's fields (see the README).",
    )
    version = fields.Integer(default=1, readonly=True, copy=False)
    state = fields.Selection(
        [("draft", "Draft"), ("active", "Active"), ("archived", "Archived")],
        default="draft",
        readonly=True,
        copy=False,
    )
    previous_id = fields.Many2one("wms.soap.operation", readonly=True, copy=False)
    activated_by = fields.Many2one("res.users", readonly=True, copy=False)
    activated_at = fields.Datetime(readonly=True, copy=False)
    exchange_type_id = fields.Many2one("edi.exchange.type", readonly=True, copy=False)
    test_res_id = fields.Integer("Test Record ID", help="Record the Test button builds from.")
    test_request = fields.Text(readonly=True, copy=False)
    test_response = fields.Text(readonly=True, copy=False)

    def _wms_protected_fields(self):
        return frozenset(
            {"version", "state", "previous_id", "activated_by", "activated_at",
             "exchange_type_id", "test_request", "test_response"}
        )  # fmt: skip

    def write(self, vals):
        frozen = {"operation", "use", "model_id", "mapping", "service_id"} & set(vals)
        if frozen and not is_governed(self.env) and any(o.state != "draft" for o in self):
            raise UserError(
                self.env._(
                    "An activated mapping version cannot be changed: create a new version "
                    "(its history stays readable)."
                )
            )
        return super().write(vals)

    @api.constrains("mapping", "model_id", "use")
    def _check_mapping(self):
        for operation in self:
            try:
                mapping = parse_mapping(operation.mapping)
            except MappingError as error:
                raise ValidationError(
                    self.env._("%(name)s: %(error)s", name=operation.name, error=str(error))
                ) from None
            if operation.use == "stock_query":
                operation._check_stock_query_mapping(mapping)
                continue
            allowed = WRITABLE_FIELDS.get(operation.model_id.model, set())
            refused = set(mapping.response) - allowed
            if refused:
                raise ValidationError(
                    self.env._(
                        "%(name)s: a response may only write %(allowed)s (not %(refused)s).",
                        name=operation.name,
                        allowed=", ".join(sorted(allowed)),
                        refused=", ".join(sorted(refused)),
                    )
                )

    def _check_stock_query_mapping(self, mapping):
        """A stock query reads the WMS's answer into a stock report (never into
        fields): its response keys are ``sku``, ``quantity`` and optionally ``lot``
        and ``uom``; it asks about products."""
        if self.model_id.model != "product.product":
            raise ValidationError(
                self.env._("%(name)s: a stock query applies to products.", name=self.name)
            )
        unknown = set(mapping.response) - set(SOAP_STOCK_KEYS)
        missing = set(SOAP_STOCK_REQUIRED) - set(mapping.response)
        if unknown or missing:
            raise ValidationError(
                self.env._(
                    "%(name)s: a stock query's response reads %(keys)s (%(required)s required; "
                    "unknown: %(unknown)s, missing: %(missing)s).",
                    name=self.name,
                    keys=", ".join(SOAP_STOCK_KEYS),
                    required=", ".join(SOAP_STOCK_REQUIRED),
                    unknown=", ".join(sorted(unknown)) or "-",
                    missing=", ".join(sorted(missing)) or "-",
                )
            )

    @api.onchange("use")
    def _onchange_use(self):
        model = USE_MODELS.get(self.use)
        if model:
            self.model_id = self.env["ir.model"]._get(model)

    # ------------------------------------------------------------- versions
    def action_new_version(self):
        """A draft copy with the next version number (managers)."""
        self._wms_check_action(self.env._("Versioning a SOAP mapping"), [WMS_MANAGER])
        self.ensure_one()
        copy = self.copy({"name": self.name})
        governed(copy).write({"version": self.version + 1, "previous_id": self.id})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": copy.id,
            "view_mode": "form",
        }

    def action_activate(self):
        """Activate draft versions (managers): the operation must exist in the WSDL;
        the version it replaces is archived."""
        self._wms_check_action(self.env._("Activating a SOAP mapping"), [WMS_MANAGER])
        for operation in self:
            if operation.state != "draft":
                raise UserError(self.env._("Only a draft version can be activated."))
            operation.service_id._reset_gateway()  # checked against the WSDL as it is now
            known = operation.service_id._gateway().operations()
            if operation.operation not in known:
                raise UserError(
                    self.env._(
                        "%(op)s is not an operation of %(service)s (its WSDL offers: %(ops)s).",
                        op=operation.operation,
                        service=operation.service_id.name,
                        ops=", ".join(known),
                    )
                )
            previous = self.search(
                [
                    ("service_id", "=", operation.service_id.id),
                    ("use", "=", operation.use),
                    ("operation", "=", operation.operation),
                    ("state", "=", "active"),
                ]
            )
            governed(previous).write({"state": "archived"})
            governed(operation).write(
                {
                    "state": "active",
                    "activated_by": self.env.uid,
                    "activated_at": fields.Datetime.now(),
                    "exchange_type_id": operation._exchange_type().id,
                }
            )
        return True

    def _exchange_type(self):
        """``wms_soap_<service code>_<operation>``: one exchange type per operation."""
        self.ensure_one()
        code = f"wms_soap_{self.service_id.code}_{self.operation}".lower()
        Type = self.env["edi.exchange.type"].sudo()  # framework configuration
        backend_type = self.env.ref(BACKEND_TYPE_XMLID)
        found = Type.search(
            [("code", "=", code), ("backend_id", "=", self.service_id.edi_backend_id.id)]
        )
        return found or Type.create(
            {
                "name": f"SOAP {self.service_id.name}: {self.operation}",
                "code": code,
                "direction": "output",
                "backend_type_id": backend_type.id,
                "backend_id": self.service_id.edi_backend_id.id,
                "exchange_file_ext": "xml",
                "send_model_id": self.env["ir.model"]._get(SEND_HANDLER).id,
            }
        )

    def action_test(self):
        """Show the request the mapping builds for the test record (nothing sent);
        in the test environment, call the service and show its response too."""
        self._wms_check_action(self.env._("Testing a SOAP mapping"), [WMS_MANAGER])
        self.ensure_one()
        record = self.env[self.model_id.model].browse(self.test_res_id).exists()
        if not record:
            raise UserError(self.env._("Set the id of an existing record to test with."))
        mapping = parse_mapping(self.mapping)
        payload = build_request(mapping, _gather(record, source_paths(mapping))[record.id])
        gateway = self.service_id._gateway()
        preview = gateway.preview(self.operation, payload)
        values = {"test_request": preview.request_xml or preview.detail, "test_response": False}
        if preview.ok and self.service_id.environment == "test":
            result = gateway.call(self.operation, payload)
            values["test_response"] = result.response_xml or result.detail
        governed(self).write(values)
        return True

    # ------------------------------------------------------------------ calls
    def _active_for(self, use, company):
        return self.search(
            [("use", "=", use), ("state", "=", "active"), ("company_id", "=", company.id)]
        )

    def _call(self, records):
        """Call the operation for each of ``records``, log every call as an exchange
        record on it, write what the responses map back; returns the exchange records.

        Values are gathered for every record in one pass, exchange records created in
        one batch, and response values written with one write per record."""
        self.ensure_one()
        if not records:
            return self.env["edi.exchange.record"]
        mapping = parse_mapping(self.mapping)
        results = self._call_each(records, mapping)
        exchanges = self._log(results, attempts=1)
        self._apply(results, mapping, exchanges)
        return exchanges

    def _call_each(self, records, mapping):
        """``[(record, request, result)]``: the values of every record gathered in
        one pass, then one call each through the service's adapter."""
        values = _gather(records, source_paths(mapping))
        gateway = self.service_id._gateway()
        results = []
        for record in records:
            payload = build_request(mapping, values[record.id])
            results.append((record, payload, gateway.call(self.operation, payload)))
        return results

    def _log(self, results, attempts):
        service = self.service_id
        type_ = self.exchange_type_id or self._exchange_type()
        now = fields.Datetime.now()
        vals_list = []
        for record, payload, result in results:
            vals = _exchange_values(result, attempts, service)
            vals.update(
                {
                    "type_id": type_.id,
                    "backend_id": service.edi_backend_id.id,
                    # the business record as the framework keeps it (its related
                    # records), in the same batch: model/res_id follow from it
                    "related_record_ids": [
                        Command.create({"model": record._name, "res_id": record.id})
                    ],
                    "company_id": service.company_id.id,
                    "exchanged_on": now,
                    "wms_soap_operation_id": self.id,
                    "wms_soap_payload": payload,
                }
            )
            vals_list.append(vals)
        # the call log is the record itself: no creation message, no tracking; the
        # framework's identifiers reserved in one query for the whole batch
        Record = self.env["edi.exchange.record"].sudo()
        identifiers = Record._wms_reserve_identifiers(len(vals_list))
        Record = Record.with_context(
            tracking_disable=True,
            mail_create_nolog=True,
            mail_notrack=True,
            wms_soap_identifiers=identifiers,
        )
        return create_governed(Record, vals_list)

    def _apply(self, results, mapping, exchanges):
        """Response values onto the business records; a response the mapping cannot
        read parks its exchange (permanent: the mapping must change).  A stock query
        writes nothing back: its answers make a reconciliation (``_query_stock``)."""
        if self.use == "stock_query":
            return
        unreadable = {}
        same_values = defaultdict(list)  # one write per distinct set of values
        for (record, _payload, result), exchange in zip(results, exchanges, strict=True):
            if not result.ok:
                continue
            try:
                values = read_response(mapping, result.response)
            except MappingError as error:
                unreadable[exchange] = str(error)
                continue
            if values:
                converted = {k: _field_value(record, k, v) for k, v in values.items()}
                same_values[tuple(sorted(converted.items(), key=repr))].append(record.id)
        for exchange, error in unreadable.items():
            governed(exchange).write(
                {"edi_exchange_state": "output_sent_and_error",
                 "exchange_error": error, "wms_soap_outcome": "mapping"}
            )  # fmt: skip
        if not results:
            return
        model = results[0][0]
        for values, ids in same_values.items():
            # sudo: the fields are the allow-listed SOAP fields of the records
            model.browse(ids).sudo().write(dict(values))

    # ------------------------------------------------------------ stock query
    def action_query_stock(self):
        """Ask the WMS for the stock of every product of its partner's warehouse
        now (integration users): a reconciliation when every answer was read."""
        _check_groups(self.env, self.env._("Querying a WMS's stock"), [WMS_USER, WMS_MANAGER])
        self.check_access("read")
        self.ensure_one()
        # sudo: the caller's group and read access to this operation (company rules)
        # were checked above; the query logs framework records and creates the
        # reconciliation, which integration users cannot write themselves, and it
        # books nothing (an inventory manager applies the differences)
        reconciliation, error = self.sudo()._query_stock()
        if reconciliation:
            return {
                "type": "ir.actions.act_window",
                "res_model": reconciliation._name,
                "res_id": reconciliation.id,
                "view_mode": "form",
            }
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"title": self.env._("No reconciliation"), "message": error,
                       "type": "warning", "sticky": True},
        }  # fmt: skip

    def _stock_query_products(self, partner):
        """Products with stock in the partner's warehouses (one grouped read)."""
        groups = self.env["stock.quant"]._read_group(
            [
                ("location_id", "child_of", partner.warehouse_ids.lot_stock_id.ids),
                ("product_id.is_storable", "=", True),
            ],
            ["product_id"],
        )
        return self.env["product.product"].union(*(product for (product,) in groups))

    def _query_stock(self):
        """One call per product, each logged on its product; when every call was
        answered and read, one reconciliation of the partner's warehouse from all
        the answers (a partial answer would show false differences, so a failed call
        makes none: the query runs again as a whole).  Returns (reconciliation,
        error text)."""
        self.ensure_one()
        Reconciliation = self.env["wms.stock.reconciliation"]
        partner = self.service_id.trading_partner_id
        if self.use != "stock_query" or self.state != "active" or not partner:
            return Reconciliation, self.env._(
                "%(name)s is not an active stock query of a service with a WMS partner.",
                name=self.name,
            )
        products = self._stock_query_products(partner)
        if not products:
            return Reconciliation, self.env._("No product has stock in the partner's warehouse.")
        mapping = parse_mapping(self.mapping)
        results = self._call_each(products, mapping)
        exchanges = self._log(results, attempts=1)
        failed = exchanges.filtered(lambda e: e.edi_exchange_state != "output_sent_and_processed")
        if failed:
            # not retried call by call: the next query asks again for every product
            governed(failed).write(
                {"edi_exchange_state": "output_sent_and_error", "wms_soap_next_attempt": False}
            )
            return Reconciliation, self.env._(
                "%(count)s of %(total)s calls failed (see their exchange records): "
                "no reconciliation, the stock query runs again as a whole.",
                count=len(failed),
                total=len(exchanges),
            )
        try:
            answers = [
                (product.default_code or product.display_name,
                 read_response(mapping, result.response))
                for product, _payload, result in results
            ]  # fmt: skip
            report = stock_report_from_soap(
                answers,
                partner.mapping_version_id.product_code,
                ref=f"{self.service_id.code} {exchanges[:1].identifier}",
            )
            with self.env.cr.savepoint():
                reconciliation = Reconciliation._reconcile_stock_report(
                    partner,
                    partner.mapping_version_id,
                    report,
                    {"soap_exchange_record_ids": [Command.set(exchanges.ids)]},
                )
        except (MappingError, ValueError, WmsMappingError) as error:
            governed(exchanges).write(
                {"edi_exchange_state": "output_sent_and_error",
                 "exchange_error": str(error), "wms_soap_outcome": "mapping"}
            )  # fmt: skip
            return Reconciliation, str(error)
        return reconciliation, ""

    @api.model
    def _cron_wms_soap_query_stock(self):
        # sudo: a scheduled action of the bridge, over every company's active queries
        for operation in self.sudo().search(
            [("use", "=", "stock_query"), ("state", "=", "active")]
        ):
            operation._query_stock()


def _check_groups(env, action, group_xmlids):
    """Refuse ``action`` to a user outside every one of ``group_xmlids`` (server code
    running as superuser passes)."""
    if env.su or any(env.user.has_group(xmlid) for xmlid in group_xmlids):
        return
    # sudo: the groups' names, for the message only
    groups = ", ".join(env.ref(xmlid).sudo().full_name for xmlid in group_xmlids)
    raise AccessError(env._("%(action)s is reserved to: %(groups)s.", action=action, groups=groups))


def _gather(records, paths):
    """``{record id: {field path: value}}`` for every record, one pass per path
    (the ORM prefetches each level for all records)."""
    values = {record.id: {} for record in records}
    for path in paths:
        for record in records:
            target = record.mapped(path.rsplit(".", 1)[0]) if "." in path else record
            name = path.rsplit(".", 1)[-1]
            value = target[:1][name] if target else False
            if isinstance(value, models.BaseModel):
                value = value.display_name
            values[record.id][path] = value
    return values


def _field_value(record, name, value):
    field = record._fields[name]
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    if field.type in ("char", "text", "selection") and value is not None:
        return str(value)
    if field.type in ("float", "monetary") and value not in (None, ""):
        return float(value)
    return value


def _exchange_values(result, attempts, service):
    masked_request = (result.request_xml or "")[:KEPT_ENVELOPE]
    masked_response = (result.response_xml or "")[:KEPT_ENVELOPE]
    values = {
        "wms_soap_request": masked_request,
        "wms_soap_response": masked_response,
        "wms_soap_duration_ms": round(result.duration_ms, 2),
        "wms_soap_outcome": result.kind,
        "wms_soap_attempts": attempts,
        "wms_soap_next_attempt": False,
    }
    if result.ok:
        values.update({"edi_exchange_state": "output_sent_and_processed", "exchange_error": False})
    elif result.transient and attempts < service.max_retries:
        values.update(
            {
                "edi_exchange_state": "output_error_on_send",
                "exchange_error": result.detail,
                "wms_soap_next_attempt": service._backoff_at(attempts),
            }
        )
    else:
        reason = result.detail
        if result.transient:
            reason = f"{reason} (parked after {attempts} attempts)"
        values.update({"edi_exchange_state": "output_sent_and_error", "exchange_error": reason})
    return values


class _ReservedIdentifiers:
    """Identifiers reserved for one batch of call logs (an object an RPC caller
    cannot put in a context)."""

    def __init__(self, identifiers):
        self._items = iter(list(identifiers))

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._items)


class EdiExchangeRecord(models.Model):
    _inherit = "edi.exchange.record"  # pylint: disable=consider-merging-classes-inherited

    wms_soap_operation_id = fields.Many2one("wms.soap.operation", readonly=True, index=True)
    wms_soap_payload = fields.Json(readonly=True)
    wms_soap_request = fields.Text("SOAP Request", readonly=True)
    wms_soap_response = fields.Text("SOAP Response", readonly=True)
    wms_soap_duration_ms = fields.Float("Duration (ms)", readonly=True)
    wms_soap_outcome = fields.Char("SOAP Outcome", readonly=True)
    wms_soap_attempts = fields.Integer(readonly=True)
    wms_soap_next_attempt = fields.Datetime(readonly=True, index=True)

    @api.model
    def _get_identifier(self):
        reserved = self.env.context.get("wms_soap_identifiers")
        if isinstance(reserved, _ReservedIdentifiers):  # never from an RPC caller
            identifier = next(reserved, None)
            if identifier:
                return identifier
        return super()._get_identifier()

    @api.model
    def _wms_reserve_identifiers(self, count):
        """``count`` identifiers of the framework's sequence in one query (its own
        ``next_by_code`` costs a search and a query per record), or None when the
        sequence is not a plain PostgreSQL sequence."""
        sequence = (
            self.env["ir.sequence"]
            .sudo()
            .search(
                [("code", "=", "edi.exchange"), ("company_id", "in", [self.env.company.id, False])],
                order="company_id",
                limit=1,
            )
        )
        if not sequence or sequence.implementation != "standard" or sequence.use_date_range:
            return None
        self.env.cr.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            [f"ir_sequence_{sequence.id:03d}", count],
        )
        numbers = [number for (number,) in self.env.cr.fetchall()]
        return _ReservedIdentifiers(sequence.get_next_char(n) for n in numbers)

    def _wms_soap_driven(self):
        return self.filtered(lambda r: r.backend_id.backend_type_id.code == "wms_soap")

    @api.model_create_multi
    def create(self, vals_list):
        if not is_governed(self.env):
            backends = (
                self.env["edi.backend"]
                .sudo()
                .browse([v["backend_id"] for v in vals_list if v.get("backend_id")])
            )
            if any(b.backend_type_id.code == "wms_soap" for b in backends):
                raise ValidationError(self.env._("SOAP calls are logged by the bridge only."))
        return super().create(vals_list)

    def write(self, vals):
        if not is_governed(self.env) and set(vals) - {"active"} and self.sudo()._wms_soap_driven():
            raise ValidationError(
                self.env._("The log of a SOAP call cannot be changed: use Retry on it.")
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_soap_log(self):
        if not is_governed(self.env) and self.sudo()._wms_soap_driven():
            raise ValidationError(self.env._("The log of a SOAP call cannot be deleted."))

    def action_wms_soap_retry(self):
        """Call again now (integration users): failed SOAP calls only."""
        _check_groups(self.env, self.env._("Retrying a SOAP call"), [WMS_USER, WMS_MANAGER])
        # sudo: only the use of the calls' operations is read, to refuse
        if "stock_query" in self.sudo().mapped("wms_soap_operation_id.use"):
            raise UserError(
                self.env._(
                    "A WMS stock query is not retried call by call (a partial answer would "
                    "show false differences): run Query Stock Now on its mapping."
                )
            )
        self.check_access("write")
        failed = (
            self.sudo()
            ._wms_soap_driven()
            .filtered(
                lambda r: r.edi_exchange_state in ("output_error_on_send", "output_sent_and_error")
            )
        )
        failed._wms_soap_retry()
        return True

    def _wms_soap_retry(self):
        """Call each again with its stored request; outcome written in one batch per
        record (the call itself is per record)."""
        for exchange in self:
            operation = exchange.wms_soap_operation_id
            service = operation.service_id
            result = service._gateway().call(operation.operation, exchange.wms_soap_payload or {})
            attempts = exchange.wms_soap_attempts + 1
            governed(exchange).write(_exchange_values(result, attempts, service))
            record = exchange.record
            if result.ok and record:
                operation._apply(
                    [(record, None, result)], parse_mapping(operation.mapping), exchange
                )

    @api.model
    def _cron_wms_soap_retry(self, limit=200):
        due = self.sudo().search(
            [
                ("wms_soap_next_attempt", "<=", fields.Datetime.now()),
                ("edi_exchange_state", "=", "output_error_on_send"),
            ],
            limit=limit,
            order="wms_soap_next_attempt",
        )
        due._wms_soap_retry()
        return len(due)


class StockPicking(models.Model):
    _inherit = "stock.picking"

    wms_soap_tracking_ref = fields.Char("Carrier Tracking Number", readonly=True, copy=False)
    wms_soap_label_url = fields.Char("Carrier Label", readonly=True, copy=False)
    wms_soap_charge = fields.Float("Carrier Charge", readonly=True, copy=False)
    wms_soap_tracking_status = fields.Char("Carrier Status", readonly=True, copy=False)
    wms_soap_tracking_location = fields.Char(
        "Carrier Location (SOAP Tracking)", readonly=True, copy=False
    )
    wms_soap_booked_at = fields.Datetime("Booked With Carrier", readonly=True, copy=False)

    def _wms_soap_fields(self):
        return WRITABLE_FIELDS["stock.picking"] | {"wms_soap_booked_at"}

    def write(self, vals):
        guarded = self._wms_soap_fields() & set(vals)
        if guarded and not self.env.su and not is_governed(self.env):
            raise ValidationError(
                self.env._(
                    "Carrier fields (%(fields)s) are written by the carrier service only.",
                    fields=", ".join(sorted(guarded)),
                )
            )
        return super().write(vals)

    def action_wms_soap_book(self):
        """Book these deliveries with the company's active carrier booking operation
        (stock users)."""
        _check_groups(self.env, self.env._("Booking with a carrier"), ["stock.group_stock_user"])
        self.check_access("write")
        self._wms_soap_book()
        return True

    def _wms_soap_book(self):
        todo = self.filtered(
            lambda p: (
                p.picking_type_code == "outgoing"
                and p.state == "assigned"
                and not p.wms_soap_booked_at
            )
        )
        Operation = self.env["wms.soap.operation"].sudo()
        exchanges = self.env["edi.exchange.record"]
        for company, pickings in todo.grouped("company_id").items():
            operation = Operation._active_for("carrier_booking", company)[:1]
            if not operation:
                continue
            exchanges |= operation._call(pickings.sudo())
            booked = exchanges.filtered(
                lambda e: e.edi_exchange_state == "output_sent_and_processed"
            ).mapped("res_id")
            governed(self.browse(booked).sudo()).write(
                {"wms_soap_booked_at": fields.Datetime.now()}
            )
        return exchanges

    @api.model
    def _cron_wms_soap_book(self, limit=500):
        ready = self.sudo().search(
            [
                ("picking_type_code", "=", "outgoing"),
                ("state", "=", "assigned"),
                ("wms_soap_booked_at", "=", False),
                (
                    "company_id",
                    "in",
                    self.env["wms.soap.operation"]
                    .sudo()
                    .search([("use", "=", "carrier_booking"), ("state", "=", "active")])
                    .company_id.ids,
                ),
            ],
            limit=limit,
        )
        return governed(ready)._wms_soap_book()

    @api.model
    def _cron_wms_soap_track(self, limit=500):
        Operation = self.env["wms.soap.operation"].sudo()
        for operation in Operation.search([("use", "=", "tracking"), ("state", "=", "active")]):
            booked = self.sudo().search(
                [
                    ("company_id", "=", operation.company_id.id),
                    ("wms_soap_tracking_ref", "!=", False),
                    ("wms_soap_tracking_status", "not in", ("delivered", "Delivered")),
                ],
                limit=limit,
            )
            operation._call(governed(booked))


class WmsBridgeSoapHandler(models.AbstractModel):
    """The framework's *send* for a SOAP exchange type: call again with the stored
    request (the framework's crons skip SOAP backends: our crons book, track and
    retry; this runs when a person sends a record from the framework's screens)."""

    _name = SEND_HANDLER
    _description = "WMS Bridge SOAP handler"
    _inherit = ["edi.oca.handler.send"]

    def send(self, exchange_record):
        exchange_record.action_wms_soap_retry()


class EdiBackend(models.Model):
    _inherit = "edi.backend"  # pylint: disable=consider-merging-classes-inherited

    def _check_output_exchange_sync(self, *args, **kwargs):
        """Backends of type wms_soap are driven by the bridge's SOAP crons."""
        others = self.filtered(lambda b: b.backend_type_id.code != "wms_soap")
        return super(EdiBackend, others)._check_output_exchange_sync(*args, **kwargs)
