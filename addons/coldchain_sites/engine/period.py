"""Period summary and downsampling of readings (pure numpy, no Odoo).

Time weighting ("sample and hold"): a reading stands for the time from its timestamp
to the next reading of the same series, clipped to the period and capped at
``max_hold_s`` (a longer silence is a gap: it counts in no figure, and is reported as
``uncovered_s``).  A reading taken before the period starts stands for the start of
the period (the value in force when it began).

One function, :func:`period_summary`, computes every figure the screens and the
reports show for a zone or a lot: MKT (ΔH/R of the profile), time-weighted mean,
min, max, minutes above and below the band.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .excursion_types import DEFAULT_DH_R
from .mkt import arrhenius_weight, mkt_from_sums

BUCKET_S = 300  # the pre-aggregated series: 5-minute min/max/mean per sensor


@dataclass(frozen=True)
class PeriodSummary:
    start: int
    end: int
    readings: int
    covered_s: float
    uncovered_s: float
    mean: float | None
    min: float | None
    max: float | None
    mkt: float | None
    dh_r: float
    above_s: float
    below_s: float

    @property
    def minutes_above(self) -> float:
        return self.above_s / 60.0

    @property
    def minutes_below(self) -> float:
        return self.below_s / 60.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["minutes_above"] = round(self.minutes_above, 1)
        data["minutes_below"] = round(self.minutes_below, 1)
        return data


def hold_durations(ts: np.ndarray, start: int, end: int, max_hold_s: float | None) -> np.ndarray:
    """Seconds each reading of a sorted series stands for inside [start, end)."""
    ts = np.asarray(ts, dtype=np.float64)
    if ts.size == 0:
        return np.zeros(0)
    nxt = np.append(ts[1:], np.inf)
    if max_hold_s is not None:
        nxt = np.minimum(nxt, ts + max_hold_s)
    lo = np.maximum(ts, start)
    hi = np.minimum(nxt, end)
    return np.clip(hi - lo, 0.0, None)


def period_summary(
    ts,
    values,
    start: int,
    end: int,
    band: tuple[float | None, float | None] = (None, None),
    dh_r: float = DEFAULT_DH_R,
    max_hold_s: float | None = None,
) -> PeriodSummary:
    """Summary of one series (``ts`` epoch seconds, sorted) over [start, end).

    ``band`` (min, max) °C: time strictly below min / strictly above max counts as
    below / above (a reading equal to a limit is in range).  Min and max are those of
    the readings that stand for some time in the period."""
    if end <= start:
        raise ValueError("period end must follow its start")
    ts = np.asarray(ts, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if ts.shape != values.shape:
        raise ValueError("ts and values must have the same shape")
    if ts.size > 1 and (np.diff(ts) < 0).any():
        order = np.argsort(ts, kind="stable")
        ts, values = ts[order], values[order]
    # a NaN value is a gap marker: it ends the previous hold and stands for nothing
    valid = ~np.isnan(values)
    weights = np.where(valid, hold_durations(ts, start, end, max_hold_s), 0.0)
    values = np.where(valid, values, 0.0)
    used = weights > 0
    covered = float(weights.sum())
    lo, hi = band
    above = float(weights[values > hi].sum()) if hi is not None else 0.0
    below = float(weights[values < lo].sum()) if lo is not None else 0.0
    if covered > 0:
        mean = float((weights * values).sum() / covered)
        vmin = float(values[used].min())
        vmax = float(values[used].max())
        mkt = float(mkt_from_sums((weights * arrhenius_weight(values, dh_r)).sum(), covered, dh_r))
    else:
        mean = vmin = vmax = mkt = None
    return PeriodSummary(
        start=int(start),
        end=int(end),
        readings=int(used.sum()),
        covered_s=covered,
        uncovered_s=float(end - start) - covered,
        mean=mean,
        min=vmin,
        max=vmax,
        mkt=mkt,
        dh_r=float(dh_r),
        above_s=above,
        below_s=below,
    )


def concatenate_stays(stays):
    """Readings of a lot: ``stays`` is a list of (ts, values, stay_start, stay_end) —
    the readings of the zone the lot was in and the time it was there.  Returns
    (ts, values) clipped to each stay, with a NaN gap marker at each departure: the
    summary of the lot is :func:`period_summary` over the result."""
    out_ts, out_v = [], []
    for zone_ts, zone_values, s_start, s_end in sorted(stays, key=lambda stay: stay[2]):
        ts = np.asarray(zone_ts, dtype=np.float64)
        values = np.asarray(zone_values, dtype=np.float64)
        # the reading in force when the lot arrived stands for the arrival
        before = np.nonzero(ts <= s_start)[0]
        first = before[-1] if before.size else 0
        keep = np.arange(first, ts.size)
        keep = keep[ts[keep] < s_end]
        t = np.maximum(ts[keep], s_start)
        out_ts.append(t)
        out_v.append(values[keep])
        # a sentinel NaN reading at the stay's end stops the hold at departure
        out_ts.append(np.array([float(s_end)]))
        out_v.append(np.array([np.nan]))
    if not out_ts:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(out_ts), np.concatenate(out_v)


def lot_summary(stays, start, end, band=(None, None), dh_r=DEFAULT_DH_R, max_hold_s=None):
    """Period summary of a lot over the zones it stayed in (see :func:`concatenate_stays`)."""
    ts, values = concatenate_stays(stays)
    return period_summary(ts, values, start, end, band, dh_r, max_hold_s)


def downsample(sensor_ids, ts, values, bucket_s: int = BUCKET_S):
    """Min/max/sum/count per (sensor, bucket): what the 5-minute series stores.

    Returns a dict of arrays ``sensor_id, bucket, min, max, sum, count`` sorted by
    sensor then bucket (``bucket`` is the bucket's start, epoch seconds)."""
    sensor_ids = np.asarray(sensor_ids, dtype=np.int64)
    ts = np.asarray(ts, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    if ts.size == 0:
        empty_i, empty_f = np.zeros(0, np.int64), np.zeros(0)
        return {
            "sensor_id": empty_i,
            "bucket": empty_i,
            "min": empty_f,
            "max": empty_f,
            "sum": empty_f,
            "count": empty_i,
        }
    bucket = ts - np.mod(ts, bucket_s)
    order = np.lexsort((bucket, sensor_ids))
    s, b, v = sensor_ids[order], bucket[order], values[order]
    new = np.ones(s.size, dtype=bool)
    new[1:] = (s[1:] != s[:-1]) | (b[1:] != b[:-1])
    starts = np.nonzero(new)[0]
    return {
        "sensor_id": s[starts],
        "bucket": b[starts],
        "min": np.minimum.reduceat(v, starts),
        "max": np.maximum.reduceat(v, starts),
        "sum": np.add.reduceat(v, starts),
        "count": np.diff(np.append(starts, s.size)),
    }
