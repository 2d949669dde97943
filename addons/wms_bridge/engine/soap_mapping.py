"""SOAP operation mappings: Odoo values → request, response → Odoo values (no Odoo).

A mapping is a JSON object with two parts, kept as a versioned record in Odoo::

    {
      "request": {
        "reference": "name",                       # request path: Odoo field path
        "recipient.name": "partner_id.name",
        "recipient.country": "partner_id.country_id.code",
        "service": "=EXPRESS"                      # "=" + text: a constant
      },
      "response": {
        "carrier_tracking_ref": "tracking_number", # Odoo field: response path
        "wms_soap_note": "status.text"
      }
    }

Request paths are dotted element names (nested elements of the operation's
input); response paths are dotted names with numeric indices for repeated
elements (``items.0.quantity``) or ``*`` to collect every item of a list
(``items.*.quantity`` gives a list; ``*.quantity`` when the answer is the list
itself, as zeep returns a response whose only element repeats).  The Odoo side
reads the field paths of every record in one batch (:func:`source_paths`), the
engine assembles the request
(:func:`build_request`) and reads the response back (:func:`read_response`).
Every problem is a :class:`MappingError` with a message that names the entry.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field

_NAME = r"[A-Za-z_][A-Za-z0-9_\-]*"
_REQUEST_PATH = re.compile(rf"{_NAME}(\.{_NAME})*\Z")
_RESPONSE_PATH = re.compile(rf"({_NAME}|\*)(\.({_NAME}|\d+|\*))*\Z")
_FIELD_PATH = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*\Z")
MAX_ENTRIES = 200
MISSING = object()


class MappingError(ValueError):
    """A mapping that cannot be used, or a response it cannot read."""


@dataclass(frozen=True)
class Mapping:
    request: dict[str, str] = field(default_factory=dict)  # request path -> source
    response: dict[str, str] = field(default_factory=dict)  # Odoo field -> response path


def parse_mapping(text: str) -> Mapping:
    """The mapping in ``text`` (JSON), checked entry by entry."""
    try:
        data = json.loads(text or "{}")
    except ValueError as error:
        raise MappingError(f"the mapping is not valid JSON: {error}") from None
    if not isinstance(data, dict) or set(data) - {"request", "response"}:
        raise MappingError('the mapping must be an object with "request" and "response"')
    request = _entries(data, "request")
    response = _entries(data, "response")
    _check_request(request)
    for target, path in response.items():
        if not _FIELD_PATH.match(target) or "." in target:
            raise MappingError(f"response entry {target!r}: the key must be a field name")
        if not _RESPONSE_PATH.match(path):
            raise MappingError(f"response entry {target!r}: {path!r} is not a response path")
    return Mapping(request, response)


def _entries(data: dict, part: str) -> dict[str, str]:
    value = data.get(part, {})
    if not isinstance(value, dict):
        raise MappingError(f'"{part}" must be an object of text entries')
    if len(value) > MAX_ENTRIES:
        raise MappingError(f'"{part}" has more than {MAX_ENTRIES} entries')
    for key, item in value.items():
        if not isinstance(item, str):
            raise MappingError(f'"{part}" entry {key!r}: the value must be text')
    return dict(value)


def _check_request(request: dict[str, str]) -> None:
    for path, source in request.items():
        if not _REQUEST_PATH.match(path):
            raise MappingError(f"request path {path!r}: dotted element names only")
        if not source.startswith("=") and not _FIELD_PATH.match(source):
            raise MappingError(
                f"request path {path!r}: {source!r} is neither a field path "
                "(partner_id.name) nor a constant (=TEXT)"
            )
    paths = sorted(request)
    for shorter, longer in itertools.pairwise(paths):
        if longer.startswith(shorter + "."):
            raise MappingError(f"request paths {shorter!r} and {longer!r} overlap")


def source_paths(mapping: Mapping) -> list[str]:
    """Field paths the request needs, for one batched read of the records."""
    return sorted({s for s in mapping.request.values() if not s.startswith("=")})


def build_request(mapping: Mapping, values: dict[str, object]) -> dict:
    """The operation's input as nested dicts; ``values`` maps each field path to
    its value for one record (False/None: the element is left out)."""
    request: dict = {}
    for path, source in sorted(mapping.request.items()):
        value = source[1:] if source.startswith("=") else values.get(source)
        if value is None or value is False:
            continue
        node = request
        *parents, leaf = path.split(".")
        for name in parents:
            node = node.setdefault(name, {})
        node[leaf] = value
    return request


def _step(node, part: str):
    """One step of a response path (``MISSING`` when the response lacks it)."""
    if part.isdigit():
        ok = isinstance(node, (list, tuple)) and int(part) < len(node)
        return node[int(part)] if ok else MISSING
    if isinstance(node, (list, tuple)) and len(node) == 1:
        node = node[0]  # one repeated element: read through it
    if isinstance(node, dict):
        return node.get(part, MISSING)
    return MISSING


def _walk(node, parts: list[str]):
    for index, part in enumerate(parts):
        if part == "*" and node is None:
            return []  # a repeated element with no occurrence: no items
        if node is None or node is MISSING:
            return MISSING
        if part == "*":
            items = node if isinstance(node, (list, tuple)) else [node]
            found = [_walk(item, parts[index + 1 :]) for item in items]
            return [item for item in found if item is not MISSING]
        node = _step(node, part)
    return node


def read_response(mapping: Mapping, response) -> dict[str, object]:
    """Odoo values from a response (nested dicts/lists, as zeep serialises it).
    A path the response lacks raises :class:`MappingError` naming it."""
    values = {}
    for target, path in mapping.response.items():
        found = _walk(response, path.split("."))
        if found is MISSING:
            raise MappingError(f"the response has no {path!r} (for {target})")
        values[target] = found
    return values


def mask(text: str, secrets=(), elements=("Password", "Nonce", "password", "token")) -> str:
    """``text`` (an envelope) with every secret value and the content of
    password-like elements replaced by ``[secret]``."""
    if not text:
        return text
    for name in elements:
        text = re.sub(
            rf"(<(?:[\w\-]+:)?{name}\b[^>]*>)[^<]*(</)",
            r"\1[secret]\2",
            text,
        )
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[secret]")
    return text
