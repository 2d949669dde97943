"""Straightforward per-reading pure-Python implementation of the excursion rules.

Same semantics as :mod:`.excursion` (documented in :mod:`.excursion_types`), written as a
plain state machine per (rule, sensor) over a whole history.  It is the oracle of the
tests and the baseline of ``bench/bench_excursion.py``; it has no incremental mode.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from itertools import pairwise
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
    Excursion,
    Readings,
    Rule,
    out_code_scalar,
    side_name,
    trigger_offset,
)
from .mkt import KELVIN, T_REF_K


def _weight(value: float, dh_r: float) -> float:
    return math.exp(dh_r * (1.0 / T_REF_K - 1.0 / (value + KELVIN)))


def _mkt(weighted: float, total: float, dh_r: float) -> float:
    return dh_r / (dh_r / T_REF_K - math.log(weighted / total)) - KELVIN


class _Stepper:
    """Per-sensor: breach code, out-of-range flag and metric of each reading in turn."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.prev_ts: int | None = None
        self.prev_value = 0.0
        self.prev_out = False
        self.intervals: deque[tuple[int, int, float]] = deque()
        self.sum_d = 0.0
        self.sum_w = 0.0
        self.total = 0
        self.period: int | None = None

    def step(self, ts: int, value: float) -> tuple[int, bool, float | None]:
        rule = self.rule
        kind = rule.kind
        if kind in (KIND_THRESHOLD, KIND_DELAY):
            code = out_code_scalar(value, rule)
            result = (code, code != 0, None)
        elif kind == KIND_DOOR:
            code = 1 if value >= 0.5 else 0
            result = (code, code != 0, None)
        elif kind == KIND_RATE:
            if self.prev_ts is None:
                result = (0, False, None)
            else:
                rate = (value - self.prev_value) * 60.0 / (ts - self.prev_ts)
                code = out_code_scalar(rate, rule)
                result = (code, code != 0, rate)
        elif kind == KIND_BUDGET:
            result = self._budget(ts, value)
        else:
            result = self._mkt(ts, value)
        self.prev_ts = ts
        self.prev_value = value
        self.prev_out = result[1]
        return result

    def _budget(self, ts: int, value: float) -> tuple[int, bool, float]:
        rule = self.rule
        held = 0 if self.prev_ts is None or not self.prev_out else ts - self.prev_ts
        if rule.reset == RESET_NEVER:
            self.total += held
            consumed = self.total
        elif rule.reset == RESET_PERIODIC:
            off = rule.window_offset_s
            start = (ts - off) // rule.window_s * rule.window_s + off
            if start != self.period:
                self.period = start
                self.total = 0 if not held else ts - max(self.prev_ts, start)
            else:
                self.total += held
            consumed = self.total
        else:
            if held:
                self.intervals.append((self.prev_ts, ts, 0.0))
                self.total += held
            a = ts - rule.window_s
            while self.intervals and self.intervals[0][1] <= a:
                s, e, _ = self.intervals.popleft()
                self.total -= e - s
            consumed = self.total
            if self.intervals and self.intervals[0][0] < a:
                consumed -= a - self.intervals[0][0]
        oc = out_code_scalar(value, rule)
        code = oc if consumed > rule.budget_s else 0
        return code, oc != 0, float(consumed)

    def _mkt(self, ts: int, value: float) -> tuple[int, bool, float | None]:
        rule = self.rule
        if self.prev_ts is not None:
            w = _weight(self.prev_value, rule.dh_r)
            d = ts - self.prev_ts
            self.intervals.append((self.prev_ts, ts, w))
            self.sum_d += d
            self.sum_w += d * w
        a = ts - rule.window_s
        while self.intervals and self.intervals[0][1] <= a:
            s, e, w = self.intervals.popleft()
            self.sum_d -= e - s
            self.sum_w -= (e - s) * w
        sum_d, sum_w = self.sum_d, self.sum_w
        if self.intervals and self.intervals[0][0] < a:
            s, _e, w = self.intervals[0]
            sum_d -= a - s
            sum_w -= (a - s) * w
        out = out_code_scalar(value, rule) != 0
        if sum_d <= 0:
            return 0, out, None
        mkt = _mkt(sum_w, sum_d, rule.dh_r)
        return out_code_scalar(mkt, rule), out, mkt


def _event(rule: Rule, sensor: int, code: int, start: int, **fields: Any) -> Excursion:
    return Excursion(
        rule_id=rule.id,
        rule_version=rule.version,
        kind=rule.kind,
        sensor=sensor,
        side=side_name(rule.kind, code),
        start_ts=start,
        trigger_ts=start + trigger_offset(rule),
        **fields,
    )


def _extend(run: dict[str, Any], code: int, value: float, q: float | None, signed: bool) -> None:
    """Fold one more reading of the same run into its peak and metric."""
    run["peak"] = max(run["peak"], value) if code > 0 else min(run["peak"], value)
    if q is None:
        return
    if run["metric"] is None:
        run["metric"] = q
    elif not signed or code > 0:
        run["metric"] = max(run["metric"], q)
    else:
        run["metric"] = min(run["metric"], q)


def _runs(rule: Rule, sensor: int, series: list[tuple[int, float]]) -> list[Excursion]:
    stepper = _Stepper(rule)
    events: list[Excursion] = []
    signed_metric = rule.kind != KIND_BUDGET
    run: dict[str, Any] | None = None
    prev_ts = 0
    prev_out = False

    def close(run: dict[str, Any], end: int | None, last_ts: int) -> None:
        duration = (last_ts if end is None else end) - run["start"]
        if rule.kind in (KIND_DELAY, KIND_DOOR) and duration <= rule.delay_s:
            return
        metric = run["metric"]
        events.append(
            _event(
                rule,
                sensor,
                run["code"],
                run["start"],
                end_ts=end,
                peak=run["peak"],
                duration_s=duration,
                time_out_of_range_s=run["oor"],
                mkt=metric if rule.kind == KIND_MKT else None,
                metric=metric,
                is_open=end is None,
            )
        )

    for ts, value in series:
        code, out, q = stepper.step(ts, value)
        if run is not None:
            if prev_out:
                run["oor"] += ts - prev_ts
            if code != run["code"]:
                close(run, ts, ts)
                run = None
        if code != 0:
            if run is None:
                run = {"code": code, "start": ts, "peak": value, "oor": 0, "metric": q}
            else:
                _extend(run, code, value, q, signed_metric)
        prev_ts, prev_out = ts, out
    if run is not None:
        close(run, None, prev_ts)
    return events


def _monitoring(
    rule: Rule, sensor: int, series: list[tuple[int, float]], now: int | None
) -> list[Excursion]:
    events = []
    for (t0, _v0), (t1, _v1) in pairwise(series):
        if t1 - t0 > rule.max_gap_s:
            events.append(
                _event(
                    rule,
                    sensor,
                    1,
                    t0,
                    end_ts=t1,
                    peak=None,
                    duration_s=t1 - t0,
                    time_out_of_range_s=t1 - t0,
                )
            )
    last = series[-1][0]
    if now is not None and now - last > rule.max_gap_s:
        events.append(
            _event(
                rule,
                sensor,
                1,
                last,
                end_ts=None,
                peak=None,
                duration_s=now - last,
                time_out_of_range_s=now - last,
                is_open=True,
            )
        )
    return events


def reference_evaluate(
    readings: Readings, rules: Iterable[Rule], now: int | None = None
) -> list[Excursion]:
    """Events of ``rules`` over a whole history, ordered by rule, sensor and start."""
    rows = sorted(
        zip(
            readings.channel.tolist(),
            readings.sensor.tolist(),
            readings.ts.tolist(),
            readings.value.tolist(),
            strict=True,
        ),
        key=lambda r: (r[0], r[1], r[2]),
    )
    series: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for channel, sensor, ts, value in rows:
        readings_of = series.setdefault((channel, sensor), [])
        if readings_of and readings_of[-1][0] == ts:
            continue  # duplicate: the first one wins
        readings_of.append((ts, value))
    events: list[Excursion] = []
    for rule in rules:
        members = None if rule.sensors is None else set(rule.sensors)
        for (channel, sensor), data in sorted(series.items()):
            if channel != rule.channel or (members is not None and sensor not in members):
                continue
            if rule.kind == KIND_MONITORING:
                events.extend(_monitoring(rule, sensor, data, now))
            else:
                events.extend(_runs(rule, sensor, data))
    return events
