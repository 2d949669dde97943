"""Deterministic telemetry of the demo's cold sites for the last day (pure Python).

The readings cover ``HISTORY_HOURS`` before an anchor, one every ``STEP_S`` seconds
per sensor (within the default *monitoring lost* rule's silence of 3 × the demo
sensors' 60 s interval), around each zone's set point, with a few *episodes* that
the cold chain's own excursion evaluation turns into excursions:

* ``closed``: Lyon's chilled zone warm for 40 min (product at risk), 20 h ago;
* ``silent``: a freezer probe at Lyon silent for 20 min, 14 h ago (monitoring lost);
* ``escalated``: a short freezer spike at Rotterdam, 11 h ago (operator action);
* ``acknowledged``: Lyon's chilled zone warm again, 46 min (product at risk), 6 h ago;
* ``door``: Rotterdam's chilled-zone door open for 10 min, 3 h ago;
* ``open``: a short freezer spike at Lyon, 90 min ago.

The loader inserts the readings in two passes split at ``PASS_SPLIT_HOURS`` before
the anchor (the older episodes are handled, signed and escalated before the newer
ones arrive).  Times are epoch seconds; the anchor is whatever the loader passes.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

STEP_S = 120
HISTORY_HOURS = 24
PASS_SPLIT_HOURS = 8
#: Set point (°C) and amplitude of the slow defrost/compressor cycle per zone key.
ZONE_BASELINE = {"CHILL": (5.0, 0.8), "FREEZE": (-20.0, 1.5)}
CYCLE_S = 6 * 3600


@dataclass(frozen=True)
class Episode:
    purpose: str  # closed, silent, escalated, acknowledged, door, open
    sensor: str  # sensor code (zone barcode + suffix)
    start_min: int  # minutes before the anchor
    minutes: int
    value: float | None  # reading during the episode; None: no readings (silence)


EPISODES = (
    Episode("closed", "LYS-CHILL-T2", 20 * 60, 40, 11.0),
    Episode("silent", "LYS-FREEZE-T2", 14 * 60, 20, None),
    Episode("escalated", "RTM-FREEZE-T2", 11 * 60, 10, -11.0),
    Episode("acknowledged", "LYS-CHILL-T1", 6 * 60, 46, 10.5),
    Episode("door", "RTM-CHILL-D1", 3 * 60, 10, 1.0),
    Episode("open", "LYS-FREEZE-T1", 90, 8, -12.0),
)
EPISODE_OF = {e.purpose: e for e in EPISODES}


@dataclass(frozen=True)
class Calibration:
    purpose: str  # due (within the week), overdue
    sensor: str
    days_ago: int  # calibration date, days before the anchor
    due_in_days: int  # next due date, days after the anchor (negative: past)
    note: str


CALIBRATIONS = (
    Calibration(
        "due",
        "LYS-CHILL-T2",
        25,
        5,
        "Drift of 0.4 °C found at the quarterly check: short interval until the probe is replaced.",
    ),
    Calibration(
        "overdue",
        "RTM-FREEZE-T1",
        40,
        -3,
        "Monthly verification of the freezer probe after its repair.",
    ),
)


def zone_key(code: str) -> str:
    """``RTM-CHILL-T1`` → ``CHILL``."""
    return code.split("-")[1]


def baseline(code: str, ts: int) -> float:
    """Normal reading of sensor ``code`` at epoch ``ts`` (door contacts: closed)."""
    if code.endswith(tuple(f"-D{i}" for i in range(1, 10))):
        return 0.0
    set_point, amplitude = ZONE_BASELINE[zone_key(code)]
    phase = (zlib.crc32(code.encode()) % 360) * math.pi / 180.0
    return round(set_point + amplitude * math.sin(2 * math.pi * ts / CYCLE_S + phase), 1)


def _window(episode: Episode, anchor_ts: int) -> tuple[int, int]:
    start = anchor_ts - episode.start_min * 60
    return start, start + episode.minutes * 60


def series(codes, anchor_ts: int, since_h: float, until_h: float):
    """Readings ``(code, ts, value)`` of ``codes`` from ``since_h`` hours before the
    anchor (included) to ``until_h`` hours before it (excluded; ``0``: up to the anchor
    included), on the grid of ``STEP_S`` seconds that ends at the anchor."""
    windows = {}
    for episode in EPISODES:
        windows.setdefault(episode.sensor, []).append((*_window(episode, anchor_ts), episode.value))
    first = anchor_ts - int(since_h * 3600)
    last = anchor_ts - int(until_h * 3600)
    rows = []
    for code in sorted(codes):
        for k in range((anchor_ts - first) // STEP_S, -1, -1):
            ts = anchor_ts - k * STEP_S
            if ts < first or ts > last or (ts == last and until_h):
                continue
            hit = next((w for w in windows.get(code, ()) if w[0] <= ts < w[1]), None)
            if hit is None:
                rows.append((code, ts, baseline(code, ts)))
            elif hit[2] is not None:  # None: the sensor is silent
                rows.append((code, ts, hit[2]))
    return rows
