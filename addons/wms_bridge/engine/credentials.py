"""Partner credentials and outbound URLs: the rules, without Odoo.

Secrets are never stored in the database: a trading partner names an environment
variable of the Odoo server, and that name must carry the documented prefix
:data:`SECRET_ENV_PREFIX`, so that a partner record can only ever point at a
variable set aside for EDI partners, never at the server's own secrets (the
database or broker password).  A secret value must be printable ASCII without
surrounding whitespace: anything else (a value pasted with its trailing newline, a
non-ASCII character) can never match what a partner sends, and is reported as
such instead of failing silently.

Outbound URLs must be ``https://`` (``http://`` only when a test or development
switch allows it), carry no credentials of their own, and, when the company keeps
a host allow-list, point at one of its hosts.

Every check returns a problem code (``None`` when fine); the Odoo side turns codes
into translated messages.  Nothing here logs, and no message carries a secret.
"""

import base64
import binascii
import hmac
import re
from urllib.parse import urlsplit

SECRET_ENV_PREFIX = "WMS_BRIDGE_SECRET_"
_SECRET_ENV_NAME = re.compile(r"WMS_BRIDGE_SECRET_[A-Z0-9_]+")
_HOST_ENTRY = re.compile(r"(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")
# Compared against when no partner answers to the code, so that an unknown code
# costs what a known one does.
_NO_SECRET = "wms-bridge-no-partner-has-this-secret"

# Secret status codes (see secret_status).
SECRET_OK = "ok"
SECRET_NO_VARIABLE = "no_variable"
SECRET_BAD_NAME = "bad_name"
SECRET_UNSET = "unset"
SECRET_WHITESPACE = "whitespace"
SECRET_NOT_ASCII = "not_printable_ascii"

# URL problem codes (see url_problem).
URL_MISSING = "missing"
URL_SCHEME = "scheme"
URL_INSECURE = "insecure"
URL_MALFORMED = "malformed"
URL_HOST = "host"
URL_CREDENTIALS = "credentials"
URL_HOST_NOT_ALLOWED = "host_not_allowed"

REDACTED = "[secret]"


def secret_env_name_ok(name):
    """True for ``WMS_BRIDGE_SECRET_`` followed by uppercase letters, digits and
    underscores (at least one)."""
    return bool(name) and bool(_SECRET_ENV_NAME.fullmatch(name))


def secret_value_problem(value):
    """``None`` when ``value`` is usable as a secret, else a status code:
    :data:`SECRET_UNSET` (missing or empty), :data:`SECRET_WHITESPACE` (leading or
    trailing whitespace, e.g. a newline kept from a file), :data:`SECRET_NOT_ASCII`
    (a character outside printable ASCII, space to tilde)."""
    if not value:
        return SECRET_UNSET
    if value != value.strip():
        return SECRET_WHITESPACE
    if any(not " " <= char <= "~" for char in value):
        return SECRET_NOT_ASCII
    return None


def secret_status(environ, name):
    """``(status, value)``: the secret named ``name`` in ``environ`` (a mapping,
    usually ``os.environ``) and its status; ``value`` is ``""`` unless the status is
    :data:`SECRET_OK`.  A name without the prefix is never looked up."""
    if not name:
        return SECRET_NO_VARIABLE, ""
    if not secret_env_name_ok(name):
        return SECRET_BAD_NAME, ""
    value = environ.get(name)
    problem = secret_value_problem(value)
    if problem:
        return problem, ""
    return SECRET_OK, value


def authorization_matches(header, scheme, username, secret):
    """True when the ``Authorization`` header value carries ``secret``.

    ``scheme`` is ``"bearer"`` (``Bearer <secret>``) or ``"basic"``
    (``Basic base64(username:secret)``, ``username`` required).  Comparisons use
    :func:`hmac.compare_digest` on bytes.  An empty ``secret`` matches nothing."""
    if not secret or not header:
        return False
    given_scheme, _sep, value = header.strip().partition(" ")
    given_scheme, value = given_scheme.lower(), value.strip()
    if scheme == "basic":
        if given_scheme != "basic" or not username:
            return False
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return False
        given_user, sep, password = decoded.partition(":")
        user_ok = hmac.compare_digest(given_user.encode(), username.encode())
        secret_ok = hmac.compare_digest(password.encode(), secret.encode())
        return bool(sep) and user_ok and secret_ok
    if given_scheme != "bearer":
        return False
    return hmac.compare_digest(value.encode(), secret.encode())


def refuse_authorization(header):
    """What :func:`authorization_matches` costs, for a code no partner has: always
    False, so that answering an unknown code takes the time of a wrong secret."""
    authorization_matches(header, "bearer", None, _NO_SECRET)
    return False


def parse_host_list(text):
    """``(hosts, bad_entries)`` from an allow-list written one host per line or
    separated by commas or spaces; hosts are lowercased, ``*.example.com`` allows
    every subdomain of example.com (not example.com itself)."""
    hosts, bad = [], []
    for written in re.split(r"[\s,;]+", text or ""):
        entry = written.strip().lower().rstrip(".")
        if entry:
            (hosts if _HOST_ENTRY.fullmatch(entry) else bad).append(entry)
    return hosts, bad


def host_allowed(host, allowed_hosts):
    """True when ``host`` is one of ``allowed_hosts`` (exact, or under a
    ``*.domain`` entry); an empty allow-list allows every host."""
    if not allowed_hosts:
        return True
    host = (host or "").lower().rstrip(".")
    for entry in allowed_hosts:
        if entry.startswith("*."):
            if host.endswith(entry[1:]) and len(host) > len(entry) - 1:
                return True
        elif host == entry:
            return True
    return False


def url_problem(url, allow_insecure=False, allowed_hosts=()):
    """``None`` when ``url`` may receive our documents (and the partner's secret),
    else a problem code: :data:`URL_MISSING`, :data:`URL_MALFORMED` (whitespace,
    control characters, bad port), :data:`URL_SCHEME` (not http(s)),
    :data:`URL_INSECURE` (``http://`` while the switch is off), :data:`URL_HOST`
    (no host), :data:`URL_CREDENTIALS` (``user:password@`` in the URL: secrets come
    from the environment only), :data:`URL_HOST_NOT_ALLOWED`."""
    if not url or not url.strip():
        return URL_MISSING
    parts = _split_url(url)
    if parts is None:
        return URL_MALFORMED
    scheme, host = parts.scheme.lower(), parts.hostname
    checks = (
        (scheme not in ("http", "https"), URL_SCHEME),
        (not host, URL_HOST),
        (parts.username is not None or parts.password is not None, URL_CREDENTIALS),
        (scheme == "http" and not allow_insecure, URL_INSECURE),
        (not host_allowed(host, allowed_hosts), URL_HOST_NOT_ALLOWED),
    )
    return next((code for failed, code in checks if failed), None)


def _split_url(url):
    """``urlsplit(url)``, or None when it has whitespace, control characters or a
    bad port."""
    if any(char.isspace() or not char.isprintable() for char in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    return parts


def url_host(url):
    """The host of ``url`` (lowercase), or ``""``."""
    try:
        return (urlsplit(url or "").hostname or "").lower()
    except ValueError:
        return ""


def redact(text, secret, username=None):
    """``text`` without ``secret`` (nor the base64 form of ``username:secret`` that
    basic authentication sends): what a far end echoes back never reaches a record
    or a log."""
    if not text or not secret:
        return text
    forms = [secret]
    if username is not None:
        forms.append(base64.b64encode(f"{username}:{secret}".encode()).decode())
    for form in forms:
        text = text.replace(form, REDACTED)
    return text
