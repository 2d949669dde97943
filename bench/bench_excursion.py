"""Benchmark of the vectorised excursion engine against the per-reading Python loop.

    python3 bench/bench_excursion.py [--readings 10000000 --sensors 2000 --sample 200000]

Generates deterministic (seeded) cold-room data: 2-8 °C zones sampled every ~5 minutes
with jitter, defrost cycles, occasional door-driven excursions, a few refrigeration
failures and reporting outages, plus a door channel.  It evaluates every rule type over
all readings with ``ExcursionEvaluator`` (in (sensor, ts) order, as the database
delivers them), then runs ``reference_evaluate`` on a sample of whole sensors, checks
that both agree on that sample, and prints as its last line:

    excursion_readings_per_s=<n> python_loop_readings_per_s=<m> speedup=<n/m>

Only evaluation is timed (not data generation); on a shared machine the best of
``--repeat`` vectorised runs and of ``--loop-repeat`` loop runs counts.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import argparse
import time

import _bootstrap  # noqa: F401
import numpy as np

from coldchain_sites.engine.excursion import ExcursionEvaluator, Readings, Rule
from coldchain_sites.engine.excursion_reference import reference_evaluate

T0 = 1_735_689_600  # 2025-01-01T00:00:00Z
DOOR_SHARE = 0.05  # share of readings that are door contact changes

RULES = [
    Rule("fridge-instant", 1, "threshold", min=2.0, max=8.0, inclusive=False),
    Rule("fridge-30min", 1, "delay", min=2.0, max=8.0, inclusive=False, delay_s=1800),
    Rule("fridge-budget-24h", 1, "budget", max=8.0, inclusive=False, budget_s=3600,
         window_s=86_400, reset="rolling"),
    Rule("fridge-budget-daily", 1, "budget", min=2.0, max=8.0, inclusive=False, budget_s=7200,
         window_s=86_400, reset="periodic"),
    Rule("who-10h-cumulative", 1, "budget", max=10.0, budget_s=36_000, reset="never"),
    Rule("fridge-mkt-24h", 1, "mkt", max=8.0, inclusive=False, window_s=86_400),
    Rule("fridge-rate", 1, "rate", max=0.5, min=-0.5, inclusive=False),
    Rule("door-5min", 1, "door", delay_s=300),
    Rule("monitoring-30min", 1, "monitoring", max_gap_s=1800),
]  # fmt: skip


def generate(readings: int, sensors: int, seed: int = 20250101) -> tuple[Readings, int]:
    """Deterministic cold-room readings (temperature + door channel), sorted by sensor."""
    rng = np.random.default_rng(seed)
    n_door = int(readings * DOOR_SHARE) // sensors * sensors
    per_sensor = (readings - n_door) // sensors
    n_temp = per_sensor * sensors
    shape = (sensors, per_sensor)
    # sampling every 300 s with ±20 s jitter; ~1 in 2000 intervals is an outage
    step = 300 + rng.integers(-20, 21, size=shape)
    outage = rng.random(shape) < 0.0005
    step[outage] += rng.integers(1800, 14_400, size=int(outage.sum()))
    ts = T0 + rng.integers(0, 300, size=(sensors, 1)) + np.cumsum(step, axis=1)
    # setpoint 4-6 °C, AR(1)-like noise (smoothed random walk), defrost every 6 h
    setpoint = rng.uniform(4.0, 6.0, size=(sensors, 1))
    noise = rng.normal(0.0, 0.08, size=shape)
    walk = np.cumsum(noise, axis=1)
    walk -= np.cumsum(walk, axis=1) / np.arange(1, per_sensor + 1)  # keep it centred
    defrost = 1.5 * (((ts - T0) % 21_600) < 1200)
    # occasional excursions: a door left open or a failing compressor, 20 min to 8 h
    excursion = np.zeros(shape)
    n_exc = max(1, per_sensor // 600)
    idx = np.arange(per_sensor)
    for _ in range(n_exc):
        start = rng.integers(0, per_sensor, size=sensors)
        length = rng.integers(4, 96, size=sensors)
        height = rng.choice([4.0, 6.0, 12.0, -5.0], size=sensors) * rng.uniform(0.5, 1.2, sensors)
        inside = (idx >= start[:, None]) & (idx < (start + length)[:, None])
        excursion += inside * height[:, None]
    value = np.round(setpoint + 0.6 * walk + defrost + excursion, 1)
    t_sensor = np.repeat(np.arange(sensors, dtype=np.int32), per_sensor)
    # door channel: openings (value 1) each followed by a closing (value 0); most are
    # short, about 3 % last longer than the 5-minute door rule
    d_per = n_door // sensors // 2 * 2
    n_door = d_per * sensors
    span = int(ts.max() - T0)
    gaps = rng.integers(60, 2 * span // max(d_per // 2, 1), size=(sensors, d_per // 2))
    opened = T0 + np.cumsum(gaps, axis=1)
    held = np.where(
        rng.random(opened.shape) < 0.03,
        rng.integers(301, 1800, size=opened.shape),
        rng.integers(5, 180, size=opened.shape),
    )
    room = np.diff(opened, axis=1, append=opened[:, -1:] + 10**6) - 1
    closed = opened + np.maximum(np.minimum(held, room), 1)
    door_ts = np.stack([opened, closed], axis=2).reshape(sensors, d_per)
    door_val = np.broadcast_to(np.array([1.0, 0.0]), (sensors, d_per // 2, 2))
    d_sensor = np.repeat(np.arange(sensors, dtype=np.int32), d_per)
    batch = Readings(
        sensor=np.concatenate([t_sensor, d_sensor]),
        ts=np.concatenate([ts.ravel(), door_ts.ravel()]),
        value=np.concatenate([value.ravel(), door_val.ravel()]),
        channel=np.concatenate([np.zeros(n_temp, np.int8), np.ones(n_door, np.int8)]),
    )
    now = int(ts.max()) + 600
    return batch, now


def _comparable(events) -> list[dict]:
    rounded = []
    for event in events:
        data = event.to_dict()
        rounded.append({k: round(v, 6) if isinstance(v, float) else v for k, v in data.items()})
    return rounded


def sample_of(batch: Readings, sensors: int, sample: int) -> Readings:
    """Whole sensors (all their readings) adding up to about ``sample`` readings."""
    count = max(1, round(sensors * sample / len(batch)))
    return batch.take(batch.sensor < count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readings", type=int, default=10_000_000)
    parser.add_argument("--sensors", type=int, default=2000)
    parser.add_argument("--sample", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5, help="vectorised runs (best counts)")
    parser.add_argument("--loop-repeat", type=int, default=2, help="python loop runs (best)")
    args = parser.parse_args()

    t = time.perf_counter()
    batch, now = generate(args.readings, args.sensors)
    print(f"generated {len(batch):,} readings for {args.sensors} sensors "
          f"in {time.perf_counter() - t:.1f} s")  # fmt: skip

    best = float("inf")
    for _ in range(args.repeat):
        t = time.perf_counter()
        result = ExcursionEvaluator(RULES).evaluate(batch, now=now)
        best = min(best, time.perf_counter() - t)
    counts = {c.rule.id: len(c) for c in result.columns}
    print(f"vectorised: {len(batch):,} readings, {len(result):,} events in {best:.3f} s")
    print("events per rule: " + ", ".join(f"{k}={v}" for k, v in counts.items()))

    sample = sample_of(batch, args.sensors, args.sample)
    loop = float("inf")
    for _ in range(args.loop_repeat):
        t = time.perf_counter()
        reference = reference_evaluate(sample, RULES, now=now)
        loop = min(loop, time.perf_counter() - t)
    print(f"python loop: {len(sample):,} readings, {len(reference):,} events in {loop:.3f} s")
    fast = ExcursionEvaluator(RULES).evaluate(sample, now=now).events()
    if _comparable(fast) != _comparable(reference):
        raise SystemExit("vectorised and reference results differ on the sample")

    rate = int(len(batch) / best)
    loop_rate = int(len(sample) / loop)
    print(
        f"excursion_readings_per_s={rate} python_loop_readings_per_s={loop_rate} "
        f"speedup={rate / loop_rate:.1f}"
    )


if __name__ == "__main__":
    main()
