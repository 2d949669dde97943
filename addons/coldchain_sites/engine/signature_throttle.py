"""Throttling of electronic signatures: how long a user is refused after failures.

A user who types a wrong password ``max_failures`` times within ``window_s`` seconds
may not try again for ``lockout_s`` seconds after the last of those failures.
Attempts refused during a lockout are not failures (the password is not even
checked), so they neither extend nor shorten it; a successful signature does not
erase earlier failures (they age out of the window).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    window_s: int = 15 * 60
    lockout_s: int = 15 * 60

    def __post_init__(self):
        if self.max_failures < 1 or self.window_s < 1 or self.lockout_s < 0:
            raise ValueError("max_failures and window_s must be positive, lockout_s not negative")

    @property
    def lookback_s(self) -> int:
        """How far back failures can still matter at any moment."""
        return self.window_s + self.lockout_s


def locked_until(failures: Iterable[float], policy: ThrottlePolicy) -> float | None:
    """Epoch seconds until which signing is refused, or None.

    ``failures``: epoch seconds of the user's wrong-password attempts (any order;
    older than ``policy.lookback_s`` before now they cannot matter and may be
    left out).  The answer may lie in the past: compare it with now.
    """
    times = sorted(failures)
    n = policy.max_failures
    until = None
    for last in range(n - 1, len(times)):
        if times[last] - times[last - n + 1] <= policy.window_s:
            until = times[last] + policy.lockout_s
    return until


def is_locked(failures: Iterable[float], now: float, policy: ThrottlePolicy) -> bool:
    until = locked_until(failures, policy)
    return until is not None and now < until
