"""Available-to-promise: the one definition of "available" (pure Python, no Odoo).

Every consumer uses this module: the order pipeline (its stock availability check
and the allocation, through :meth:`.allocation.Availability.from_positions`), the
multi-site inventory status screen and rebalancing (its SQL view embeds
:func:`available_to_promise_sql`, the same rule written in SQL), and the
stock-out / below-safety classification of :mod:`.stock_status`.

Figures of one product at one site, in the product's stock unit:

on hand
    quantity in the site's internal locations.
reserved
    quantity already reserved for outgoing moves (it belongs to another order).
unavailable
    unreserved quantity that cannot be promised although it is on the shelf: lots
    that are quarantined or on hold (cold chain) or expired.  What is reserved on
    such a lot is already counted in *reserved*, so it is never subtracted twice.
safety stock
    the site's reordering-rule minimum: kept back for the unexpected.

Derived, per product and site:

usable
    ``on hand - reserved - unavailable``: what could physically be picked now.
    The stock status compares it to the safety stock (below safety, days of cover).
available to promise (ATP)
    ``usable - safety stock``.  Negative means a *deficit*: incoming receipts must
    cover it before any of them can be promised (the allocation nets it against
    the earliest receipts).  What can be promised *now* is ``max(ATP, 0)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .common import is_number


class AvailabilityInputError(ValueError):
    """A stock figure is not a finite number."""


@dataclass(frozen=True)
class AvailableToPromise:
    """The figures of one product at one site (see the module documentation).

    Attributes:
        usable: on hand - reserved - unavailable (may be negative).
        net: usable - safety stock (negative: a deficit to be covered by receipts).
    """

    usable: float
    net: float

    @property
    def now(self) -> float:
        """What can be promised from stock now: ``max(net, 0)``."""
        return max(self.net, 0.0)

    @property
    def usable_now(self) -> float:
        """Usable stock floored at 0 (what the status screen shows and classifies)."""
        return max(self.usable, 0.0)


def available_to_promise(
    on_hand: float,
    reserved: float = 0.0,
    safety_stock: float = 0.0,
    unavailable: float = 0.0,
) -> AvailableToPromise:
    """Available to promise of one product at one site.

    Args:
        on_hand: quantity on hand in the site's internal locations.
        reserved: quantity reserved for outgoing moves.
        safety_stock: the site's safety stock (reordering-rule minimum).
        unavailable: unreserved quantity in quarantined, held or expired lots.

    Raises:
        AvailabilityInputError: a figure is not a finite number.
    """
    for name, value in (
        ("on_hand", on_hand),
        ("reserved", reserved),
        ("safety_stock", safety_stock),
        ("unavailable", unavailable),
    ):
        if not is_number(value):
            raise AvailabilityInputError(f"{name} must be a finite number, got {value!r}")
    usable = on_hand - reserved - unavailable
    return AvailableToPromise(usable=usable, net=usable - safety_stock)


def available_to_promise_sql(
    on_hand: str, reserved: str, safety_stock: str, unavailable: str
) -> dict[str, str]:
    """The same rule as SQL expressions over the given column expressions.

    Returns ``{"usable": ..., "net": ..., "usable_now": ..., "now": ...}``, matching
    the attributes and properties of :class:`AvailableToPromise` (portable SQL:
    ``CASE`` rather than ``GREATEST``, so the engine tests can evaluate it).
    """
    usable = f"(({on_hand}) - ({reserved}) - ({unavailable}))"
    net = f"({usable} - ({safety_stock}))"
    return {
        "usable": usable,
        "net": net,
        "usable_now": f"(CASE WHEN {usable} > 0 THEN {usable} ELSE 0 END)",
        "now": f"(CASE WHEN {net} > 0 THEN {net} ELSE 0 END)",
    }
