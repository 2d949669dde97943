"""Checkpointed, bounded re-evaluation of late readings == whole-history evaluation.

Readings arrive in random batches: mostly in time order, some hours held back and
delivered late (store-and-forward), some re-sent (duplicates).  Each arrival runs
:func:`evaluate_pending` with the evaluator's state through JSON, checkpoints in
memory and readings streamed in small pages; the upserted events must equal one
evaluation of the whole history.
"""

import json

import numpy as np
import pytest

from coldchain_sites.engine.excursion import ExcursionEvaluator, Readings, evaluate_history
from coldchain_sites.engine.excursion_replay import (
    MemoryCheckpoints,
    evaluate_pending,
    memory_source,
)

SEEDS = range(8)
HOUR = 3600


class Store:
    """Readings 'committed' so far (unique per channel, sensor, ts), plus events."""

    def __init__(self):
        self.parts = []
        self.keys = set()
        self.events = {}

    def add(self, batch: Readings) -> dict[int, int]:
        fresh = []
        for i, key in enumerate(
            zip(batch.channel.tolist(), batch.sensor.tolist(), batch.ts.tolist(), strict=True)
        ):
            if key not in self.keys:
                self.keys.add(key)
                fresh.append(i)
        new = batch.take(np.array(fresh, dtype=np.int64))
        self.parts.append(new)
        pending = {}
        for s, t in zip(new.sensor.tolist(), new.ts.tolist(), strict=True):
            lo, hi = pending.get(s, (t, t))
            pending[s] = (min(lo, t), max(hi, t))
        return pending

    def readings(self) -> Readings:
        return Readings(
            *(
                np.concatenate([getattr(p, f) for p in self.parts])
                for f in ("sensor", "ts", "value", "channel")
            )
        )

    def apply(self, result):
        for sensor, since in result.replayed.items():
            for key, event in list(self.events.items()):
                if event.sensor != sensor:
                    continue
                if (
                    since is None
                    or event.end_ts is None
                    or event.end_ts > since
                    or event.start_ts > since
                ):
                    del self.events[key]
        for event in result.events:
            if event.void:
                self.events.pop(event.key, None)
            else:
                self.events[event.key] = event


def _arrivals(readings: Readings, rng) -> list[Readings]:
    """Time-ordered batches; a few random hours of a sensor held back and sent late,
    a few batches re-sent."""
    order = np.argsort(readings.ts, kind="stable")
    readings = readings.take(order)
    n = len(readings)
    hour = (readings.ts - readings.ts.min()) // HOUR
    held = np.zeros(n, dtype=bool)
    for _ in range(int(rng.integers(1, 6))):  # several late hours, several sensors
        s = rng.integers(0, readings.sensor.max() + 1)
        h = rng.integers(0, hour.max() + 1)
        span = int(rng.integers(1, 7))  # up to a 6-hour outage
        held |= (readings.sensor == s) & (hour >= h) & (hour < h + span)
    on_time = np.flatnonzero(~held)
    cuts = np.sort(
        rng.choice(np.arange(1, len(on_time)), size=int(rng.integers(3, 12)), replace=False)
    )
    batches = [readings.take(p) for p in np.split(on_time, cuts)]
    late = np.flatnonzero(held)
    if len(late):
        late = rng.permutation(late)  # backfill arrives in any order
        for piece in np.array_split(late, int(rng.integers(1, 4))):
            at = int(rng.integers(1, len(batches) + 1))
            batches.insert(at, readings.take(np.sort(piece)))
    for _ in range(int(rng.integers(0, 3))):  # re-sent (at-least-once delivery)
        batches.insert(
            int(rng.integers(0, len(batches) + 1)), batches[int(rng.integers(0, len(batches)))]
        )
    return batches


def _run(readings, rules, rng, now, page_rows, interval):
    store = Store()
    checkpoints = MemoryCheckpoints()
    state = None
    stats = []
    for batch in _arrivals(readings, rng):
        pending = store.add(batch)
        evaluator = ExcursionEvaluator(rules, state=state)
        result = evaluate_pending(
            evaluator,
            pending,
            memory_source(store.readings()),
            checkpoints,
            now=None,
            checkpoint_interval_s=interval,
            page_rows=page_rows,
        )
        store.apply(result)
        state = json.loads(json.dumps(evaluator.state(), allow_nan=False))
        stats.append(result)
    evaluator = ExcursionEvaluator(rules, state=state)
    final = evaluate_pending(evaluator, {}, memory_source(store.readings()), checkpoints, now=now)
    store.apply(final)
    return store, stats


@pytest.mark.parametrize("seed", SEEDS)
def test_late_arrivals_equal_whole_history(seed, all_rules, random_readings, normalise):
    rng = np.random.default_rng(7000 + seed)
    readings = random_readings(seed)
    now = int(readings.ts.max()) + int(rng.integers(0, 3000))
    page_rows = int(rng.choice([7, 50, 400, 100_000]))
    store, stats = _run(readings, all_rules, rng, now, page_rows, interval=HOUR)
    expected = normalise(evaluate_history(readings, all_rules, now=now))
    order = {rule.state_key: i for i, rule in enumerate(all_rules)}
    got = sorted(
        store.events.values(),
        key=lambda e: (order[f"{e.rule_id}@{e.rule_version}"], e.sensor, e.start_ts),
    )
    assert normalise(got) == expected
    assert any(r.late_sensors for r in stats)  # late readings did happen


def test_replay_is_bounded_by_the_checkpoint(all_rules, random_readings):
    """A late reading re-reads one sensor from its last checkpoint, not the history."""
    readings = random_readings(3, sensors=6, per_sensor=600)
    order = np.argsort(readings.ts, kind="stable")
    readings = readings.take(order)
    last_ts = int(readings.ts[-1])
    late = np.flatnonzero((readings.sensor == 2) & (readings.ts > last_ts - 2 * HOUR))[:1]
    on_time = np.setdiff1d(np.arange(len(readings)), late)
    store, checkpoints = Store(), MemoryCheckpoints()
    evaluator = ExcursionEvaluator(all_rules)
    for piece in np.array_split(on_time, 20):
        result = evaluate_pending(
            evaluator, store.add(readings.take(piece)), memory_source(store.readings()), checkpoints
        )
        store.apply(result)
    assert checkpoints.rows[2]  # hourly checkpoints were kept
    result = evaluate_pending(
        evaluator,
        store.add(readings.take(late)),
        memory_source(store.readings()),
        checkpoints,
        page_rows=10,
    )
    store.apply(result)
    assert result.late_sensors == 1 and set(result.replayed) == {2}
    since = result.replayed[2]
    assert since is not None and since > readings.ts[0]  # from a checkpoint, not day one
    # only sensor 2's readings from about its checkpoint on were read again (from the
    # earliest time its rules carry: the door channel may lag the temperature one)
    sensor2 = readings.sensor == 2
    assert result.readings <= int((sensor2 & (readings.ts > since - HOUR)).sum())
    assert result.readings < len(readings) / 20
