"""Fixtures shared by the excursion engine tests (random data, event comparison)."""

from collections.abc import Callable

import numpy as np
import pytest

from coldchain_sites.engine.excursion import Readings, Rule

T0 = 1_700_000_000


def _random_readings(seed: int, sensors: int = 4, per_sensor: int = 300) -> Readings:
    """Seeded random walks around 5 °C (irregular sampling, gaps) plus a door channel."""
    rng = np.random.default_rng(seed)
    sensor, ts, value, channel = [], [], [], []
    for s in range(sensors):
        steps = rng.integers(30, 600, per_sensor)
        steps[rng.random(per_sensor) < 0.02] += 3000  # outages
        t = T0 + np.cumsum(steps)
        v = np.round(5 + np.cumsum(rng.normal(0, 0.7, per_sensor)), 1)
        sensor.append(np.full(per_sensor, s))
        ts.append(t)
        value.append(v)
        channel.append(np.zeros(per_sensor))
        m = per_sensor // 4
        door_ts = np.sort(rng.choice(np.arange(t[0], t[-1]), m, replace=False))
        sensor.append(np.full(m, s))
        ts.append(door_ts)
        value.append(rng.integers(0, 2, m).astype(float))
        channel.append(np.ones(m))
    order = rng.permutation(sum(len(x) for x in ts))  # arrival order is arbitrary
    return Readings(
        np.concatenate(sensor)[order],
        np.concatenate(ts)[order],
        np.concatenate(value)[order],
        np.concatenate(channel)[order],
    )


ALL_RULES = [
    Rule("instant", 1, "threshold", min=2.0, max=8.0),
    Rule("instant-excl", 2, "threshold", min=2.0, max=8.0, inclusive=False),
    Rule("delay", 1, "delay", min=2.0, max=8.0, delay_s=1800),
    Rule("budget-rolling", 1, "budget", max=8.0, budget_s=3600, window_s=43_200),
    Rule("budget-periodic", 1, "budget", min=1.0, max=9.0, budget_s=1800, window_s=21_600,
         reset="periodic", window_offset_s=3600),
    Rule("budget-never", 1, "budget", max=8.0, budget_s=7200, reset="never"),
    Rule("mkt", 1, "mkt", min=2.0, max=8.0, window_s=43_200),
    Rule("rate", 1, "rate", min=-0.3, max=0.3),
    Rule("door", 1, "door", delay_s=600),
    Rule("monitoring", 1, "monitoring", max_gap_s=1200),
    Rule("group", 1, "delay", max=6.0, delay_s=600, sensors=(1, 3)),
]  # fmt: skip


def _normalise(events) -> list[dict]:
    """Comparable dicts: floats rounded (MKT sums are accumulated in different orders)."""
    out = []
    for event in events:
        data = event.to_dict()
        for name in ("peak", "mkt", "metric"):
            if data[name] is not None:
                data[name] = round(data[name], 6)
        out.append(data)
    return out


@pytest.fixture
def random_readings() -> Callable[..., Readings]:
    return _random_readings


@pytest.fixture
def all_rules() -> list[Rule]:
    return list(ALL_RULES)


@pytest.fixture
def normalise() -> Callable[..., list[dict]]:
    return _normalise
