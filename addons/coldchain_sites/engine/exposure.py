"""Which goods stood in a zone during an excursion, how many and for how long.

Pure Python (no Odoo import).  The Odoo adapter gathers the done stock move lines
that crossed the boundary of the zone (the location *and its children*) and passes
them here as :class:`StockEvent` rows:

* ``delta > 0``: goods entered the zone (source outside, destination inside);
* ``delta < 0``: goods left it (source inside, destination outside).

Moves between two locations of the zone change nothing and are not passed.  Events
dated before the window only set the starting level, so the adapter may pre-aggregate
them (one event per key, any date before ``start``).

Semantics (sample and hold, as the excursion engine): a move dated ``t`` changes the
level from ``t`` on.  The level at the window start is the sum of every event dated
at or before ``start``.  A key (product, lot) is *exposed* when its level is positive
at the window start or after an event dated inside the window
(``start < t <= end``); a lot that left one minute before the excursion started has
level 0 from then on and is not exposed.

For each exposed key :func:`compute_exposure` returns the largest quantity present
in the window, the seconds during which some quantity was present
(``exposure_s``), and when that presence first began and last ended inside the
window.  An open excursion is evaluated up to ``end`` = "now".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

EPSILON = 1e-9


@dataclass(frozen=True)
class StockEvent:
    """A quantity entering (``delta > 0``) or leaving (``delta < 0``) the zone."""

    key: Hashable  # (product_id, lot_id or None)
    ts: int  # epoch seconds
    delta: float


@dataclass(frozen=True)
class Exposure:
    key: Hashable
    max_quantity: float
    exposure_s: int
    first_ts: int  # start of presence inside the window
    last_ts: int  # end of presence inside the window (``end`` if still there)
    quantity_at_start: float


def compute_exposure(
    events: Iterable[StockEvent], start: int, end: int, epsilon: float = EPSILON
) -> dict[Hashable, Exposure]:
    """Exposure per key of ``events`` over the window ``[start, end]`` (epoch s)."""
    if end < start:
        raise ValueError("the window must not end before it starts")
    by_key: dict[Hashable, list[StockEvent]] = defaultdict(list)
    for event in events:
        if event.ts <= end:
            by_key[event.key].append(event)
    result: dict[Hashable, Exposure] = {}
    for key, rows in by_key.items():
        level = 0.0
        inside: list[tuple[int, float]] = []
        for event in sorted(rows, key=lambda e: e.ts):
            if event.ts <= start:
                level += event.delta
            else:
                inside.append((event.ts, event.delta))
        exposure = _walk(key, level, inside, start, end, epsilon)
        if exposure is not None:
            result[key] = exposure
    return result


def _walk(key, level, inside, start, end, epsilon):
    """Follow the level through the window: maximum, time present, first/last presence."""
    quantity_at_start = level
    max_quantity = level if level > epsilon else 0.0
    present_since = start if level > epsilon else None
    first_ts = present_since
    last_ts = None
    exposure_s = 0
    # events of the same instant are applied together (a transfer in and out at once)
    merged: dict[int, float] = defaultdict(float)
    for ts, delta in inside:
        merged[ts] += delta
    for ts in sorted(merged):
        level += merged[ts]
        if present_since is not None and level <= epsilon:
            exposure_s += ts - present_since
            last_ts = ts
            present_since = None
        elif present_since is None and level > epsilon:
            present_since = ts
            if first_ts is None:
                first_ts = ts
        if level > max_quantity + epsilon:
            max_quantity = level
    if present_since is not None:
        exposure_s += end - present_since
        last_ts = end
    if first_ts is None:
        return None
    return Exposure(
        key=key,
        max_quantity=round(max_quantity, 9),
        exposure_s=int(exposure_s),
        first_ts=int(first_ts),
        last_ts=int(last_ts),
        quantity_at_start=round(max(quantity_at_start, 0.0), 9),
    )
