"""HTTP(S) receiving: trading partners POST their interchanges to us.

``POST /wms_bridge/inbound/<inbound code>`` with the raw interchange as the body
(any content type but HTML forms: ``application/edi-x12``, ``application/edifact``,
``text/plain``, ``application/octet-stream``) and an ``Authorization`` header
(``Bearer <secret>``, or ``Basic base64(<username>:<secret>)``, whichever the
partner record says):

=====  ==================================================================
202    stored as a received exchange, processing queued:
       ``{"exchange": "EDI/2024/000042", "id": 42, "state": "received"}``
401    anything but the right credentials for an active partner's code: an
       unknown, malformed or archived code, a partner without a usable secret,
       a missing header, another scheme, a wrong secret or username.  The
       answer is the same in every case (status, body, and a
       ``WWW-Authenticate`` header naming both schemes whatever the partner's):
       a stranger learns neither which codes exist nor their schemes
400    empty body (authenticated partners only, like the codes below)
411    no ``Content-Length`` (chunked bodies are refused: they cannot be
       measured before they are read)
413    body above ``[wms_bridge] inbound_max_bytes`` (default 16 MiB)
415    HTML form content type (the framework would have parsed the body away)
=====  ==================================================================

Checks run in that order of cost: the partner and the credentials (from the
headers alone), then the size from ``Content-Length`` before the body is read;
an unauthenticated caller never gets its body read by this route (Odoo itself
parses HTML form bodies before any route runs).  In production the reverse proxy
caps request bodies too (nginx ``client_max_body_size``).

The body is stored as it came, before any parsing: reading happens in the queued
job exactly as for the directory transport (per-set or per-message processing,
acknowledgment, duplicate detection by interchange control number), and a body
that does not parse fails there with its reason, never lost.

The database must be selectable without a session: one database per server, or
``dbfilter`` matching the host name the partner calls.
"""

import json
import logging
import os
import re

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import SUPERUSER_ID, fields, http
from odoo.http import request

from ..engine.credentials import refuse_authorization
from ..tools.settings import get_settings

_logger = logging.getLogger(__name__)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")
# One challenge for every stranger, whatever the code and its partner's scheme.
CHALLENGE = 'Bearer realm="wms_bridge", Basic realm="wms_bridge"'


def _answer(status, payload, headers=None):
    return request.make_response(
        json.dumps(payload),
        headers=[("Content-Type", "application/json"), *(headers or [])],
        status=status,
    )


def _filename(header):
    """A safe base name from the partner's ``X-Filename`` header, or a dated one."""
    name = os.path.basename((header or "").replace("\\", "/")).strip()
    name = _UNSAFE_FILENAME.sub("_", name)[:128].lstrip(".")
    return name or f"http_{fields.Datetime.now():%Y%m%d_%H%M%S}.edi"


class WmsInbound(http.Controller):
    @http.route(
        "/wms_bridge/inbound/<string:code>",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def receive(self, code, **_params):
        """Store one posted interchange for the partner ``code`` and queue it.

        Who does the database work: the request carries no Odoo session (``auth=
        "none"``: partners are machines authenticated per partner by the secret
        named on the partner record), so the work runs as the superuser, and is
        kept small and pinned to the partner on purpose:

        * the partner is the one whose unique inbound code is in the URL, and the
          secret checked is that partner's own (from the environment variable named
          on it): a secret opens one partner only, whatever its company;
        * the only writes are the exchange of that partner (its company is the
          partner's, a stored related field), its payload attachment and the
          processing job; the environment is switched to the partner's company
          (``with_company``) so that nothing defaults to another company;
        * the processing job is the one the directory transport queues, run as the
          superuser in the partner's company on that partner's records only.

        A dedicated integration user was the alternative; it would need create
        rights on exchanges and attachments in every company that receives, for
        the same three writes, with nothing gained on the partner scoping, which
        comes from the URL and the partner's own secret either way.
        """
        httprequest = request.httprequest
        env = request.env(user=SUPERUSER_ID)
        partner = env["wms.trading.partner"]._inbound_partner(code)
        refusal = self._refusal(code, partner, httprequest)
        if refusal is not None:
            return refusal
        body, refusal = self._read_body(httprequest)
        if refusal is not None:
            return refusal
        partner = partner.with_company(partner.company_id)
        exchange = partner.env["wms.exchange"]._create_received(
            partner, [(_filename(httprequest.headers.get("X-Filename")), body)]
        )
        exchange._enqueue_processing()
        _logger.info(
            "wms_bridge: %s received over HTTP from %s (%s bytes)",
            exchange.name,
            partner.name,
            len(body),
        )
        return _answer(202, {"exchange": exchange.name, "id": exchange.id, "state": exchange.state})

    def _refusal(self, code, partner, httprequest):
        """401 or 415 answer, from the partner and the headers only; None if fine.

        Every caller without the right credentials for an active partner gets the
        same 401, whether the code exists or not and whatever its scheme; an
        unknown code costs a comparison too, so that it is not answered faster."""
        authorization = httprequest.headers.get("Authorization")
        if partner:
            authenticated = partner._inbound_authenticated(authorization)
        else:
            authenticated = refuse_authorization(authorization)
        if not authenticated:
            _logger.warning(
                "wms_bridge: inbound POST refused (unknown code or credentials) for %r from %s",
                code[:80],
                httprequest.remote_addr,
            )
            return _answer(401, {"error": "unauthorized"}, [("WWW-Authenticate", CHALLENGE)])
        if httprequest.mimetype in FORM_TYPES:
            return _answer(
                415, {"error": "send the interchange as the raw body, not as an HTML form"}
            )
        return None

    def _read_body(self, httprequest):
        """``(body, None)``, or ``(None, answer)``: 411 without ``Content-Length``,
        413 above the limit, 400 when empty.

        The length is checked before anything is read, and the body is then read
        through the stream bounded by that length: a chunked body (no length) could
        only be read whole before being measured, so it is refused."""
        limit = get_settings()["inbound_max_bytes"]
        too_large = _answer(413, {"error": "too large", "max_bytes": limit})
        length = httprequest.content_length
        if length is None:
            return None, _answer(411, {"error": "Content-Length required"})
        if length > limit:
            return None, too_large
        try:
            body = httprequest.get_data(cache=False)
        except RequestEntityTooLarge:  # above Odoo's own request limit
            return None, too_large
        if len(body) > limit:
            return None, too_large
        if not body.strip():
            return None, _answer(400, {"error": "empty body"})
        return body, None
