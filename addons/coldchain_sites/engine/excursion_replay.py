"""Bounded, checkpointed evaluation of new and late readings (no Odoo, no SQL).

The scheduled evaluation learns *which sensors* received readings, and from which
reading time on, from a queue the ingest transactions fill themselves (committed
together with the readings, so a reading is never visible without its queue entry:
see ``telemetry_sql.PENDING_*``).  :func:`evaluate_pending` then, per sensor:

* **new readings** (all newer than what the evaluator carries for the sensor):
  continue from the carried state with the readings after that time;
* **late readings** (one at or before the carried time: store-and-forward backfill,
  or another writer whose transaction committed later): restore the sensor's last
  *checkpoint* taken before the earliest late reading (or a fresh state when none),
  drop the checkpoints after it, and replay that sensor's readings from the
  checkpoint on.  Never the whole network, never more of the history than one
  checkpoint interval plus what came after.

Readings come from ``source(start, page_rows)``: an iterator of pages of at most
``page_rows`` readings ordered by (sensor, ts) (keyset pages or a server-side
cursor), so memory is bounded by the page size whatever the backlog.  While pages
go by, a checkpoint is written for every sensor whose last checkpoint is older than
``checkpoint_interval_s`` of reading time.

Events are the engine's, keyed by :attr:`Excursion.key` (later ones supersede
earlier ones of the same key); ``replayed`` tells, per sensor, the time after which
its events were recomputed: events of that sensor still open or ending after that
time that the replay did not emit again are stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .excursion import INT_NONE, ExcursionEvaluator
from .excursion_types import Excursion, Readings

DEFAULT_CHECKPOINT_INTERVAL_S = 3600
DEFAULT_PAGE_ROWS = 50_000


class CheckpointStore(Protocol):
    """Per-sensor engine states at given reading times."""

    def latest_before(self, before: dict[int, int]) -> dict[int, tuple[int, dict]]:
        """Per sensor, the latest checkpoint ``(ts, state)`` with ts < before[sensor]."""

    def last_times(self, sensors: Iterable[int]) -> dict[int, int]:
        """Per sensor, the time of its latest checkpoint (absent: none)."""

    def discard_after(self, after: dict[int, int | None]) -> None:
        """Drop the checkpoints of each sensor with ts > after[sensor] (None: all)."""

    def save(self, rows: list[tuple[int, int, dict]]) -> None:
        """Store checkpoints ``(sensor, ts, state)``."""


# source(start, stop, page_rows): the readings of the sensors of ``start`` with
# start[sensor] < ts <= stop[sensor] (None: no bound), in pages ordered by (sensor, ts)
ReadingSource = Callable[[dict[int, int | None], dict[int, int], int], Iterator[Readings]]


@dataclass
class PendingResult:
    events: list[Excursion] = field(default_factory=list)
    readings: int = 0
    pages: int = 0
    late_sensors: int = 0
    checkpoints: int = 0
    replayed: dict[int, int | None] = field(default_factory=dict)


def evaluate_pending(
    evaluator: ExcursionEvaluator,
    pending: dict[int, tuple[int, int]],
    source: ReadingSource,
    checkpoints: CheckpointStore,
    *,
    now: int | None = None,
    checkpoint_interval_s: int = DEFAULT_CHECKPOINT_INTERVAL_S,
    page_rows: int = DEFAULT_PAGE_ROWS,
) -> PendingResult:
    """Evaluate the readings of ``pending`` = {sensor: (earliest, latest) new reading
    time}.  Readings after the latest one are left to the run that consumes their
    own queue entry (so that a reading read ahead never looks late later)."""
    result = PendingResult()
    events: dict[tuple, Excursion] = {}
    sensors = sorted(pending)
    until = evaluator.evaluated_until(sensors).tolist()
    late: dict[int, int] = {
        sensor: pending[sensor][0]
        for sensor, carried in zip(sensors, until, strict=True)
        if carried != INT_NONE and pending[sensor][0] <= carried
    }
    # a replayed sensor is read again up to what it had carried, at least
    stop = {s: max(pending[s][1], carried) for s, carried in zip(sensors, until, strict=True)}
    if late:
        result.late_sensors = len(late)
        restored = checkpoints.latest_before(late)
        discard: dict[int, int | None] = {}
        for sensor in late:
            cp = restored.get(sensor)
            evaluator.reset_sensors([sensor], cp[1] if cp else None)
            discard[sensor] = cp[0] if cp else None
            result.replayed[sensor] = cp[0] if cp else None
        checkpoints.discard_after(discard)
    # from the earliest time any rule carries: rows a rule already holds are dropped
    # by the engine as not newer (for that rule only)
    since = evaluator.evaluated_until(sensors, latest=False).tolist()
    start = {s: None if t == INT_NONE else t for s, t in zip(sensors, since, strict=True)}
    last_cp = checkpoints.last_times(sensors)
    for page in source(start, stop, page_rows):
        if not len(page):
            continue
        result.pages += 1
        # in slices of one checkpoint interval, so that a page spanning days still
        # leaves a checkpoint every interval (each sensor's readings stay in order)
        for part in _time_slices(page, checkpoint_interval_s):
            outcome = evaluator.evaluate(part)
            result.readings += outcome.readings
            for event in outcome.events():
                events[event.key] = event
            result.checkpoints += _checkpoint(
                evaluator, part, last_cp, checkpoints, checkpoint_interval_s
            )
    # monitoring rules announce the silences open at ``now`` (every carried sensor)
    outcome = evaluator.evaluate(_empty(), now=now)
    for event in outcome.events():
        events[event.key] = event
    result.events = list(events.values())
    return result


def _time_slices(page: Readings, interval: int):
    ts = np.asarray(page.ts, dtype=np.int64)
    bucket = (ts - ts.min()) // max(interval, 1)
    if not bucket.any():
        yield page
        return
    order = np.argsort(bucket, kind="stable")
    cuts = np.flatnonzero(np.diff(bucket[order])) + 1
    for rows in np.split(order, cuts):
        yield page.take(rows)


def _checkpoint(evaluator, page: Readings, last_cp: dict[int, int], store, interval: int) -> int:
    """Checkpoint the page's sensors whose last checkpoint is ``interval`` old."""
    sensor = np.asarray(page.sensor, dtype=np.int64)
    order = np.lexsort((page.ts, sensor))
    sensor, ts = sensor[order], np.asarray(page.ts, dtype=np.int64)[order]
    last = np.r_[sensor[1:] != sensor[:-1], True]
    due = []
    for s, t in zip(sensor[last].tolist(), ts[last].tolist(), strict=True):
        previous = last_cp.get(s)
        if previous is None or t - previous >= interval:
            due.append(s)
    if not due:
        return 0
    carried = dict(zip(due, evaluator.evaluated_until(due).tolist(), strict=True))
    rows = []
    for s in due:
        at = carried[s]
        if at == INT_NONE:
            continue
        rows.append((s, at, evaluator.sensor_state([s])))
        last_cp[s] = at
    if rows:
        store.save(rows)
    return len(rows)


def _empty() -> Readings:
    i64 = np.empty(0, dtype=np.int64)
    return Readings(i64, i64, np.empty(0, dtype=np.float64), np.empty(0, dtype=np.int8))


class MemoryCheckpoints:
    """An in-memory :class:`CheckpointStore` (tests, benches)."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[int, dict[str, Any]]] = {}

    def latest_before(self, before):
        out = {}
        for sensor, limit in before.items():
            times = [t for t in self.rows.get(sensor, {}) if t < limit]
            if times:
                t = max(times)
                out[sensor] = (t, self.rows[sensor][t])
        return out

    def last_times(self, sensors):
        return {s: max(self.rows[s]) for s in sensors if self.rows.get(s)}

    def discard_after(self, after):
        for sensor, limit in after.items():
            kept = self.rows.get(sensor, {})
            self.rows[sensor] = {t: v for t, v in kept.items() if limit is not None and t <= limit}

    def save(self, rows):
        for sensor, ts, state in rows:
            self.rows.setdefault(sensor, {})[ts] = state


def memory_source(stored: Readings) -> ReadingSource:
    """A :data:`ReadingSource` over stored readings, in keyset pages (tests, benches)."""
    order = np.lexsort((stored.ts, stored.sensor))
    stored = stored.take(order)

    def pages(start, stop, page_rows):
        if not start:
            return
        sensors = np.array(sorted(start), dtype=np.int64)
        after = np.array(
            [INT_NONE if start[s] is None else start[s] for s in sensors.tolist()], dtype=np.int64
        )
        upto = np.array([stop[s] for s in sensors.tolist()], dtype=np.int64)
        pos = np.searchsorted(sensors, stored.sensor)
        pos_c = np.minimum(pos, len(sensors) - 1)
        mask = (sensors[pos_c] == stored.sensor) & (stored.ts > after[pos_c])
        mask &= stored.ts <= upto[pos_c]
        rows = np.flatnonzero(mask)
        for i in range(0, len(rows), page_rows):
            yield stored.take(rows[i : i + page_rows])

    return pages
