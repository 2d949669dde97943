"""Explanations as a stable code plus parameters, rendered in the reader's language.

The engine never stores a sentence: a check (or a pipeline step) gives a message
``(code, params)``, the models store both, and the sentence is rendered when someone
reads it, in their language.  :data:`MESSAGES` holds the English template of every
code (``%(name)s`` placeholders, Python's ``%`` formatting, as Odoo's translations
use); :func:`render` fills a template with its parameters.  The English rendering is
what the engine's results show (``CheckResult.explanation``), what the decision log
keeps as its recorded text, and what tests compare.

Parameters are JSON-compatible (they are stored as they are); each value is one of

* a string or a whole number: shown as it is (a product name, a note, an id);
* a typed figure, formatted the reader's way: ``{"amount": 12400.0}`` (``12,400.00``),
  ``{"qty": 2.5}`` (``2.5``, whole numbers without decimals), ``{"pct": 12.5}``
  (``12.50%``), ``{"when": "2025-03-01T14:30:00"}`` (a date or a naive UTC datetime in
  ISO form; ``None``: *today*);
* a nested message, ``{"msg": code, "params": {...}}`` (a clause with its own
  wording, e.g. a limit with or without a tolerance);
* a list, ``{"join": [value, ...], "sep": "; "}``: the values rendered and joined.

A :class:`Formatter` decides the language: :data:`ENGLISH` (the default) uses the
templates as written and :mod:`.common`'s number formats; the Odoo layer subclasses it
to translate templates (Odoo's code translations of this addon's ``i18n/*.po``) and to
format numbers and dates the reader's way.  A translation that does not fit its
parameters falls back to English rather than failing.

Translation: every template is wrapped in :func:`_lt`, a marker that returns its
argument unchanged.  Odoo's term extractor reads ``_lt("...")`` calls in every Python
file of an addon, engines included, so the templates land in ``i18n/<addon>.pot``
without this module importing Odoo.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from .common import fmt_amount, fmt_qty


def _lt(source: str) -> str:
    """Mark ``source`` for Odoo's translation extractor; returns it unchanged."""
    return source


#: English template of every message code.  Codes are stable (stored on holds and log
#: entries): never rename one; add a new code for a new wording of different meaning.
MESSAGES: dict[str, str] = {
    # --- checks: credit_limit
    "credit_no_limit": _lt("No credit limit set; exposure %(exposure)s (%(breakdown)s)."),
    "credit_limit_exceeded": _lt("Credit exposure %(exposure)s > %(limit)s (%(breakdown)s)."),
    "credit_ok": _lt("Credit exposure %(exposure)s <= %(limit)s (%(breakdown)s)."),
    "credit_breakdown": _lt(
        "receivables %(receivable)s + uninvoiced orders %(uninvoiced)s "
        "+ this order %(order_amount)s"
    ),
    "credit_limit": _lt("limit %(limit)s"),
    "credit_limit_tolerance": _lt("limit %(limit)s + %(tolerance)s tolerance = %(allowed)s"),
    # --- checks: customer_hold
    "customer_blocked": _lt("Customer is blocked%(note)s."),
    "customer_on_hold": _lt("Customer is on hold%(note)s."),
    "customer_note": _lt(": %(note)s"),
    "customer_ok": _lt("Customer is neither on hold nor blocked."),
    # --- checks: required_data
    "required_data_missing": _lt("Missing required data: %(missing)s."),
    "required_data_ok": _lt("All required data present."),
    "data_delivery_address": _lt("delivery address"),
    "data_incoterm": _lt("incoterm"),
    "data_payment_term": _lt("payment terms"),
    "data_customer_reference": _lt("customer reference"),
    # --- checks: min_margin
    "margin_no_revenue": _lt("No revenue to earn a margin on (%(figures)s); minimum %(minimum)s."),
    "margin_below_minimum": _lt("Margin %(margin)s < minimum %(minimum)s (%(figures)s)."),
    "margin_ok": _lt("Margin %(margin)s >= minimum %(minimum)s (%(figures)s)."),
    "margin_figures": _lt("revenue %(revenue)s, cost %(cost)s, margin %(margin)s"),
    # --- checks: price_floor
    "price_below_floor": _lt("Price below floor: %(lines)s."),
    "price_below_floor_line": _lt(
        "%(line)s (product %(product)s): unit price %(price)s < floor %(floor)s"
    ),
    "price_below_floor_line_tolerance": _lt(
        "%(line)s (product %(product)s): unit price %(price)s < floor %(floor)s "
        "- %(tolerance)s tolerance = %(allowed)s"
    ),
    "line_ref": _lt("line %(line)s"),
    "price_floor_ok": _lt("All %(count)s line(s) with a floor price are at or above it."),
    # --- checks: quantity_anomaly
    "quantity_anomaly": _lt("Unusual quantity: %(products)s."),
    "quantity_anomaly_product": _lt(
        "product %(product)s: quantity %(quantity)s > %(factor)s x median %(median)s "
        "= %(threshold)s (history of %(history)s orders)"
    ),
    "quantity_ok": _lt("Quantities within the customer's usual range.%(not_judged)s"),
    "quantity_not_judged": _lt(
        " Not judged (fewer than %(min_history)s past orders): product(s) %(products)s."
    ),
    # --- checks: stock_availability
    "stock_unavailable": _lt("Not enough stock in the network: %(shortages)s."),
    "stock_unknown_product": _lt("product %(product)s is not stocked or expected anywhere"),
    "stock_shortage": _lt(
        "product %(product)s: needs %(needed)s by %(when)s, network has %(available)s available"
    ),
    "stock_ok": _lt("Enough stock in the network for all %(count)s product(s) by their dates."),
    # --- pipeline steps (decision log)
    "hold_for_group": _lt("On hold for %(group)s: %(why)s"),
    "released_pickings": _lt("Released: %(pickings)s"),
    "released_by": _lt("Released by %(user)s."),
    "cleared_on_resubmission": _lt("Cleared on resubmission by %(user)s: the check passes now."),
    "policy_override": _lt("Allocation policy set to %(policy)s (was %(old)s)."),
    "policy_company_default": _lt("company default"),
    "reallocated_archived": _lt("Re-allocated: %(sites)s archived since allocation."),
    # --- figures
    "today": _lt("today"),
    "percent": _lt("%(value)s%%"),
}


class UnknownMessage(KeyError):
    """A code that :data:`MESSAGES` does not know (a stored row older than its code?)."""


# --------------------------------------------------------------------- parameter values


def msg(code: str, **params: Any) -> dict:
    """A nested message parameter."""
    if code not in MESSAGES:
        raise UnknownMessage(code)
    return {"msg": code, "params": params}


def amount(value: float) -> dict:
    """A monetary figure parameter."""
    return {"amount": float(value)}


def qty(value: float) -> dict:
    """A quantity parameter (whole numbers are shown without decimals)."""
    return {"qty": float(value)}


def pct(value: float) -> dict:
    """A percentage parameter (``12.5`` is shown ``12.50%``)."""
    return {"pct": float(value)}


def when(value: date | datetime | None) -> dict:
    """A date or datetime parameter (aware ones are stored as naive UTC); ``None`` is
    *today*."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return {"when": None if value is None else value.isoformat()}


def join(values: Sequence[Any], sep: str = ", ") -> dict:
    """A list parameter: its values rendered and joined with ``sep``."""
    return {"join": list(values), "sep": sep}


# --------------------------------------------------------------------------- rendering


class Formatter:
    """English rendering; subclass it for another language (override what differs)."""

    def template(self, code: str) -> str:
        """The template of ``code`` in the formatter's language."""
        return MESSAGES[code]

    def amount(self, value: float) -> str:
        return fmt_amount(value)

    def qty(self, value: float) -> str:
        return fmt_qty(value)

    def number(self, value: float, digits: int) -> str:
        """A number with ``digits`` decimals and thousands separators."""
        return f"{value:,.{digits}f}"

    def pct(self, value: float) -> str:
        return render("percent", {"value": self.number(value, 2)}, self)

    def when(self, value: date | datetime | None) -> str:
        if value is None:
            return render("today", {}, self)
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        return value.isoformat()


ENGLISH = Formatter()


def parse_when(text: str | None) -> date | datetime | None:
    """The date or datetime of a ``when`` parameter."""
    if text is None:
        return None
    return datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)


def render_value(value: Any, formatter: Formatter = ENGLISH) -> str:  # noqa: PLR0911
    """One parameter value as text (see the module docstring for the kinds)."""
    if isinstance(value, Mapping):
        if "msg" in value:
            return render(value["msg"], value.get("params") or {}, formatter)
        if "join" in value:
            return str(value.get("sep", ", ")).join(
                render_value(item, formatter) for item in value["join"]
            )
        if "amount" in value:
            return formatter.amount(value["amount"])
        if "qty" in value:
            return formatter.qty(value["qty"])
        if "pct" in value:
            return formatter.pct(value["pct"])
        if "when" in value:
            return formatter.when(parse_when(value["when"]))
        raise ValueError(f"unknown parameter value {value!r}")
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render(
    code: str, params: Mapping[str, Any] | None = None, formatter: Formatter = ENGLISH
) -> str:
    """The sentence of message ``code`` with ``params``, in ``formatter``'s language.

    Raises:
        UnknownMessage: ``code`` is not in :data:`MESSAGES`.
        KeyError, ValueError, TypeError: the English template does not fit ``params``.
    """
    if code not in MESSAGES:
        raise UnknownMessage(code)
    values = {name: render_value(value, formatter) for name, value in (params or {}).items()}
    template = formatter.template(code)
    try:
        return template % values
    except (KeyError, ValueError, TypeError):
        if template == MESSAGES[code]:
            raise
        # a translation that does not fit its parameters: English rather than nothing
        return MESSAGES[code] % values


def render_message(message: Mapping[str, Any], formatter: Formatter = ENGLISH) -> str:
    """Render a nested-message value ``{"msg": code, "params": {...}}``."""
    return render(message["msg"], message.get("params") or {}, formatter)


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def parse(code: str, text: str) -> dict | None:
    """The plain-text parameters of ``text`` read as the English message ``code``, or
    None when it does not read so.  For messages whose parameters are plain strings
    (names, lists of names), recorded as text before they had parameters; the result
    renders back to ``text`` exactly (checked)."""
    template = MESSAGES[code]
    pattern, last = [], 0
    for match in _PLACEHOLDER.finditer(template):
        pattern.append(re.escape(template[last : match.start()].replace("%%", "%")))
        pattern.append(f"(?P<{match.group(1)}>.*?)")
        last = match.end()
    pattern.append(re.escape(template[last:].replace("%%", "%")))
    found = re.fullmatch("".join(pattern), text or "", re.DOTALL)
    if not found:
        return None
    params = found.groupdict()
    return params if render(code, params) == text else None
