import logging
import os
import re
import uuid

import requests

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import credentials
from ..engine.edifact import EdifactEnvelope
from ..engine.x12 import Envelope, Separators
from ..tools.exceptions import PermanentTransportError, TransientTransportError
from ..tools.settings import get_settings

_logger = logging.getLogger(__name__)

DOCUMENT_TYPES = [
    ("940", "940 Warehouse Shipping Order"),
    ("945", "945 Warehouse Shipping Advice"),
    ("943", "943 Stock Transfer Shipment Advice"),
    ("944", "944 Stock Transfer Receipt Advice"),
    ("846", "846 Inventory Advice"),
    ("856", "856 Ship Notice (ASN)"),
    ("214", "214 Shipment Status"),
    ("997", "997 Functional Acknowledgment"),
    ("999", "999 Implementation Acknowledgment"),
    ("TA1", "TA1 Interchange Acknowledgment"),
    ("ORDERS", "EDIFACT ORDERS"),
    ("DESADV", "EDIFACT DESADV"),
    ("INVRPT", "EDIFACT INVRPT"),
    ("CONTRL", "EDIFACT CONTRL"),
    ("x12", "X12 interchange"),
    ("edifact", "EDIFACT interchange"),
]
# Direction of each business document seen from Odoo.
DOCUMENT_DIRECTIONS = {
    "940": "out",
    "943": "out",
    "856": "out",
    "DESADV": "out",
    "945": "in",
    "944": "in",
    "846": "in",
    "214": "in",
    "ORDERS": "in",
    "INVRPT": "in",
}
# HTTP statuses worth retrying besides 5xx.
TRANSIENT_HTTP = {408, 425, 429}
# Secret statuses that make a variable's value unusable (its name is fine).
_UNUSABLE = (credentials.SECRET_WHITESPACE, credentials.SECRET_NOT_ASCII)
# Path element of the inbound URL: /wms_bridge/inbound/<inbound_code>.
INBOUND_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
INBOUND_PATH = "/wms_bridge/inbound/"
WMS_MANAGER = "wms_bridge.group_wms_bridge_manager"
SECRET_STATUSES = [
    (credentials.SECRET_OK, "Set on the server"),
    (credentials.SECRET_NO_VARIABLE, "No variable named"),
    (credentials.SECRET_BAD_NAME, "Refused: the name lacks the WMS_BRIDGE_SECRET_ prefix"),
    (credentials.SECRET_UNSET, "Not set on the server (or empty)"),
    (credentials.SECRET_WHITESPACE, "Unusable: leading or trailing whitespace (a newline?)"),
    (credentials.SECRET_NOT_ASCII, "Unusable: characters outside printable ASCII"),
]


class WmsTradingPartner(models.Model):
    _name = "wms.trading.partner"
    _description = "EDI Trading Partner"
    _inherit = ["mail.thread", "wms.governed.mixin"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one("res.partner", required=True, ondelete="restrict", tracking=True)
    role = fields.Selection(
        [("3pl", "3PL warehouse"), ("carrier", "Carrier"), ("customer", "Customer")],
        required=True,
        default="3pl",
        tracking=True,
    )
    responsible_user_id = fields.Many2one(
        "res.users",
        string="Integration Contact",
        help="Receives the activities raised by this partner's failed exchanges; "
        "defaults to the first member of the Integration User group.",
    )
    # ---- identifiers
    standard = fields.Selection(
        [("x12", "ANSI X12"), ("edifact", "UN/EDIFACT")], required=True, default="x12"
    )
    isa_qualifier = fields.Char("ISA Qualifier", default="ZZ", size=2)
    isa_id = fields.Char("ISA Id", help="The partner's interchange id (ISA06/ISA08).")
    gs_code = fields.Char("GS Code", help="Application code of the partner (GS02/GS03).")
    our_isa_qualifier = fields.Char("Our ISA Qualifier", default="ZZ", size=2)
    our_isa_id = fields.Char("Our ISA Id")
    our_gs_code = fields.Char("Our GS Code")
    x12_version = fields.Selection([("004010", "004010"), ("005010", "005010")], default="005010")
    element_separator = fields.Char(default="*", size=1)
    component_separator = fields.Char(default=">", size=1)
    repetition_separator = fields.Char(default="^", size=1)
    segment_terminator = fields.Char(default="~", size=1)
    edifact_party_id = fields.Char("EDIFACT Party Id", help="UNB sender id, NAD party id")
    edifact_qualifier = fields.Char("EDIFACT Qualifier", default="14")
    our_edifact_id = fields.Char("Our EDIFACT Id")
    our_edifact_qualifier = fields.Char(default="14")
    last_control_number = fields.Integer(
        copy=False,
        readonly=True,
        tracking=True,
        help="Last interchange control number we used (ISA13/UNB05).",
    )
    # ---- what is exchanged
    document_ids = fields.One2many("wms.trading.partner.document", "trading_partner_id")
    warehouse_ids = fields.Many2many(
        "stock.warehouse",
        string="Operated Warehouses",
        help="Warehouses this 3PL operates: their deliveries send a 940, their receipts a 943.",
    )
    send_asn = fields.Boolean(
        "Wants ASNs", help="Send an 856 (or DESADV) when this customer's delivery is done."
    )
    # ---- transport
    transport = fields.Selection(
        [("directory", "Directory drop"), ("http", "HTTP(S) POST")],
        required=True,
        default="directory",
    )
    drop_folder = fields.Char(
        help="Folder under the [wms_bridge] drop_root option holding inbox/, outbox/ "
        "and archive/ for this partner."
    )
    http_url = fields.Char(
        "URL",
        help="https:// only (http:// when the [wms_bridge] allow_insecure_http option of "
        "a test or development server allows it), without credentials in it, and on "
        "a host of the company's allow-list when it has one (Settings).",
    )
    http_auth = fields.Selection(
        [("none", "None"), ("basic", "Basic"), ("bearer", "Bearer token")],
        default="none",
        string="Authentication",
    )
    http_username = fields.Char("Username")
    http_secret_env = fields.Char(
        "Secret Environment Variable",
        help="Name of the environment variable of the Odoo server holding the password "
        "or token: secrets are never stored in the database.  It must start with "
        "WMS_BRIDGE_SECRET_ followed by uppercase letters, digits or underscores; the "
        "value must be printable ASCII without leading or trailing whitespace.",
    )
    http_secret_status = fields.Selection(
        SECRET_STATUSES,
        "Secret Status",
        compute="_compute_secret_status",
        groups=WMS_MANAGER,
        help="Whether the server holds a usable secret in that variable (the value is "
        "never shown).",
    )
    timeout = fields.Float(
        help="Seconds before a call is abandoned (then retried); 0 uses the "
        "[wms_bridge] http_timeout option."
    )
    max_retries = fields.Integer(default=5, help="Transient failures retried before parking.")
    retry_base_seconds = fields.Integer(
        default=60, help="First retry delay; doubled at each further attempt."
    )
    # ---- receiving over HTTP(S): the partner POSTs to our endpoint
    inbound_code = fields.Char(
        copy=False,
        help="Path element of the URL where this partner POSTs its interchanges "
        "(/wms_bridge/inbound/<code>): letters, digits, '.', '_', '-'. "
        "Empty: the partner cannot POST to us.",
    )
    inbound_auth = fields.Selection(
        [("bearer", "Bearer token"), ("basic", "Basic")],
        default="bearer",
        required=True,
        string="Inbound Authentication",
    )
    inbound_username = fields.Char(help="User name the partner sends with basic authentication.")
    inbound_secret_env = fields.Char(
        "Inbound Secret Environment Variable",
        copy=False,
        help="Name of the environment variable of the Odoo server holding the token or "
        "password the partner must send: secrets are never stored in the database. "
        "Not set, or the variable unset or empty on the server: every request is refused. "
        "It must start with WMS_BRIDGE_SECRET_ followed by uppercase letters, digits or "
        "underscores; the value must be printable ASCII without leading or trailing "
        "whitespace.",
    )
    inbound_secret_status = fields.Selection(
        SECRET_STATUSES,
        compute="_compute_secret_status",
        groups=WMS_MANAGER,
        help="Whether the server holds a usable secret in that variable (the value is "
        "never shown).",
    )
    inbound_url = fields.Char(
        "Inbound URL",
        compute="_compute_inbound_url",
        help="Where the partner POSTs its interchanges (one per request).",
    )
    ack_timeout_hours = fields.Float(
        "Acknowledgment Timeout (h)",
        default=24.0,
        help="An exchange sent and not acknowledged after this time raises an alert.",
    )
    # ---- mappings
    mapping_version_ids = fields.One2many("wms.mapping.version", "trading_partner_id")
    mapping_version_id = fields.Many2one(
        "wms.mapping.version", compute="_compute_mapping_version_id", string="Current Mapping"
    )
    product_code_ids = fields.One2many("wms.partner.product.code", "trading_partner_id")
    exchange_ids = fields.One2many("wms.exchange", "trading_partner_id")
    exchange_count = fields.Integer(compute="_compute_exchange_count")

    _inbound_code_unique = models.Constraint(
        "UNIQUE(inbound_code)", "The inbound code designates one trading partner."
    )

    @api.depends("mapping_version_ids.version", "mapping_version_ids.active")
    def _compute_mapping_version_id(self):
        for partner in self:
            versions = partner.mapping_version_ids.sorted("version", reverse=True)
            partner.mapping_version_id = versions[:1]

    def _compute_exchange_count(self):
        counts = dict(
            self.env["wms.exchange"]._read_group(
                [("trading_partner_id", "in", self.ids)], ["trading_partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.exchange_count = counts.get(partner, 0)

    @api.depends("http_secret_env", "inbound_secret_env")
    def _compute_secret_status(self):
        for partner in self:
            partner.http_secret_status = credentials.secret_status(
                os.environ, partner.http_secret_env
            )[0]
            partner.inbound_secret_status = credentials.secret_status(
                os.environ, partner.inbound_secret_env
            )[0]

    @api.depends("inbound_code")
    def _compute_inbound_url(self):
        base = self.get_base_url() if self else ""
        for partner in self:
            partner.inbound_url = (
                f"{base.rstrip('/')}{INBOUND_PATH}{partner.inbound_code}"
                if partner.inbound_code
                else False
            )

    @api.constrains("inbound_code")
    def _check_inbound_code(self):
        for partner in self.filtered("inbound_code"):
            if not INBOUND_CODE.fullmatch(partner.inbound_code):
                raise ValidationError(
                    self.env._(
                        "%(name)s: the inbound code takes letters, digits, '.', '_' and '-' "
                        "(64 at most).",
                        name=partner.name,
                    )
                )

    @api.constrains("drop_folder", "transport")
    def _check_drop_folder(self):
        for partner in self.filtered(lambda p: p.transport == "directory"):
            folder = partner.drop_folder or ""
            if not folder or os.path.isabs(folder) or ".." in folder.split(os.sep):
                raise ValidationError(
                    self.env._(
                        "%(name)s: the drop folder must be a relative name under drop_root.",
                        name=partner.name,
                    )
                )

    @api.constrains("http_url", "transport", "company_id")
    def _check_http_url(self):
        """The URL our documents and the partner's secret go to: https (unless the
        test/development switch is on), no credentials in it, on the company's
        allow-list of hosts when it keeps one."""
        for partner in self:
            if partner.transport != "http" and not partner.http_url:
                continue
            problem = partner._outbound_url_problem()
            if problem:
                raise ValidationError(problem)

    @api.constrains("http_secret_env", "inbound_secret_env")
    def _check_secret_env(self):
        """Secret variables carry the WMS_BRIDGE_SECRET_ prefix (a partner never names
        a server secret such as the database password), and a value already set on
        the server must be usable: printable ASCII without surrounding whitespace."""
        for partner in self:
            for name in (partner.http_secret_env, partner.inbound_secret_env):
                status, _value = credentials.secret_status(os.environ, name)
                if status in (credentials.SECRET_BAD_NAME, *_UNUSABLE):
                    raise ValidationError(partner._secret_problem(status, name))

    def _secret_problem(self, status, name):
        """Message for a secret that cannot be used (never its value)."""
        self.ensure_one()
        if status == credentials.SECRET_BAD_NAME:
            return self.env._(
                "%(name)s: the secret variable %(var)s is refused. Secret variables must be "
                "named %(prefix)s followed by uppercase letters, digits or underscores "
                "(for example %(prefix)sWEST_RENO), so that a partner can never point at "
                "another secret of the server.",
                name=self.name,
                var=name,
                prefix=credentials.SECRET_ENV_PREFIX,
            )
        if status == credentials.SECRET_WHITESPACE:
            return self.env._(
                "%(name)s: the value of %(var)s on the server starts or ends with "
                "whitespace (often a trailing newline from the file it was read from): "
                "set it again without it.",
                name=self.name,
                var=name,
            )
        if status == credentials.SECRET_NOT_ASCII:
            return self.env._(
                "%(name)s: the value of %(var)s on the server holds characters outside "
                "printable ASCII: partners could never send it as is.",
                name=self.name,
                var=name,
            )
        if status == credentials.SECRET_NO_VARIABLE:
            return self.env._("%(name)s: no secret environment variable is named.", name=self.name)
        return self.env._(
            "%(name)s: the environment variable %(var)s holding the secret is not set on "
            "the server.",
            name=self.name,
            var=name,
        )

    def _outbound_url_problem(self):
        """Translated reason why ``http_url`` may not receive our documents, or None."""
        self.ensure_one()
        allowed, _bad = credentials.parse_host_list(self.company_id._wms_allowed_hosts())
        problem = credentials.url_problem(
            self.http_url, get_settings()["allow_insecure_http"], allowed
        )
        if not problem:
            return None
        values = {
            "name": self.name,
            "host": credentials.url_host(self.http_url),
            "company": self.company_id.name,
        }
        messages = {
            credentials.URL_MISSING: self.env._("%(name)s: the URL is missing.", **values),
            credentials.URL_MALFORMED: self.env._(
                "%(name)s: the URL is malformed (spaces, control characters or a bad port).",
                **values,
            ),
            credentials.URL_SCHEME: self.env._(
                "%(name)s: the URL must start with https://.", **values
            ),
            credentials.URL_HOST: self.env._("%(name)s: the URL has no host.", **values),
            credentials.URL_CREDENTIALS: self.env._(
                "%(name)s: the URL may not carry a user name or password; name a secret "
                "environment variable instead.",
                **values,
            ),
            credentials.URL_INSECURE: self.env._(
                "%(name)s: the URL must be https:// (http:// is allowed only on test or "
                "development servers, with the [wms_bridge] allow_insecure_http option).",
                **values,
            ),
            credentials.URL_HOST_NOT_ALLOWED: self.env._(
                "%(name)s: %(host)s is not on the allow-list of hosts of %(company)s "
                "(Settings > WMS Bridge).",
                **values,
            ),
        }
        return messages[problem]

    # ------------------------------------------------------------------ helpers
    def _exchanges(self, document_type, direction):
        """True when this partner exchanges ``document_type`` in ``direction``."""
        self.ensure_one()
        return any(
            d.document_type == document_type and d.direction == direction for d in self.document_ids
        )

    def _next_control_number(self):
        """Next interchange control number, atomically (no gap-free promise)."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE wms_trading_partner SET last_control_number = "
            "CASE WHEN COALESCE(last_control_number, 0) >= 999999999 THEN 1 "
            "ELSE COALESCE(last_control_number, 0) + 1 END "
            "WHERE id = %s RETURNING last_control_number",
            (self.id,),
        )
        number = self.env.cr.fetchone()[0]
        self.invalidate_recordset(["last_control_number"])
        return number

    def _separators(self):
        self.ensure_one()
        seps = Separators(
            self.element_separator or "*",
            self.component_separator or ">",
            self.repetition_separator or "^",
            self.segment_terminator or "~",
        )
        if seps.problem():
            raise ValidationError(self.env._("%(name)s: unusable X12 separators.", name=self.name))
        return seps

    def _x12_envelope(self):
        self.ensure_one()
        return Envelope(
            sender_id=self.our_isa_id or "",
            receiver_id=self.isa_id or "",
            sender_qualifier=self.our_isa_qualifier or "ZZ",
            receiver_qualifier=self.isa_qualifier or "ZZ",
            gs_sender=self.our_gs_code or "",
            gs_receiver=self.gs_code or "",
            version=self.x12_version or "005010",
            separators=self._separators(),
        )

    def _edifact_envelope(self):
        self.ensure_one()
        return EdifactEnvelope(
            sender_id=self.our_edifact_id or "",
            recipient_id=self.edifact_party_id or "",
            sender_qualifier=self.our_edifact_qualifier or "14",
            recipient_qualifier=self.edifact_qualifier or "14",
        )

    def _integration_user(self):
        self.ensure_one()
        if self.responsible_user_id:
            return self.responsible_user_id
        group = self.env.ref("wms_bridge.group_wms_bridge_user")
        # sudo: the group's members decide who receives the activity; jobs and
        # integration users may not read groups, nothing is written here
        users = group.sudo().all_user_ids.filtered(lambda u: u.active and not u.share)
        return users.sorted("id")[:1] or self.env.user

    def _timeout(self):
        return self.timeout or get_settings()["http_timeout"]

    # ------------------------------------------------------------------ directories
    def _drop_path(self, kind):
        """``inbox``, ``outbox`` or ``archive`` folder of this partner (created)."""
        self.ensure_one()
        root = os.path.realpath(get_settings()["drop_root"])
        path = os.path.realpath(os.path.join(root, self.drop_folder or "", kind))
        if not path.startswith(root + os.sep):
            raise PermanentTransportError(
                self.env._("Drop folder %(folder)s is outside drop_root.", folder=path)
            )
        os.makedirs(path, exist_ok=True)
        return path

    # ------------------------------------------------------------------ transports
    def _transport_send(self, exchange):
        """Deliver ``exchange``'s payload; raises Transient/PermanentTransportError."""
        self.ensure_one()
        payload = exchange._payload_bytes()
        if self.transport == "directory":
            return self._transport_send_directory(exchange.filename, payload)
        return self._transport_send_http(exchange.filename, payload)

    def _transport_send_directory(self, filename, payload):
        """Write to outbox/ under a temporary name, then rename (atomic on POSIX):
        the partner never sees half a file."""
        outbox = self._drop_path("outbox")
        final = os.path.join(outbox, filename)
        tmp = os.path.join(outbox, f".{filename}.{uuid.uuid4().hex}.tmp")
        try:
            with open(tmp, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, final)
        except OSError as exc:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise TransientTransportError(f"{type(exc).__name__}: {exc}") from exc
        return final

    def _http_auth(self):
        """``(auth, headers, secret)`` for requests; PermanentTransportError naming the
        variable and the problem (never the value) when the secret is unusable."""
        if self.http_auth in (None, False, "none"):
            return None, {}, ""
        status, secret = credentials.secret_status(os.environ, self.http_secret_env)
        if status != credentials.SECRET_OK:
            raise PermanentTransportError(self._secret_problem(status, self.http_secret_env))
        if self.http_auth == "basic":
            return (self.http_username or "", secret), {}, secret
        return None, {"Authorization": f"Bearer {secret}"}, secret

    def _transport_send_http(self, filename, payload):
        """POST the payload; 2xx is delivered, 5xx/429/408 and network failures are
        transient, any other status is permanent.

        The URL is checked again before anything is sent (the allow-list or the
        insecure switch may have changed since it was saved), redirects are not
        followed (the body and the secret would go where the far end says), and
        whatever the far end answers is stored without the secret."""
        problem = self._outbound_url_problem()
        if problem:
            raise PermanentTransportError(problem)
        auth, headers, secret = self._http_auth()
        username = (self.http_username or "") if self.http_auth == "basic" else None

        def clean(text):
            return credentials.redact(text, secret, username)

        headers = {
            "Content-Type": "application/edi-x12"
            if self.standard == "x12"
            else "application/edifact",
            "X-Filename": filename,
            **headers,
        }
        try:
            response = requests.post(
                self.http_url,
                data=payload,
                headers=headers,
                auth=auth,
                timeout=self._timeout(),
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise TransientTransportError(
                clean(f"timeout after {self._timeout()} s: {exc}")
            ) from None
        except requests.RequestException as exc:
            raise TransientTransportError(clean(f"{type(exc).__name__}: {exc}")) from None
        status = response.status_code
        if 200 <= status < 300:
            return clean(response.text)
        reason = clean(f"HTTP {status}: {response.text or ''}")[:500]
        if 300 <= status < 400:
            raise PermanentTransportError(
                self.env._(
                    "HTTP %(status)s: the partner redirects elsewhere; redirects are not "
                    "followed, set the partner's URL to the final address.",
                    status=status,
                )
            )
        if status >= 500 or status in TRANSIENT_HTTP:
            raise TransientTransportError(reason)
        raise PermanentTransportError(reason)

    # ------------------------------------------------------------------ inbound HTTP
    @api.model
    def _inbound_partner(self, code):
        """The active partner whose inbound code is ``code``, or an empty recordset.

        Codes are unique across companies: the code in the URL designates exactly
        one partner, hence one company, and its own secret is the one checked."""
        if not code or not INBOUND_CODE.fullmatch(code):
            return self.browse()
        return self.search([("inbound_code", "=", code)], limit=1)

    def _inbound_secret(self):
        """The secret the partner must present, read from the environment variable
        named on it; ``""`` when none is usable (then nothing is accepted, and the
        reason is logged and shown on the partner form, never the value)."""
        self.ensure_one()
        status, secret = credentials.secret_status(os.environ, self.inbound_secret_env)
        if status != credentials.SECRET_OK:
            _logger.warning(
                "wms_bridge: inbound secret of %s unusable (%s): every request refused",
                self.name,
                status,
            )
        return secret

    def _inbound_authenticated(self, authorization):
        """True when the ``Authorization`` header value carries this partner's secret
        (see :func:`..engine.credentials.authorization_matches`): bearer, or basic with
        the partner's inbound username.  A partner without a usable secret (or basic
        without a username) refuses everything."""
        self.ensure_one()
        return credentials.authorization_matches(
            authorization, self.inbound_auth, self.inbound_username, self._inbound_secret()
        )

    def _transport_receive_directory(self):
        """Files waiting in inbox/: ``[(filename, bytes, path)]`` oldest first."""
        self.ensure_one()
        inbox = self._drop_path("inbox")
        found = []
        for name in sorted(os.listdir(inbox)):
            path = os.path.join(inbox, name)
            if name.startswith(".") or not os.path.isfile(path):
                continue
            with open(path, "rb") as handle:
                found.append((name, handle.read(), path))
        return found

    def _archive_file(self, path):
        archive = self._drop_path("archive")
        target = os.path.join(archive, os.path.basename(path))
        if os.path.exists(target):
            target = f"{target}.{uuid.uuid4().hex[:8]}"
        os.replace(path, target)
        return target

    # ------------------------------------------------------------------ cron
    @api.model
    def _cron_poll_inboxes(self):
        partners = self.search([("transport", "=", "directory")])
        partners._poll_inbox()

    def _poll_inbox(self):
        """One received exchange per file, file moved to archive/, processing queued.

        The payload is in the attachment before the file leaves the inbox; if the
        transaction rolls back afterwards the file is in archive/ and must be put
        back by hand (logged), never lost."""
        Exchange = self.env["wms.exchange"]
        created = Exchange
        for partner in self:
            try:
                files = partner._transport_receive_directory()
            except (OSError, PermanentTransportError) as exc:
                _logger.warning("wms_bridge: cannot read inbox of %s: %s", partner.name, exc)
                continue
            if not files:
                continue
            exchanges = Exchange._create_received(partner, [(n, data) for n, data, _p in files])
            for (_name, _data, path), exchange in zip(files, exchanges, strict=True):
                archived = partner._archive_file(path)
                _logger.info("wms_bridge: %s archived as %s", exchange.name, archived)
            created |= exchanges
        created._enqueue_processing()
        return created

    def action_view_exchanges(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("wms_bridge.wms_exchange_action")
        action["domain"] = [("trading_partner_id", "=", self.id)]
        action["context"] = {"default_trading_partner_id": self.id}
        return action

    def action_new_mapping_version(self):
        """Start a new mapping version from the current one (versions are kept)."""
        self.ensure_one()
        self._wms_check_action(self.env._("New Mapping Version"), [WMS_MANAGER])
        current = self.mapping_version_id
        vals = {"trading_partner_id": self.id}
        new = current.copy(vals) if current else self.env["wms.mapping.version"].create(vals)
        return {
            "type": "ir.actions.act_window",
            "res_model": "wms.mapping.version",
            "res_id": new.id,
            "view_mode": "form",
        }
