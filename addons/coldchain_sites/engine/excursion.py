"""Vectorised excursion engine (numpy only, no per-reading Python loop).

Public API
----------
* :class:`~.excursion_types.Readings`, :class:`~.excursion_types.Rule`,
  :class:`~.excursion_types.Excursion` (semantics documented in ``excursion_types``).
* :class:`ExcursionEvaluator`: ``evaluate(readings, now=None)`` processes the readings
  that arrived since the last call, carrying per-(rule, sensor) state; ``state()`` /
  ``ExcursionEvaluator(rules, state=...)`` export and restore that state as JSON-able
  plain data.  Upserting the events of successive calls by ``Excursion.key`` gives
  exactly the events of one call over the whole history.
* :func:`evaluate_history`: one-shot evaluation of a whole history.

How it works
------------
Readings are sorted stably by (channel, sensor, ts) with one int64 key.  Every rule then
computes, for each reading, a breach code (+1 high, -1 low, 0 none) with array
operations; events are the maximal runs of equal non-zero codes inside a sensor's
segment (``np.diff`` on the codes, ``reduceat`` for peaks, metrics and time out of
range).  Windows (rolling budget, MKT) use prefix sums and one ``searchsorted`` on a
(segment, ts) key; the piece of the reading that straddles the window start is clipped.

Large batches are cut into parts of whole sensors (``PART_ROWS`` rows) so that all rules
run over a part while its columns sit in the CPU cache; parts run on a thread pool
(numpy releases the GIL) and their events and state rows are stacked in sensor order.

Incremental runs prepend, per sensor, the carried context rows (the last reading, plus
for windowed rules the readings whose hold interval still reaches into the window) to
the new readings.  Context rows never start events: their codes are overwritten with
the carried run's code (last row) or 0, and the run that continues from the last row
takes its start, peak, time out of range and metric from the carried state.

Readings of a sensor/channel that are not newer than the last one already processed
(late backfill) are dropped and counted in ``EvaluationResult.late``; re-evaluate from
the stored history (fresh evaluator) when that happens.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import Any

import numpy as np

from .excursion_types import (
    CHANNEL_DOOR,
    CHANNEL_TEMPERATURE,
    KIND_BUDGET,
    KIND_DELAY,
    KIND_DOOR,
    KIND_MKT,
    KIND_MONITORING,
    KIND_RATE,
    KIND_THRESHOLD,
    RESET_NEVER,
    RESET_PERIODIC,
    RESET_ROLLING,
    Excursion,
    Readings,
    Rule,
    out_code,
    side_name,
    trigger_offset,
)
from .mkt import arrhenius_weight, mkt_from_sums

__all__ = [
    "CHANNEL_DOOR",
    "CHANNEL_TEMPERATURE",
    "EvaluationResult",
    "EventColumns",
    "Excursion",
    "ExcursionEvaluator",
    "Readings",
    "Rule",
    "evaluate_history",
]

INT_NONE = np.iinfo(np.int64).min  # "no value" in int64 columns
TS_BITS = 40  # timestamps of one batch must span less than 2**40 s
STATE_FORMAT = 1
CHUNK_ROWS = 1 << 14  # rows per searchsorted chunk (cache-sized)
PART_ROWS = 1 << 17  # rows per part of whole sensors evaluated together (cache-sized)


# --------------------------------------------------------------------------- events


@dataclass
class EventColumns:
    """Events of one rule as parallel arrays (``end`` is ``INT_NONE`` while open)."""

    rule: Rule
    sensor: np.ndarray
    code: np.ndarray
    start: np.ndarray
    end: np.ndarray
    peak: np.ndarray
    duration: np.ndarray
    oor: np.ndarray
    metric: np.ndarray
    void: np.ndarray

    def __len__(self) -> int:
        return len(self.sensor)

    def to_events(self) -> list[Excursion]:
        rule = self.rule
        offset = trigger_offset(rule)
        is_mkt = rule.kind == KIND_MKT
        has_metric = rule.kind in (KIND_MKT, KIND_BUDGET, KIND_RATE)
        events = []
        for sensor, code, start, end, peak, duration, oor, metric, void in zip(
            self.sensor.tolist(),
            self.code.tolist(),
            self.start.tolist(),
            self.end.tolist(),
            self.peak.tolist(),
            self.duration.tolist(),
            self.oor.tolist(),
            self.metric.tolist(),
            self.void.tolist(),
            strict=True,
        ):
            is_open = end == INT_NONE
            events.append(
                Excursion(
                    rule_id=rule.id,
                    rule_version=rule.version,
                    kind=rule.kind,
                    sensor=sensor,
                    side=side_name(rule.kind, code),
                    start_ts=start,
                    end_ts=None if is_open else end,
                    trigger_ts=start + offset,
                    peak=None if math.isnan(peak) else peak,
                    duration_s=duration,
                    time_out_of_range_s=oor,
                    mkt=metric if is_mkt else None,
                    metric=metric if has_metric else None,
                    is_open=is_open,
                    void=void,
                )
            )
        return events


@dataclass
class EvaluationResult:
    columns: list[EventColumns]
    readings: int = 0  # readings evaluated (after dropping duplicates and late ones)
    duplicates: int = 0  # same (channel, sensor, ts) as an earlier reading of the batch
    late: int = 0  # (rule, reading) pairs dropped: not newer than the carried last reading

    def __len__(self) -> int:
        return sum(len(c) for c in self.columns)

    def events(self) -> list[Excursion]:
        """All events, ordered by rule (as configured), sensor and start."""
        out: list[Excursion] = []
        for columns in self.columns:
            out.extend(sorted(columns.to_events(), key=lambda e: (e.sensor, e.start_ts)))
        return out


def _empty_columns(rule: Rule) -> EventColumns:
    i64 = np.empty(0, dtype=np.int64)
    f64 = np.empty(0, dtype=np.float64)
    return EventColumns(
        rule, i64, np.empty(0, np.int8), i64, i64, f64, i64, i64, f64, np.empty(0, bool)
    )


# --------------------------------------------------------------------------- state


@dataclass
class _RuleState:
    """Carried state of one rule, one row per sensor (sorted), plus context tail rows."""

    sensors: np.ndarray  # int64, sorted, unique
    last_ts: np.ndarray  # int64
    last_value: np.ndarray  # float64
    run_code: np.ndarray  # int8, 0 = no run in progress at the last reading
    run_start: np.ndarray  # int64
    run_peak: np.ndarray  # float64
    run_oor: np.ndarray  # int64
    run_metric: np.ndarray  # float64
    base: np.ndarray  # int64: budget consumed at the last reading (periodic / never)
    gap_open: np.ndarray  # int64: start of an open monitoring gap announced, else INT_NONE
    ctx_sensor: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    ctx_ts: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    ctx_value: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))

    ROW_FIELDS = (
        ("sensors", np.int64),
        ("last_ts", np.int64),
        ("last_value", np.float64),
        ("run_code", np.int8),
        ("run_start", np.int64),
        ("run_peak", np.float64),
        ("run_oor", np.int64),
        ("run_metric", np.float64),
        ("base", np.int64),
        ("gap_open", np.int64),
    )
    CTX_FIELDS = (("ctx_sensor", np.int64), ("ctx_ts", np.int64), ("ctx_value", np.float64))

    def to_json(self) -> dict[str, list]:
        data: dict[str, list] = {}
        for name, _dtype in self.ROW_FIELDS + self.CTX_FIELDS:
            values = getattr(self, name)
            if values.dtype == np.float64:
                data[name] = [None if math.isnan(v) else v for v in values.tolist()]
            elif name in ("run_start", "gap_open"):
                data[name] = [None if v == INT_NONE else v for v in values.tolist()]
            else:
                data[name] = values.tolist()
        return data

    @classmethod
    def from_json(cls, data: dict[str, list]) -> _RuleState:
        arrays = {}
        for name, dtype in cls.ROW_FIELDS + cls.CTX_FIELDS:
            raw = data.get(name, [])
            if dtype == np.float64:
                raw = [np.nan if v is None else v for v in raw]
            elif name in ("run_start", "gap_open"):
                raw = [INT_NONE if v is None else v for v in raw]
            arrays[name] = np.asarray(raw, dtype=dtype)
        return cls(**arrays)

    def lookup(self, sensor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(index into the rows, found mask) for each sensor id."""
        pos = np.searchsorted(self.sensors, sensor)
        pos_c = np.minimum(pos, max(len(self.sensors) - 1, 0))
        found = (pos < len(self.sensors)) & (self.sensors[pos_c] == sensor)
        return pos_c, found

    @classmethod
    def concat(cls, parts: list[_RuleState]) -> _RuleState:
        """States of parts with disjoint, increasing sensor ranges."""
        if len(parts) == 1:
            return parts[0]
        names = [name for name, _dtype in cls.ROW_FIELDS + cls.CTX_FIELDS]
        return cls(**{name: np.concatenate([getattr(p, name) for p in parts]) for name in names})

    def select(self, sensors: np.ndarray, keep: bool = True) -> _RuleState:
        """Rows (and context rows) of ``sensors`` (``keep=False``: of every other sensor)."""
        rows = np.isin(self.sensors, sensors)
        ctx = np.isin(self.ctx_sensor, sensors)
        if not keep:
            rows, ctx = ~rows, ~ctx
        data = {name: getattr(self, name)[rows] for name, _dtype in self.ROW_FIELDS}
        data.update({name: getattr(self, name)[ctx] for name, _dtype in self.CTX_FIELDS})
        return _RuleState(**data)

    def merge(self, new: _RuleState) -> _RuleState:
        """Rows of ``new`` replace this state's rows of the same sensors."""
        keep = ~np.isin(self.sensors, new.sensors, assume_unique=True)
        keep_ctx = ~np.isin(self.ctx_sensor, new.sensors)
        merged: dict[str, np.ndarray] = {}
        order = np.argsort(np.concatenate([self.sensors[keep], new.sensors]), kind="stable")
        for name, _dtype in self.ROW_FIELDS:
            merged[name] = np.concatenate([getattr(self, name)[keep], getattr(new, name)])[order]
        ctx_sensor = np.concatenate([self.ctx_sensor[keep_ctx], new.ctx_sensor])
        ctx_ts = np.concatenate([self.ctx_ts[keep_ctx], new.ctx_ts])
        order = np.lexsort((ctx_ts, ctx_sensor))
        merged["ctx_sensor"] = ctx_sensor[order]
        merged["ctx_ts"] = ctx_ts[order]
        merged["ctx_value"] = np.concatenate([self.ctx_value[keep_ctx], new.ctx_value])[order]
        return _RuleState(**merged)


# --------------------------------------------------------------------------- frames


class _Frame:
    """Sorted readings of one rule (sensor, ts, value) with segment helpers, cached.

    ``ctx_row``: for carried context rows the index of their sensor in the rule state
    (-1 for new readings); ``ctx_last``: the carried last reading of each sensor.
    """

    def __init__(
        self,
        sensor: np.ndarray,
        ts: np.ndarray,
        value: np.ndarray,
        ctx_row: np.ndarray | None = None,
        ctx_last: np.ndarray | None = None,
    ) -> None:
        self.sensor = sensor
        self.ts = ts
        self.value = value
        self.ctx_row = ctx_row
        self.ctx_last = ctx_last
        self.n = len(ts)
        self.cache: dict[Any, Any] = {}

    @cached_property
    def seg_first(self) -> np.ndarray:
        first = np.empty(self.n, dtype=bool)
        if self.n:
            first[0] = True
            np.not_equal(self.sensor[1:], self.sensor[:-1], out=first[1:])
        return first

    @cached_property
    def seg_last(self) -> np.ndarray:
        last = np.empty(self.n, dtype=bool)
        if self.n:
            last[-1] = True
            last[:-1] = self.seg_first[1:]
        return last

    @cached_property
    def seg_starts(self) -> np.ndarray:
        return np.flatnonzero(self.seg_first)

    @cached_property
    def seg_id(self) -> np.ndarray:
        return np.cumsum(self.seg_first, dtype=np.int64) - 1

    @cached_property
    def seg_start_row(self) -> np.ndarray:
        return self.seg_starts[self.seg_id]

    @cached_property
    def d(self) -> np.ndarray:
        """Seconds each reading stands for (0 for the last reading of a segment)."""
        d = np.empty(self.n, dtype=np.int64)
        if self.n:
            np.subtract(self.ts[1:], self.ts[:-1], out=d[:-1])
            d[-1] = 0
            d[self.seg_last] = 0
        return d

    @cached_property
    def tmin(self) -> int:
        return int(self.ts.min()) if self.n else 0

    @cached_property
    def gkey(self) -> np.ndarray:
        """(sensor, ts) as one sorted int64 key."""
        key = self.sensor.astype(np.int64)
        key <<= TS_BITS
        key += self.ts
        key -= self.tmin
        return key

    @cached_property
    def chunk_bounds(self) -> np.ndarray:
        """Row bounds, on segment starts, of chunks of about CHUNK_ROWS rows."""
        starts = self.seg_starts
        at = np.searchsorted(starts, np.arange(0, self.n, CHUNK_ROWS))
        bounds = starts[np.minimum(at, len(starts) - 1)]
        return np.unique(np.concatenate([[0], bounds, [self.n]]))

    def first_at_or_after(self, back: np.ndarray | int, rows: np.ndarray | None = None):
        """For each query row (every row, or the sorted ``rows``): the first row of its
        segment with ``ts >= ts_row - back`` (``back >= 0``).

        Searched chunk by chunk (chunks hold whole segments) to stay in cache; a query
        reaching before its segment is clamped to the segment's first row.
        """
        if rows is None:
            query = self.gkey - back
            seg_start = self.seg_start_row
            qbounds = bounds = self.chunk_bounds
        else:
            query = self.gkey[rows] - back
            seg_start = self.seg_start_row[rows]
            bounds = self.chunk_bounds
            qbounds = np.searchsorted(rows, bounds)
        found = np.empty(len(query), dtype=np.int64)
        gkey = self.gkey
        for lo, hi, qlo, qhi in zip(
            bounds[:-1].tolist(),
            bounds[1:].tolist(),
            qbounds[:-1].tolist(),
            qbounds[1:].tolist(),
            strict=True,
        ):
            if qhi > qlo:
                found[qlo:qhi] = np.searchsorted(gkey[lo:hi], query[qlo:qhi])
                found[qlo:qhi] += lo
        np.maximum(found, seg_start, out=found)
        return found

    @cached_property
    def first_ts(self) -> np.ndarray:
        """Per row: timestamp of its segment's first row."""
        return self.ts[self.seg_start_row]

    def out_code(self, rule: Rule) -> np.ndarray:
        """:func:`out_code` of the values against the rule's limits (cached, read-only)."""
        key = ("out", rule.min, rule.max, rule.inclusive)
        if key not in self.cache:
            self.cache[key] = out_code(self.value, rule)
        return self.cache[key]

    def out_time_prefix(self, rule: Rule) -> np.ndarray:
        """Exclusive prefix sums (n + 1) of the seconds each reading stood out of range."""
        key = ("out-time", rule.min, rule.max, rule.inclusive)
        if key not in self.cache:
            prefix = np.empty(self.n + 1, dtype=np.int64)
            prefix[0] = 0
            np.cumsum(self.d * (self.out_code(rule) != 0), out=prefix[1:])
            self.cache[key] = prefix
        return self.cache[key]

    def weights(self, dh_r: float) -> np.ndarray:
        key = ("w", dh_r)
        if key not in self.cache:
            self.cache[key] = arrhenius_weight(self.value, dh_r)
        return self.cache[key]

    def weight_prefix(self, dh_r: float) -> np.ndarray:
        """Exclusive prefix sums of tᵢ·wᵢ: the cumulative weight CW at each row's ts."""
        key = ("wprefix", dh_r)
        if key not in self.cache:
            prefix = np.empty(self.n + 1)
            prefix[0] = 0.0
            np.cumsum(self.weights(dh_r) * self.d, out=prefix[1:])
            self.cache[key] = prefix
        return self.cache[key]

    def mkt_window(self, window_s: int, dh_r: float):
        """Per row j: the seconds covered by its window [start_j, ts_j] (start_j: ts_j -
        window_s, not before the segment's first reading) and the index of the grid
        point at or before start_j in :meth:`cw_grid` (the next one is after it)."""
        key = ("mkt-window", window_s, dh_r)
        if key not in self.cache:
            step, offsets, _cw = self.cw_grid(window_s, dh_r)
            since_first = self.ts - self.first_ts
            covered = np.minimum(since_first, window_s)
            since_first -= window_s
            np.maximum(since_first, 0, out=since_first)
            since_first //= step
            since_first += offsets[self.seg_id]
            self.cache[key] = (covered, since_first)
        return self.cache[key]

    def cw_grid(self, window_s: int, dh_r: float):
        """(step, per-segment offsets, CW at grid points): the cumulative weight CW(t)
        on a grid of ``step`` seconds from each segment's first reading."""
        key = ("cw-grid", window_s, dh_r)
        if key in self.cache:
            return self.cache[key]
        ts = self.ts
        w = self.weights(dh_r)
        prefix = self.weight_prefix(dh_r)
        seg_starts = self.seg_starts
        first = ts[seg_starts]
        last = ts[self.seg_last]
        mean_gap = max(1, int((last - first).sum()) // max(self.n, 1))
        step = max(window_s // 24, mean_gap, 1)
        count = (last - first) // step + 2
        offsets = np.cumsum(count) - count
        point_seg = np.repeat(np.arange(len(seg_starts)), count)
        grid = first[point_seg] + (np.arange(int(count.sum())) - offsets[point_seg]) * step
        query = (self.sensor[seg_starts].astype(np.int64)[point_seg] << TS_BITS) + grid - self.tmin
        row = np.searchsorted(self.gkey, query, side="right") - 1  # last row with ts <= grid
        cw = prefix[row] + w[row] * np.minimum(grid - ts[row], self.d[row])
        self.cache[key] = (step, offsets, cw)
        return self.cache[key]

    def mkt_bound(self, window_s: int, dh_r: float, upper: bool) -> np.ndarray:
        """Per row: an upper (or lower) bound of Σ tᵢ·wᵢ over its window, from the grid
        points on either side of the window start (CW never decreases)."""
        key = ("mkt-bound", window_s, dh_r, upper)
        if key not in self.cache:
            _step, _offsets, cw = self.cw_grid(window_s, dh_r)
            _covered, point = self.mkt_window(window_s, dh_r)
            bound = cw[point] if upper else cw[point + 1]
            np.subtract(self.weight_prefix(dh_r)[:-1], bound, out=bound)
            self.cache[key] = bound
        return self.cache[key]

    def mkt_exact(self, rows: np.ndarray, window_s: int, dh_r: float, start: np.ndarray):
        """Σ tᵢ·wᵢ over [start, ts] at ``rows``, the reading straddling start clipped."""
        w = self.weights(dh_r)
        prefix = self.weight_prefix(dh_r)
        k = self.first_at_or_after(window_s, rows)
        return prefix[rows] - prefix[k] + (self.ts[k] - start) * w[k - 1]


# --------------------------------------------------------------------------- rules


def _window_start(rule: Rule, ts: np.ndarray) -> np.ndarray:
    if rule.reset == RESET_PERIODIC:
        off = rule.window_offset_s
        return (ts - off) // rule.window_s * rule.window_s + off
    return ts - rule.window_s


def _budget_codes(rule: Rule, frame: _Frame, state: _RuleState | None):
    """Budget consumed is only needed where a reading is out of range (a breach needs
    both) and at each segment's last row (carried state): computed on those rows only."""
    oc = frame.out_code(rule)
    out = oc != 0
    rows = np.flatnonzero(out | frame.seg_last)
    held = frame.out_time_prefix(rule)  # held[i]: seconds out of range before row i
    ts = frame.ts
    seg_start = frame.seg_start_row[rows]
    first_ts = ts[seg_start]
    consumed = held[rows]  # a copy: fancy indexing
    if rule.reset == RESET_NEVER:
        consumed -= held[seg_start]
        before_first = np.ones(len(rows), dtype=bool)
    else:
        a = _window_start(rule, ts[rows])
        k = frame.first_at_or_after(ts[rows] - a, rows)
        start = np.maximum(a, first_ts)
        # out time in [a, ts_j]: rows k.. in full, plus the straddling row k-1 from a
        consumed -= held[k] - out[k - 1] * (ts[k] - start)
        before_first = a < first_ts
    if state is not None and frame.ctx_row is not None and rule.reset != RESET_ROLLING:
        carried = frame.ctx_row[seg_start]
        base = np.where(carried >= 0, state.base[np.maximum(carried, 0)], 0)
        consumed += np.where(before_first, base, 0)
    code = np.zeros(frame.n, dtype=np.int8)
    code[rows] = np.where(consumed > rule.budget_s, oc[rows], 0)
    q = np.zeros(frame.n)
    q[rows] = consumed
    return code, out, q


def _mkt_codes(rule: Rule, frame: _Frame):
    """MKT >= L  <=>  Σtw >= Σt·w(L) (MKT grows with the mean weight).  Bounds of Σtw
    select the rows that may be near or beyond a limit; only those get the exact sum
    and the logarithm."""
    window_s, dh_r = rule.window_s, rule.dh_r
    covered, _point = frame.mkt_window(window_s, dh_r)
    near = np.zeros(frame.n, dtype=bool)
    tol = 1e-9
    if rule.max is not None:
        threshold = covered * (arrhenius_weight(rule.max, dh_r) * (1 - tol))
        near |= frame.mkt_bound(window_s, dh_r, upper=True) >= threshold
    if rule.min is not None:
        threshold = covered * (arrhenius_weight(rule.min, dh_r) * (1 + tol))
        near |= frame.mkt_bound(window_s, dh_r, upper=False) <= threshold
    rows = np.flatnonzero(near)
    rows = rows[covered[rows] > 0]
    covered_rows = covered[rows]
    weighted = frame.mkt_exact(rows, window_s, dh_r, frame.ts[rows] - covered_rows)
    mkt = mkt_from_sums(weighted, covered_rows, dh_r)
    code = np.zeros(frame.n, dtype=np.int8)
    code[rows] = out_code(mkt, rule)
    q = np.full(frame.n, np.nan)
    q[rows] = mkt
    return code, frame.out_code(rule) != 0, q


def _codes(rule: Rule, frame: _Frame, state: _RuleState | None):
    """Per-row breach code, out-of-range flag and metric for one rule (no ctx overrides)."""
    value = frame.value
    if rule.kind in (KIND_THRESHOLD, KIND_DELAY):
        code = frame.out_code(rule)
        return code, code != 0, None
    if rule.kind == KIND_DOOR:
        code = (value >= 0.5).view(np.int8)
        return code, code != 0, None
    if rule.kind == KIND_RATE:
        rate = np.full(frame.n, np.nan)
        if frame.n > 1:
            with np.errstate(divide="ignore", invalid="ignore"):
                rate[1:] = (value[1:] - value[:-1]) * 60.0 / (frame.ts[1:] - frame.ts[:-1])
            rate[frame.seg_first] = np.nan
        return out_code(rate, rule), None, rate  # out = code != 0 after overrides
    if rule.kind == KIND_BUDGET:
        return _budget_codes(rule, frame, state)
    if rule.kind == KIND_MKT:
        return _mkt_codes(rule, frame)
    raise ValueError(rule.kind)


@dataclass
class _Runs:
    """Breach runs of one rule: all runs (``starts``/``codes``) and the non-zero ones."""

    starts: np.ndarray  # first row of every run (zero-code runs included)
    codes: np.ndarray  # code of every run
    rows: np.ndarray  # first row of each breach run
    sign: np.ndarray  # int64 code (+1 / -1) of each breach run
    start: np.ndarray  # start ts (carried start for a run continued from the state)
    end: np.ndarray  # ts of the first row after the run, INT_NONE while open
    duration: np.ndarray
    peak: np.ndarray
    oor: np.ndarray
    metric: np.ndarray


def _apply_ctx_codes(code: np.ndarray, frame: _Frame, state: _RuleState | None) -> np.ndarray:
    """Context rows never start events: 0, except the carried last row (its run's code)."""
    if frame.ctx_row is None or state is None:
        return code
    code = code.copy()
    code[frame.ctx_row >= 0] = 0
    last_rows = np.flatnonzero(frame.ctx_last)
    code[last_rows] = state.run_code[frame.ctx_row[last_rows]]
    return code


def _find_runs(rule: Rule, frame: _Frame, code, out, q) -> _Runs:
    n = frame.n
    ts = frame.ts
    seg_first = frame.seg_first
    change = np.empty(n, dtype=bool)
    change[0] = True
    np.not_equal(code[1:], code[:-1], out=change[1:])
    change |= seg_first
    starts = np.flatnonzero(change)
    codes = code[starts]
    sel = np.flatnonzero(codes)
    rows = starts[sel]
    sign = codes[sel].astype(np.int64)
    nxt = np.append(starts, n)[sel + 1]
    closed = nxt < n
    closed[closed] = ~seg_first[nxt[closed]]
    end = np.where(closed, ts[np.minimum(nxt, n - 1)], INT_NONE)
    start = ts[rows].copy()
    # statistics over the rows of breach runs only (compressed: they are few)
    nz = np.flatnonzero(code)
    pos = np.searchsorted(nz, rows)
    cz = code[nz].astype(np.float64)
    out_nz = (cz != 0) if out is None else out[nz]
    peak = np.empty(0)
    oor = np.empty(0, dtype=np.int64)
    metric = np.full(len(rows), np.nan)
    if len(rows):
        peak = np.maximum.reduceat(frame.value[nz] * cz, pos) * sign
        oor = np.add.reduceat(frame.d[nz] * out_nz, pos)
        if q is not None and rule.kind == KIND_BUDGET:
            metric = np.fmax.reduceat(q[nz], pos)
        elif q is not None:
            metric = np.fmax.reduceat(q[nz] * cz, pos) * sign
    duration = np.where(closed, end, ts[nxt - 1]) - start
    return _Runs(starts, codes, rows, sign, start, end, duration, peak, oor, metric)


def _continue_carried(rule: Rule, frame: _Frame, state: _RuleState | None, runs: _Runs) -> None:
    """The run starting at a carried last row continues the carried run: merge them."""
    if frame.ctx_last is None or state is None or not len(runs.rows):
        return
    cont = frame.ctx_last[runs.rows]
    if not cont.any():
        return
    idx = frame.ctx_row[runs.rows[cont]]
    sign = runs.sign[cont]
    carried_start = state.run_start[idx]
    runs.duration[cont] += runs.start[cont] - carried_start
    runs.start[cont] = carried_start
    runs.peak[cont] = np.maximum(runs.peak[cont] * sign, state.run_peak[idx] * sign) * sign
    runs.oor[cont] += state.run_oor[idx]
    if rule.kind == KIND_BUDGET:
        runs.metric[cont] = np.fmax(runs.metric[cont], state.run_metric[idx])
    else:
        runs.metric[cont] = np.fmax(runs.metric[cont] * sign, state.run_metric[idx] * sign) * sign


def _state_rows(rule: Rule, frame: _Frame, runs: _Runs, q) -> _RuleState:
    """New state rows: one per sensor segment, at its last row."""
    last = np.flatnonzero(frame.seg_last)
    run_of_last = np.searchsorted(runs.starts, last, side="right") - 1
    code_last = runs.codes[run_of_last]
    in_run = code_last != 0
    at = np.searchsorted(runs.rows, runs.starts[run_of_last[in_run]])
    n_last = len(last)
    run_start = np.full(n_last, INT_NONE)
    run_peak = np.full(n_last, np.nan)
    run_oor = np.zeros(n_last, dtype=np.int64)
    run_metric = np.full(n_last, np.nan)
    run_start[in_run] = runs.start[at]
    run_peak[in_run] = runs.peak[at]
    run_oor[in_run] = runs.oor[at]
    run_metric[in_run] = runs.metric[at]
    base = np.zeros(n_last, dtype=np.int64)
    if rule.kind == KIND_BUDGET and rule.reset != RESET_ROLLING:
        base = q[last].astype(np.int64)
    state = _RuleState(
        sensors=frame.sensor[last].astype(np.int64),
        last_ts=frame.ts[last],
        last_value=frame.value[last],
        run_code=code_last.astype(np.int8),
        run_start=run_start,
        run_peak=run_peak,
        run_oor=run_oor,
        run_metric=run_metric,
        base=base,
        gap_open=np.full(n_last, INT_NONE),
    )
    if rule.kind == KIND_MKT or (rule.kind == KIND_BUDGET and rule.reset == RESET_ROLLING):
        _attach_tail(frame, rule.window_s, last, state)
    return state


def _evaluate_runs(rule: Rule, frame: _Frame, state: _RuleState | None):
    """Events and new state rows for a run-based rule (all kinds but monitoring)."""
    code, out, q = _codes(rule, frame, state)
    code = _apply_ctx_codes(code, frame, state)
    runs = _find_runs(rule, frame, code, out, q)
    _continue_carried(rule, frame, state, runs)
    emit = np.ones(len(runs.rows), dtype=bool)
    if rule.kind in (KIND_DELAY, KIND_DOOR):
        emit = runs.duration > rule.delay_s
    columns = EventColumns(
        rule=rule,
        sensor=frame.sensor[runs.rows][emit].astype(np.int64),
        code=runs.sign[emit].astype(np.int8),
        start=runs.start[emit],
        end=runs.end[emit],
        peak=runs.peak[emit],
        duration=runs.duration[emit],
        oor=runs.oor[emit],
        metric=runs.metric[emit],
        void=np.zeros(int(emit.sum()), dtype=bool),
    )
    return columns, _state_rows(rule, frame, runs, q)


def _attach_tail(frame: _Frame, window_s: int, last: np.ndarray, state: _RuleState) -> None:
    """Context rows (before each segment's last row) whose interval reaches the window."""
    lo = frame.first_at_or_after(window_s, last)
    lo = np.maximum(lo - 1, frame.seg_start_row[last])
    rows = _ranges(lo, last)
    if not len(rows):
        return
    state.ctx_sensor = frame.sensor[rows].astype(np.int64)
    state.ctx_ts = frame.ts[rows]
    state.ctx_value = frame.value[rows]


def _evaluate_monitoring(rule: Rule, frame: _Frame, state: _RuleState | None, now: int | None):
    ts = frame.ts
    n = frame.n
    gap = np.zeros(n, dtype=np.int64)
    if n > 1:
        np.subtract(ts[1:], ts[:-1], out=gap[1:])
    gap[frame.seg_first] = 0
    rows = np.flatnonzero(gap > rule.max_gap_s)
    sensor = [frame.sensor[rows].astype(np.int64)]
    start = [ts[rows - 1]]
    end = [ts[rows]]
    void = [np.zeros(len(rows), dtype=bool)]
    if frame.ctx_last is not None and state is not None:
        last_rows = np.flatnonzero(frame.ctx_last)
        announced = state.gap_open[frame.ctx_row[last_rows]] != INT_NONE
        candidates = last_rows[announced]
        candidates = candidates[candidates + 1 < n]
        candidates = candidates[~frame.seg_first[candidates + 1]]
        cancelled = candidates[gap[candidates + 1] <= rule.max_gap_s]
        sensor.append(frame.sensor[cancelled].astype(np.int64))
        start.append(ts[cancelled])
        end.append(ts[cancelled + 1])
        void.append(np.ones(len(cancelled), dtype=bool))
    sensor_a = np.concatenate(sensor)
    start_a = np.concatenate(start)
    end_a = np.concatenate(end)
    columns = EventColumns(
        rule=rule,
        sensor=sensor_a,
        code=np.ones(len(sensor_a), dtype=np.int8),
        start=start_a,
        end=end_a,
        peak=np.full(len(sensor_a), np.nan),
        duration=end_a - start_a,
        oor=end_a - start_a,
        metric=np.full(len(sensor_a), np.nan),
        void=np.concatenate(void),
    )
    last = np.flatnonzero(frame.seg_last)
    n_last = len(last)
    new_state = _RuleState(
        sensors=frame.sensor[last].astype(np.int64),
        last_ts=ts[last],
        last_value=frame.value[last],
        run_code=np.zeros(n_last, dtype=np.int8),
        run_start=np.full(n_last, INT_NONE),
        run_peak=np.full(n_last, np.nan),
        run_oor=np.zeros(n_last, dtype=np.int64),
        run_metric=np.full(n_last, np.nan),
        base=np.zeros(n_last, dtype=np.int64),
        gap_open=np.full(n_last, INT_NONE),
    )
    return columns, new_state


def _open_gaps(rule: Rule, state: _RuleState, now: int) -> EventColumns:
    """Announce silences from the last reading to ``now``; records them in ``state``."""
    silent = (now - state.last_ts) > rule.max_gap_s
    state.gap_open = np.where(silent, state.last_ts, INT_NONE)
    count = int(silent.sum())
    start = state.last_ts[silent]
    return EventColumns(
        rule=rule,
        sensor=state.sensors[silent],
        code=np.ones(count, dtype=np.int8),
        start=start,
        end=np.full(count, INT_NONE),
        peak=np.full(count, np.nan),
        duration=now - start,
        oor=now - start,
        metric=np.full(count, np.nan),
        void=np.zeros(count, dtype=bool),
    )


_COLUMN_NAMES = ("sensor", "code", "start", "end", "peak", "duration", "oor", "metric", "void")


def _stack_columns(rule: Rule, parts: list[EventColumns]) -> EventColumns:
    """Events of parts with disjoint sensors, in part order."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty_columns(rule)
    if len(parts) == 1:
        return parts[0]
    return EventColumns(
        rule=rule,
        **{name: np.concatenate([getattr(p, name) for p in parts]) for name in _COLUMN_NAMES},
    )


def _concat_columns(rule: Rule, parts: list[EventColumns]) -> EventColumns:
    parts = [p for p in parts if len(p)]
    if not parts:
        return _empty_columns(rule)
    if len(parts) == 1:
        return parts[0]
    merged = {name: np.concatenate([getattr(p, name) for p in parts]) for name in _COLUMN_NAMES}
    # a later part (open gap to now) supersedes an earlier event with the same key
    order = np.lexsort((np.arange(len(merged["start"])), merged["start"], merged["sensor"]))
    merged = {name: values[order] for name, values in merged.items()}
    dup = np.zeros(len(order), dtype=bool)
    dup[:-1] = (merged["sensor"][1:] == merged["sensor"][:-1]) & (
        merged["start"][1:] == merged["start"][:-1]
    )
    return EventColumns(rule=rule, **{name: values[~dup] for name, values in merged.items()})


def _evaluate_rule(rule: Rule, frame: _Frame, state: _RuleState | None):
    if frame.n == 0:
        return _empty_columns(rule), None
    if rule.kind == KIND_MONITORING:
        return _evaluate_monitoring(rule, frame, state, None)
    return _evaluate_runs(rule, frame, state)


# --------------------------------------------------------------------------- evaluator


_EMPTY_BLOCK = (np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.float64))


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Concatenation of arange(lo[i], hi[i]) for every i (vectorised)."""
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(offsets - lo, counts)


def _partition(batch: Readings, part_rows: int) -> list[dict[int, tuple[np.ndarray, ...]]]:
    """Cut a sorted batch into parts of whole sensors holding about ``part_rows`` rows.

    Each part maps channel -> (sensor, ts, value) views of the batch.
    """
    bounds = np.searchsorted(batch.channel, np.arange(9, dtype=np.int8))
    channels = [c for c in range(8) if bounds[c + 1] > bounds[c]]
    n = len(batch)
    edges = [0, 2**20]
    if n > part_rows:
        per_sensor = np.cumsum(np.bincount(batch.sensor))
        cuts = np.searchsorted(per_sensor, np.arange(part_rows, n, part_rows), side="right")
        edges = np.unique(np.concatenate([[0], cuts, [2**20]])).tolist()
    parts = []
    for lo_sensor, hi_sensor in pairwise(edges):
        part = {}
        for c in channels:
            lo, hi = bounds[c], bounds[c + 1]
            keys = np.array(
                [lo_sensor, hi_sensor], dtype=batch.sensor.dtype
            )  # no cast of the block
            a, b = np.searchsorted(batch.sensor[lo:hi], keys) + lo
            if b > a:
                part[c] = (batch.sensor[a:b], batch.ts[a:b], batch.value[a:b])
        if part:
            parts.append(part)
    return parts


def _sorted_batch(readings: Readings) -> tuple[Readings, int]:
    """Readings sorted stably by (channel, sensor, ts), duplicates dropped."""
    n = len(readings)
    if n == 0:
        return readings, 0
    ts = readings.ts
    tmin = int(ts.min())
    if int(ts.max()) - tmin >= 2**TS_BITS:
        raise ValueError("a batch of readings must span less than 2**40 seconds")
    key = readings.channel.astype(np.int64)
    key <<= 20
    key |= readings.sensor
    key <<= TS_BITS
    key += ts
    key -= tmin
    not_increasing = key[1:] <= key[:-1]
    if not not_increasing.any():  # the usual case: rows come ordered from the database
        return readings, 0
    if (key[1:] < key[:-1]).any():
        order = np.argsort(key, kind="stable")
        key = key[order]
        readings = readings.take(order)
    keep = np.ones(n, dtype=bool)
    np.not_equal(key[1:], key[:-1], out=keep[1:])
    duplicates = int(n - keep.sum())
    if duplicates:
        readings = readings.take(keep)
    return readings, duplicates


class ExcursionEvaluator:
    """Evaluates ``rules`` over successive batches of readings, carrying state.

    ``state`` (from :meth:`state`) restores a previous evaluator; rules whose
    ``state_key`` (id@version) is absent start fresh.
    """

    def __init__(self, rules: Sequence[Rule], state: dict[str, Any] | None = None) -> None:
        keys = [r.state_key for r in rules]
        if len(set(keys)) != len(keys):
            raise ValueError("rules must have distinct (id, version)")
        self.rules = list(rules)
        self._members: dict[str, np.ndarray] = {}
        for rule in self.rules:
            if rule.sensors is not None:
                table = np.zeros(max(rule.sensors, default=0) + 1, dtype=bool)
                table[list(rule.sensors)] = True
                self._members[rule.state_key] = table
        self._states: dict[str, _RuleState] = {}
        if state:
            if state.get("format") != STATE_FORMAT:
                raise ValueError("unsupported excursion state format")
            for key, data in state.get("rules", {}).items():
                if key in keys:
                    self._states[key] = _RuleState.from_json(data)

    def state(self) -> dict[str, Any]:
        """Carried state as JSON-able plain data (lists of numbers and None)."""
        return {
            "format": STATE_FORMAT,
            "rules": {key: st.to_json() for key, st in self._states.items()},
        }

    def evaluated_until(
        self, sensors: Sequence[int] | np.ndarray, latest: bool = True
    ) -> np.ndarray:
        """Per sensor, the latest (``latest=False``: earliest) last reading time the
        rules carry (``INT_NONE``: none carried).

        A new reading of the sensor at or before the latest one may be late for some
        rule; every reading after the earliest one may be new for some rule."""
        sensors = np.asarray(sensors, dtype=np.int64)
        out = np.full(len(sensors), INT_NONE, dtype=np.int64)
        for st in self._states.values():
            if len(st.sensors) == 0:
                continue
            idx, found = st.lookup(sensors)
            if latest:
                out = np.where(found, np.maximum(out, st.last_ts[idx]), out)
            else:
                best = np.where(out == INT_NONE, st.last_ts[idx], np.minimum(out, st.last_ts[idx]))
                out = np.where(found, best, out)
        return out

    def sensor_state(self, sensors: Sequence[int] | np.ndarray) -> dict[str, Any]:
        """The carried state of ``sensors`` only (same format as :meth:`state`)."""
        sensors = np.asarray(sensors, dtype=np.int64)
        rules = {}
        for key, st in self._states.items():
            part = st.select(sensors)
            if len(part.sensors):
                rules[key] = part.to_json()
        return {"format": STATE_FORMAT, "rules": rules}

    def reset_sensors(
        self, sensors: Sequence[int] | np.ndarray, state: dict[str, Any] | None = None
    ) -> None:
        """Forget what is carried for ``sensors``; restore it from ``state`` (a
        :meth:`sensor_state` of those sensors, e.g. a checkpoint) when given.  Rules
        absent from ``state`` start fresh for those sensors."""
        sensors = np.asarray(sensors, dtype=np.int64)
        for key, st in list(self._states.items()):
            self._states[key] = st.select(sensors, keep=False)
        if not state:
            return
        if state.get("format") != STATE_FORMAT:
            raise ValueError("unsupported excursion state format")
        keys = {r.state_key for r in self.rules}
        for key, data in state.get("rules", {}).items():
            if key not in keys:
                continue
            restored = _RuleState.from_json(data).select(sensors)
            current = self._states.get(key)
            self._states[key] = restored if current is None else current.merge(restored)

    def evaluate(
        self, readings: Readings, now: int | None = None, workers: int | None = None
    ) -> EvaluationResult:
        """Process the readings that arrived since the last call.

        ``now`` (epoch s) lets monitoring rules announce sensors silent since their last
        reading.  Large batches are cut into parts of whole sensors (about PART_ROWS
        rows, so that a part's columns stay in the CPU cache while every rule runs over
        it) evaluated on ``workers`` threads (default: one per CPU, at most 4; numpy
        releases the GIL).
        """
        batch, duplicates = _sorted_batch(readings)
        result = EvaluationResult(columns=[], readings=len(batch), duplicates=duplicates)
        parts = _partition(batch, PART_ROWS)
        if workers is None:
            workers = min(os.cpu_count() or 1, 4)
        if workers > 1 and len(parts) > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                outputs = list(pool.map(self._evaluate_part, parts))
        else:
            outputs = [self._evaluate_part(part) for part in parts]
        for i, rule in enumerate(self.rules):
            pieces = [output[i] for output in outputs]
            result.late += sum(late for _columns, _state, late in pieces)
            columns = _stack_columns(rule, [columns for columns, _state, _late in pieces])
            new_states = [state for _columns, state, _late in pieces if state is not None]
            state = self._states.get(rule.state_key)
            if new_states:
                new_state = _RuleState.concat(new_states)
                state = new_state if state is None else state.merge(new_state)
                self._states[rule.state_key] = state
            if rule.kind == KIND_MONITORING and now is not None and state is not None:
                columns = _concat_columns(rule, [columns, _open_gaps(rule, state, now)])
            result.columns.append(columns)
        return result

    def _evaluate_part(self, part: dict[int, tuple[np.ndarray, ...]]) -> list[tuple]:
        """(columns, new state rows, late count) of every rule over one part."""
        frames: dict[tuple, _Frame] = {}
        outputs = []
        for rule in self.rules:
            sensor, ts, value = part.get(rule.channel, _EMPTY_BLOCK)
            if rule.sensors is not None and len(sensor):
                table = self._members[rule.state_key]
                top = len(table) - 1
                mask = table[np.minimum(sensor, top)] & (sensor <= top)
                sensor, ts, value = sensor[mask], ts[mask], value[mask]
            state = self._states.get(rule.state_key)
            frame, late = self._frame(
                rule, sensor=sensor, ts=ts, value=value, state=state, frames=frames
            )
            columns, new_state = _evaluate_rule(rule, frame, state)
            outputs.append((columns, new_state, late))
        return outputs

    @staticmethod
    def _frame(
        rule: Rule,
        *,
        sensor: np.ndarray,
        ts: np.ndarray,
        value: np.ndarray,
        state: _RuleState | None,
        frames: dict[tuple, _Frame],
    ) -> tuple[_Frame, int]:
        if state is None or len(state.sensors) == 0 or len(ts) == 0:
            key = (rule.channel, rule.sensors)
            if key not in frames:
                frames[key] = _Frame(sensor, ts, value)
            return frames[key], 0
        sensor = sensor.astype(np.int64)
        idx, found = state.lookup(sensor)
        newer = ~found | (ts > state.last_ts[idx])
        late = int(len(ts) - newer.sum())
        if late:
            sensor, ts, value = sensor[newer], ts[newer], value[newer]
        if len(ts) == 0:
            return _Frame(sensor, ts, value), late
        batch_sensors = sensor[np.flatnonzero(np.r_[True, sensor[1:] != sensor[:-1]])]
        rows, has = state.lookup(batch_sensors)
        rows = rows[has]
        # carried tail rows + last reading of the sensors present in this batch
        tail = _ranges(
            np.searchsorted(state.ctx_sensor, state.sensors[rows], side="left"),
            np.searchsorted(state.ctx_sensor, state.sensors[rows], side="right"),
        )
        tail_sensor = state.ctx_sensor[tail]
        tail_row, _ = state.lookup(tail_sensor)
        c_sensor = np.concatenate([tail_sensor, state.sensors[rows]])
        c_ts = np.concatenate([state.ctx_ts[tail], state.last_ts[rows]])
        c_value = np.concatenate([state.ctx_value[tail], state.last_value[rows]])
        c_row = np.concatenate([tail_row, rows])
        c_last = np.concatenate([np.zeros(len(tail_sensor), bool), np.ones(len(rows), bool)])
        order = np.lexsort((c_ts, c_sensor))
        c_sensor, c_ts, c_value = c_sensor[order], c_ts[order], c_value[order]
        c_row, c_last = c_row[order], c_last[order]
        at = np.searchsorted(sensor, c_sensor, side="left")
        frame = _Frame(
            np.insert(sensor, at, c_sensor),
            np.insert(ts, at, c_ts),
            np.insert(value, at, c_value),
            ctx_row=np.insert(np.full(len(ts), -1, dtype=np.int64), at, c_row),
            ctx_last=np.insert(np.zeros(len(ts), dtype=bool), at, c_last),
        )
        return frame, late


def evaluate_history(
    readings: Readings, rules: Iterable[Rule], now: int | None = None
) -> list[Excursion]:
    """Events of ``rules`` over a whole history of readings (one-shot evaluation)."""
    return ExcursionEvaluator(list(rules)).evaluate(readings, now).events()
