"""Small helpers shared by the engine modules: numbers, dates, formatting, log payloads.

Nothing here knows about orders or warehouses; the helpers exist so that every module
formats figures the same way ("12,400.00", "7.5") and compares dates the same way.

Dates
    The engine accepts :class:`datetime.date` or *naive* :class:`datetime.datetime`
    values (Odoo stores naive UTC datetimes).  Aware datetimes are converted to naive
    UTC.  A bare ``date`` means "a whole day": as a *deadline* (a line's promised
    date) it stands for the end of that day, as an *event* (a receipt's arrival) for
    its start.  :func:`as_datetime` implements that rule so ``date`` and ``datetime``
    values can be mixed safely.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from enum import Enum
from typing import Any

#: Absolute tolerance used for every quantity comparison of the engine.
EPS = 1e-9


def is_number(value: object) -> bool:
    """Return True when ``value`` is a finite ``int`` or ``float`` (``bool`` excluded)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def clean(quantity: float) -> float:
    """Return ``quantity`` with float noise below :data:`EPS` (in absolute value) zeroed."""
    return 0.0 if abs(quantity) < EPS else quantity


def as_datetime(value: date | datetime | None, *, end_of_day: bool = False) -> datetime | None:
    """Normalise a date or datetime to a naive datetime, keeping ``None``.

    A ``datetime`` is returned as is (aware values converted to naive UTC).  A ``date``
    becomes midnight of that day, or ``23:59:59.999999`` when ``end_of_day`` is true.

    Raises:
        TypeError: for anything that is neither a date nor None.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return datetime.combine(value, time.max if end_of_day else time.min)
    raise TypeError(f"expected a date or datetime, got {type(value).__name__}: {value!r}")


def fmt_amount(value: float) -> str:
    """Format a monetary figure with thousands separators and 2 decimals: ``12,400.00``."""
    return f"{value:,.2f}"


def fmt_qty(value: float) -> str:
    """Format a quantity: integers without decimals (``1,200``), others with up to 3 (``2.5``)."""
    if abs(value - round(value)) < EPS:
        return f"{round(value):,}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def fmt_pct(value: float) -> str:
    """Format a percentage with 2 decimals and a percent sign: ``12.50%``."""
    return f"{value:,.2f}%"


def fmt_when(value: date | datetime | None) -> str:
    """Format a date (``2025-03-01``) or datetime (``2025-03-01 14:30``); None gives ``today``."""
    if value is None:
        return "today"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def jsonable(value: Any) -> Any:  # noqa: PLR0911 - one return per type family
    """Return ``value`` converted to JSON-compatible data for the immutable decision log.

    Dates become ISO strings, enums their value, tuples/sets lists (sets sorted by
    ``repr`` for determinism), mappings dicts with string keys, dataclass-like objects
    with ``__dataclass_fields__`` dicts of their fields.
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return [jsonable(item) for item in sorted(value, key=repr)]
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is not None:
        return {name: jsonable(getattr(value, name)) for name in fields}
    return repr(value)
