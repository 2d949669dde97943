"""Equivalences on seeded random data, for every rule type.

* vectorised engine == per-reading pure-Python reference (whole history);
* incremental evaluation (random split points, state through JSON) == whole history;
* threaded evaluation == single-threaded evaluation.
"""

import json

import numpy as np
import pytest

from coldchain_sites.engine import excursion
from coldchain_sites.engine.excursion import ExcursionEvaluator, Readings, evaluate_history
from coldchain_sites.engine.excursion_reference import reference_evaluate
from coldchain_sites.engine.excursion_types import RULE_KINDS

SEEDS = range(12)


def _now(readings: Readings, rng: np.random.Generator) -> int:
    return int(readings.ts.max()) + int(rng.integers(0, 3000))


def _upsert(evaluator_batches, rules) -> list:
    """Events of successive incremental runs, upserted by key (void ones deleted)."""
    order = {rule.state_key: i for i, rule in enumerate(rules)}
    store = {}
    for events in evaluator_batches:
        for event in events:
            if event.void:
                store.pop(event.key, None)
            else:
                store[event.key] = event
    return sorted(
        store.values(), key=lambda e: (order[f"{e.rule_id}@{e.rule_version}"], e.sensor, e.start_ts)
    )


def _incremental(readings: Readings, rules, rng, now: int, through_json: bool = True):
    """Split readings in arrival (time) order at random points; ``now`` between runs."""
    by_time = readings.take(np.argsort(readings.ts, kind="stable"))
    n = len(by_time)
    cuts = np.sort(rng.choice(np.arange(1, n), size=int(rng.integers(1, 10)), replace=False))
    pieces = np.split(np.arange(n), cuts)
    evaluator = ExcursionEvaluator(rules)
    outputs = []
    for i, piece in enumerate(pieces):
        if through_json:
            state = json.loads(json.dumps(evaluator.state(), allow_nan=False))
            evaluator = ExcursionEvaluator(rules, state=state)
        if i == len(pieces) - 1:
            batch_now = now
        else:  # the clock at the next batch's first reading, or no clock at all
            batch_now = int(by_time.ts[pieces[i + 1][0]]) if rng.random() < 0.5 else None
        outputs.append(evaluator.evaluate(by_time.take(piece), now=batch_now).events())
    return _upsert(outputs, rules)


def test_random_rules_cover_every_kind(all_rules, random_readings):
    assert {rule.kind for rule in all_rules} == set(RULE_KINDS)
    events = evaluate_history(random_readings(0), all_rules, now=None)
    fired = {event.rule_id for event in events}
    assert fired == {rule.id for rule in all_rules}  # every rule fires on the random data


@pytest.mark.parametrize("seed", SEEDS)
def test_vectorised_equals_reference(seed, all_rules, random_readings, normalise):
    rng = np.random.default_rng(seed)
    readings = random_readings(seed)
    now = _now(readings, rng)
    fast = evaluate_history(readings, all_rules, now=now)
    assert normalise(fast) == normalise(reference_evaluate(readings, all_rules, now=now))


@pytest.mark.parametrize("seed", SEEDS)
def test_incremental_equals_whole_history(seed, all_rules, random_readings, normalise):
    rng = np.random.default_rng(1000 + seed)
    readings = random_readings(seed)
    now = _now(readings, rng)
    whole = evaluate_history(readings, all_rules, now=now)
    incremental = _incremental(readings, all_rules, rng, now)
    assert normalise(incremental) == normalise(whole)


def test_incremental_one_reading_at_a_time(all_rules, random_readings, normalise):
    readings = random_readings(99, sensors=2, per_sensor=60)
    by_time = readings.take(np.argsort(readings.ts, kind="stable"))
    evaluator = ExcursionEvaluator(all_rules)
    outputs = [
        evaluator.evaluate(by_time.take(slice(i, i + 1))).events() for i in range(len(by_time))
    ]
    whole = evaluate_history(readings, all_rules)
    assert normalise(_upsert(outputs, all_rules)) == normalise(whole)


def test_state_is_plain_json(all_rules, random_readings):
    evaluator = ExcursionEvaluator(all_rules)
    evaluator.evaluate(random_readings(3), now=None)
    state = evaluator.state()
    text = json.dumps(state, allow_nan=False)  # strict JSON: no NaN, no numpy scalars
    assert json.loads(text) == state
    assert set(state["rules"]) == {rule.state_key for rule in all_rules}


def test_new_rule_version_starts_from_fresh_state(all_rules, random_readings):
    evaluator = ExcursionEvaluator(all_rules)
    evaluator.evaluate(random_readings(4))
    bumped = [r if r.id != "delay" else type(r)(**{**r.__dict__, "version": 9}) for r in all_rules]
    restored = ExcursionEvaluator(bumped, state=evaluator.state())
    assert "delay@9" not in restored.state()["rules"]
    assert "instant@1" in restored.state()["rules"]


@pytest.mark.parametrize("part_rows", [50, 700])
def test_parts_and_threads_give_the_same_events(
    part_rows, monkeypatch, all_rules, random_readings, normalise
):
    readings = random_readings(5, sensors=6, per_sensor=400)
    rng = np.random.default_rng(5)
    now = _now(readings, rng)
    whole = ExcursionEvaluator(all_rules).evaluate(readings, now=now, workers=1)
    monkeypatch.setattr(excursion, "PART_ROWS", part_rows)
    for workers in (1, 2):
        evaluator = ExcursionEvaluator(all_rules)
        parted = evaluator.evaluate(readings, now=now, workers=workers)
        assert normalise(parted.events()) == normalise(whole.events())
    # and incrementally, with parts, from the state the parted run left
    incremental = _incremental(readings, all_rules, rng, now)
    assert normalise(incremental) == normalise(whole.events())
