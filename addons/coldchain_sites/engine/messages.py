"""Excursion explanations as a stable code plus parameters, rendered in the reader's
language (pure Python, no Odoo).

:func:`explain` says in one sentence what an excursion is against its rule
("Temperature above 8.0 °C: peak 12.4 °C, out of range for 25 min.") as a message
``(code, params)``; the excursion stores both and renders the sentence when someone
reads it, in their language.  :data:`MESSAGES` holds the English template of every
code (``%(name)s`` placeholders, Python's ``%`` formatting, as Odoo's translations
use); :func:`render` fills a template with its parameters.

Parameters are JSON-compatible (they are stored as they are); each value is one of

* a string or a whole number: shown as it is;
* a typed figure, formatted the reader's way: ``{"temp": 8.0}`` (``8.0 °C``),
  ``{"rate": 0.5}`` (``0.50 °C/min``), ``{"duration": 5400}`` (seconds: ``1 h 30 min``);
* a nested message, ``{"msg": code, "params": {...}}`` (a clause with its own wording).

A :class:`Formatter` decides the language: :data:`ENGLISH` (the default) uses the
templates as written; the Odoo layer subclasses it to translate the templates (Odoo's
code translations of this addon's ``i18n/*.po``) and to write numbers the reader's
way.  A translation that does not fit its parameters falls back to English.

Translation: every template is wrapped in :func:`_lt`, a marker that returns its
argument unchanged.  Odoo's term extractor reads ``_lt("...")`` calls in every Python
file of an addon, engines included, so the templates land in ``i18n/coldchain_sites.pot``
without this module importing Odoo.  (distribution_orchestration has the same small
renderer for its own messages: the addons never import each other.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .excursion_types import (
    KIND_BUDGET,
    KIND_DELAY,
    KIND_DOOR,
    KIND_MKT,
    KIND_MONITORING,
    KIND_RATE,
    KIND_THRESHOLD,
    RESET_NEVER,
    RESET_PERIODIC,
)


def _lt(source: str) -> str:
    """Mark ``source`` for Odoo's translation extractor; returns it unchanged."""
    return source


#: English template of every message code.  Codes are stable (stored on excursions):
#: never rename one; add a new code for a new wording of different meaning.
MESSAGES: dict[str, str] = {
    # --- what an excursion is, one message per rule kind
    "excursion_threshold": _lt(
        "Temperature %(limit)s: %(extreme)s, out of range for %(out_of_range)s.%(ongoing)s"
    ),
    "excursion_delay": _lt(
        "Temperature %(limit)s for longer than %(delay)s: %(extreme)s, out of range for "
        "%(out_of_range)s.%(ongoing)s"
    ),
    "excursion_budget": _lt(
        "Temperature %(limit)s for longer than its budget of %(budget)s%(window)s: "
        "%(used)s out of range, %(extreme)s.%(ongoing)s"
    ),
    "excursion_mkt": _lt(
        "Mean kinetic temperature over %(window)s %(limit)s: it reached %(mkt)s.%(ongoing)s"
    ),
    "excursion_rate_rise": _lt(
        "Temperature rising by %(rate)s, faster than the %(limit)s allowed.%(ongoing)s"
    ),
    "excursion_rate_fall": _lt(
        "Temperature falling by %(rate)s, faster than the %(limit)s allowed.%(ongoing)s"
    ),
    "excursion_door": _lt(
        "Door open for %(duration)s, longer than the %(delay)s allowed.%(ongoing)s"
    ),
    "excursion_monitoring": _lt(
        "No reading for %(duration)s, longer than the %(max_gap)s allowed.%(ongoing)s"
    ),
    # --- clauses
    "limit_above": _lt("above %(value)s"),
    "limit_at_or_above": _lt("at or above %(value)s"),
    "limit_below": _lt("below %(value)s"),
    "limit_at_or_below": _lt("at or below %(value)s"),
    "extreme_peak": _lt("peak %(value)s"),
    "extreme_lowest": _lt("lowest %(value)s"),
    "budget_rolling": _lt(" in any %(window)s"),
    "budget_periodic": _lt(" per period of %(window)s"),
    "ongoing": _lt(" Still ongoing."),
    # --- figures
    "temperature": _lt("%(value)s °C"),
    "rate": _lt("%(value)s °C/min"),
    "hours": _lt("%(value)s h"),
    "minutes": _lt("%(value)s min"),
    "seconds": _lt("%(value)s s"),
}


class UnknownMessage(KeyError):
    """A code that :data:`MESSAGES` does not know."""


# --------------------------------------------------------------------- parameter values


def msg(code: str, **params: Any) -> dict:
    """A nested message parameter."""
    if code not in MESSAGES:
        raise UnknownMessage(code)
    return {"msg": code, "params": params}


def temp(value: float) -> dict:
    """A temperature parameter (°C)."""
    return {"temp": float(value)}


def rate(value: float) -> dict:
    """A rate of change parameter (°C per minute)."""
    return {"rate": float(value)}


def duration(seconds: float) -> dict:
    """A duration parameter (seconds, shown in h, min and s)."""
    return {"duration": int(seconds)}


# --------------------------------------------------------------------------- rendering


class Formatter:
    """English rendering; subclass it for another language (override what differs)."""

    def template(self, code: str) -> str:
        """The template of ``code`` in the formatter's language."""
        return MESSAGES[code]

    def number(self, value: float, digits: int) -> str:
        """A number with ``digits`` decimals."""
        return f"{value:.{digits}f}"

    def temp(self, value: float) -> str:
        return render("temperature", {"value": self.number(value, 1)}, self)

    def rate(self, value: float) -> str:
        return render("rate", {"value": self.number(value, 2)}, self)

    def duration(self, seconds: int) -> str:
        hours, rest = divmod(int(seconds), 3600)
        minutes, secs = divmod(rest, 60)
        parts = [
            render(unit, {"value": str(count)}, self)
            for unit, count in (("hours", hours), ("minutes", minutes), ("seconds", secs))
            if count
        ]
        return " ".join(parts) or render("seconds", {"value": "0"}, self)


ENGLISH = Formatter()


def render_value(value: Any, formatter: Formatter = ENGLISH) -> str:
    """One parameter value as text (see the module docstring for the kinds)."""
    if isinstance(value, Mapping):
        if "msg" in value:
            return render(value["msg"], value.get("params") or {}, formatter)
        if "temp" in value:
            return formatter.temp(value["temp"])
        if "rate" in value:
            return formatter.rate(value["rate"])
        if "duration" in value:
            return formatter.duration(value["duration"])
        raise ValueError(f"unknown parameter value {value!r}")
    if value is None:
        return ""
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


# ------------------------------------------------------------------------- explanations


def _limit(side: str, rule: Any) -> dict | str:
    """The breached limit as a clause (``above 8.0 °C``), by side and inclusiveness."""
    high = side in ("high", "rise")
    value = rule.max if high else rule.min
    if value is None:
        return ""
    if high:
        return msg("limit_at_or_above" if rule.inclusive else "limit_above", value=temp(value))
    return msg("limit_at_or_below" if rule.inclusive else "limit_below", value=temp(value))


def _extreme(side: str, peak: float | None) -> dict | str:
    if peak is None:
        return ""
    return msg("extreme_peak" if side == "high" else "extreme_lowest", value=temp(peak))


def explain(event: Any, rule: Any) -> tuple[str, dict]:  # noqa: PLR0911 - one per rule kind
    """``(code, params)`` of what ``event`` (an :class:`~.excursion_types.Excursion`, or
    any object with its attributes) is against ``rule`` (a :class:`~.excursion_types.Rule`
    or any object with its attributes: the version that fired)."""
    kind, side = rule.kind, event.side
    ongoing = msg("ongoing") if event.is_open else ""
    out_of_range = duration(event.time_out_of_range_s or 0)
    if kind == KIND_DOOR:
        params = {"duration": duration(event.duration_s), "delay": duration(rule.delay_s)}
        return "excursion_door", {**params, "ongoing": ongoing}
    if kind == KIND_MONITORING:
        params = {"duration": duration(event.duration_s), "max_gap": duration(rule.max_gap_s)}
        return "excursion_monitoring", {**params, "ongoing": ongoing}
    if kind == KIND_RATE:
        limit = rule.max if side == "rise" else rule.min
        params = {
            "rate": rate(abs(event.metric or 0.0)),
            "limit": rate(abs(limit or 0.0)),
            "ongoing": ongoing,
        }
        return ("excursion_rate_rise" if side == "rise" else "excursion_rate_fall"), params
    limit, extreme = _limit(side, rule), _extreme(side, event.peak)
    if kind == KIND_MKT:
        value = event.mkt if event.mkt is not None else event.metric
        return "excursion_mkt", {
            "window": duration(rule.window_s),
            "limit": limit,
            "mkt": temp(value or 0.0),
            "ongoing": ongoing,
        }
    if kind == KIND_BUDGET:
        window = ""
        if rule.reset != RESET_NEVER and rule.window_s:
            code = "budget_periodic" if rule.reset == RESET_PERIODIC else "budget_rolling"
            window = msg(code, window=duration(rule.window_s))
        return "excursion_budget", {
            "limit": limit,
            "budget": duration(rule.budget_s),
            "window": window,
            "used": duration(event.metric or event.time_out_of_range_s or 0),
            "extreme": extreme,
            "ongoing": ongoing,
        }
    params = {"limit": limit, "extreme": extreme, "out_of_range": out_of_range, "ongoing": ongoing}
    if kind == KIND_DELAY:
        return "excursion_delay", {**params, "delay": duration(rule.delay_s)}
    if kind != KIND_THRESHOLD:
        raise ValueError(f"unknown rule kind {kind!r}")
    return "excursion_threshold", params
