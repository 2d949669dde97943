"""Signature throttling (pure): when a user is refused after wrong passwords."""

import pytest

from coldchain_sites.engine.signature_throttle import ThrottlePolicy, is_locked, locked_until

POLICY = ThrottlePolicy(max_failures=5, window_s=900, lockout_s=900)
T = 1_700_000_000


def test_no_failure_no_lock():
    assert locked_until([], POLICY) is None
    assert not is_locked([], T, POLICY)


def test_four_failures_do_not_lock():
    failures = [T + i for i in range(4)]
    assert locked_until(failures, POLICY) is None
    assert not is_locked(failures, T + 10, POLICY)


def test_fifth_failure_in_the_window_locks_for_the_lockout():
    failures = [T + 60 * i for i in range(5)]  # the fifth 4 minutes after the first
    assert locked_until(failures, POLICY) == T + 240 + 900
    assert is_locked(failures, T + 241, POLICY)
    assert is_locked(failures, T + 240 + 899, POLICY)
    assert not is_locked(failures, T + 240 + 900, POLICY)


def test_failures_spread_beyond_the_window_do_not_lock():
    failures = [T + 226 * i for i in range(5)]  # 904 s from first to fifth
    assert locked_until(failures, POLICY) is None


def test_window_limit_is_inclusive():
    failures = [T + 225 * i for i in range(5)]  # exactly 900 s
    assert locked_until(failures, POLICY) == T + 900 + 900


def test_latest_burst_decides_and_order_does_not_matter():
    first = [T + i for i in range(5)]
    second = [T + 5000 + i for i in range(5)]
    assert locked_until(list(reversed(second + first)), POLICY) == T + 5004 + 900


def test_configurable_policy():
    policy = ThrottlePolicy(max_failures=3, window_s=60, lockout_s=30)
    failures = [T, T + 10, T + 20]
    assert locked_until(failures, policy) == T + 50
    assert policy.lookback_s == 90


@pytest.mark.parametrize("kwargs", [{"max_failures": 0}, {"window_s": 0}, {"lockout_s": -1}])
def test_invalid_policy(kwargs):
    with pytest.raises(ValueError):
        ThrottlePolicy(**kwargs)
