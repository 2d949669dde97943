"""Mean kinetic temperature against the reference test vectors (to 0.01 °C)."""

import numpy as np
import pytest

from coldchain_sites.engine.mkt import mean_kinetic_temperature


def test_52_weekly_means_of_25c():
    assert mean_kinetic_temperature([25.0] * 52) == pytest.approx(25.00, abs=0.01)


def test_23h_at_5c_and_1h_at_15c():
    assert mean_kinetic_temperature([5.0, 15.0], [23, 1]) == pytest.approx(5.76, abs=0.01)
    hourly = [5.0] * 23 + [15.0]
    assert mean_kinetic_temperature(hourly) == pytest.approx(5.76, abs=0.01)
    assert np.mean(hourly) == pytest.approx(5.42, abs=0.01)


def test_18h_at_5c_and_6h_at_14c_fails_a_2_8_check():
    mkt = mean_kinetic_temperature([5.0, 14.0], [18 * 3600, 6 * 3600])
    assert mkt == pytest.approx(8.29, abs=0.01)
    assert mkt > 8.0
    assert mean_kinetic_temperature([5.0] * 18 + [14.0] * 6) == pytest.approx(8.29, abs=0.01)


def test_mkt_is_at_least_the_arithmetic_mean():
    rng = np.random.default_rng(7)
    for _ in range(50):
        values = rng.uniform(-20, 40, size=20)
        durations = rng.uniform(1, 100, size=20)
        mean = np.average(values, weights=durations)
        assert mean_kinetic_temperature(values, durations) >= mean - 1e-9


def test_invalid_inputs():
    with pytest.raises(ValueError):
        mean_kinetic_temperature([])
    with pytest.raises(ValueError):
        mean_kinetic_temperature([5.0, 6.0], [0, 0])
    with pytest.raises(ValueError):
        mean_kinetic_temperature([5.0, 6.0], [1])
