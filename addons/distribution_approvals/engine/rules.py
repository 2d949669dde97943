"""Governed rule changes, on plain data: versions, values and the change calendar.

A governed rule (an order check, the allocation policy of a company, an approval
tier) changes only through a *version*: a draft lists changes (field, new value),
an approver activates it from an effective date, and the rule then takes the
version's values.  The functions here parse what an administrator typed, build a
version's values from the rule's current ones, and say whether a freeze period
forbids an activation.  Models gather, call, write back; nothing here knows Odoo.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

TRUE_WORDS = frozenset({"1", "true", "yes", "y", "on", "checked"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "off", "unchecked", ""})


class RuleValueError(ValueError):
    """What an administrator typed is not a value of the field."""


def _parse_boolean(raw: str, text: str | None) -> bool:
    word = raw.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise RuleValueError(f"{text!r} is not yes or no")


def _parse_integer(raw: str, text: str | None) -> int:
    try:
        return int(raw)
    except ValueError:
        raise RuleValueError(f"{text!r} is not a whole number") from None


def _parse_float(raw: str, text: str | None) -> float:
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        raise RuleValueError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise RuleValueError(f"{text!r} is not a number")
    return value


def _parse_selection(raw: str, text: str | None, selection) -> str | bool:
    if not raw:
        return False
    for key, label in selection:
        if raw == key or raw.lower() == str(label).lower():
            return key
    choices = ", ".join(str(label) for _key, label in selection)
    raise RuleValueError(f"{text!r} is not one of: {choices}")


def parse_value(ttype: str, text: str | None, selection: Sequence[tuple[str, str]] = ()) -> object:
    """The value ``text`` stands for in a field of type ``ttype``.

    Selections accept the key or the label (any case).  Relational fields are
    resolved by the model (names to ids); here they are refused."""
    raw = (text or "").strip()
    parsers = {
        "boolean": _parse_boolean,
        "integer": _parse_integer,
        "float": _parse_float,
        "monetary": _parse_float,
        "char": lambda raw, _text: raw or False,
        "text": lambda raw, _text: raw or False,
    }
    if ttype == "selection":
        return _parse_selection(raw, text, selection)
    if ttype in parsers:
        return parsers[ttype](raw, text)
    raise RuleValueError(f"fields of type {ttype} are not set by typing a value")


def format_value(value: object) -> str:
    """A stored value as the version screens show it."""
    if value is True:
        return "Yes"
    if value is False or value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def version_values(
    current: Mapping[str, object], changes: Iterable[tuple[str, object]]
) -> dict[str, object]:
    """The rule's values under a version: its current values with the changes."""
    values = dict(current)
    for name, value in changes:
        if name not in values:
            raise RuleValueError(f"{name} is not a governed field of this rule")
        values[name] = value
    return values


def differences(
    before: Mapping[str, object], after: Mapping[str, object]
) -> list[tuple[str, object, object]]:
    """(field, before, after) for every field whose value changes."""
    return [
        (name, before.get(name), value)
        for name, value in after.items()
        if before.get(name) != value
    ]


@dataclass(frozen=True)
class Freeze:
    freeze_id: int
    company_id: int
    site_id: int | None  # None: every site of the company
    start: datetime
    end: datetime
    name: str = ""


def freeze_covering(
    freezes: Iterable[Freeze], company_id: int, site_id: int | None, moment: datetime
) -> Freeze | None:
    """The freeze period forbidding a change of this company (and site) to take
    effect at ``moment``: a company-wide freeze covers every site; a site's freeze
    covers that site's rules and the company-wide ones (they apply there too)."""
    for freeze in sorted(freezes, key=lambda f: (f.start, f.freeze_id)):
        if freeze.company_id != company_id or not (freeze.start <= moment <= freeze.end):
            continue
        if freeze.site_id is None or site_id is None or freeze.site_id == site_id:
            return freeze
    return None


# ---------------------------------------------------------------- scope and bounds

#: how a site's value of an order-check parameter may differ from the enterprise's:
#: "lower" (a site may only lower it: stricter), "higher" (only raise it), "on" (a
#: site may turn it on, not off), "off" (may turn it off, not on)
CHECK_BOUNDS = {
    "tolerance_pct": "lower",
    "min_margin_pct": "higher",
    "anomaly_factor": "lower",
    "anomaly_min_history": "lower",
    "anomaly_min_quantity": "lower",
    "anomaly_history_days": "higher",
    "due_hours": "lower",
    "include_incoming": "off",
    "require_delivery_address": "on",
    "require_incoterm": "on",
    "require_payment_term": "on",
    "require_customer_reference": "on",
    "active": "on",
}
DIRECTION_WORDS = {
    "lower": "may only be lowered",
    "higher": "may only be raised",
    "on": "may be turned on, not off",
    "off": "may be turned off, not on",
}


@dataclass(frozen=True)
class Deviation:
    field: str
    enterprise: object
    site: object
    within_bounds: bool
    rule: str  # the direction (CHECK_BOUNDS) or "locked"


def _within(direction: str, enterprise: object, site: object) -> bool:
    if direction == "lower":
        return float(site or 0) <= float(enterprise or 0)
    if direction == "higher":
        return float(site or 0) >= float(enterprise or 0)
    if direction == "on":
        return bool(site) or not bool(enterprise)
    if direction == "off":
        return not bool(site) or bool(enterprise)
    return site == enterprise


def deviations(
    enterprise: Mapping[str, object],
    site: Mapping[str, object],
    bounds: Mapping[str, str],
    locked: bool = False,
) -> list[Deviation]:
    """Where a site's rule differs from the enterprise's, and whether each difference
    is within the bounds (a locked rule allows none; a field without a direction
    may differ freely)."""
    out = []
    for name in sorted(set(enterprise) & set(site)):
        if enterprise[name] == site[name]:
            continue
        if locked:
            out.append(Deviation(name, enterprise[name], site[name], False, "locked"))
            continue
        direction = bounds.get(name)
        ok = True if direction is None else _within(direction, enterprise[name], site[name])
        out.append(Deviation(name, enterprise[name], site[name], ok, direction or "free"))
    return out
