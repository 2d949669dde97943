"""Decisions of the approval flows, on plain data.

Models gather ids, amounts and datetimes, call these functions and act on the
answer; nothing here knows about Odoo.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

# ---------------------------------------------------------------- four eyes


def four_eyes_refusal(
    approver_id: int,
    requester_ids: Iterable[int],
    interested_ids: Iterable[int] = (),
    allow_self: bool = False,
) -> str | None:
    """Why ``approver_id`` may not approve, or None when they may.

    ``requester_ids`` asked for the approval; ``interested_ids`` are the other people
    the document belongs to (the user who submitted the order on hold, the buyer of
    a purchase order).  Neither approves their own request unless the tier says
    ``allow_self``."""
    if allow_self:
        return None
    if approver_id in set(requester_ids):
        return "requester"
    if approver_id in set(interested_ids):
        return "interested"
    return None


# ---------------------------------------------------------------- delegation


@dataclass(frozen=True)
class Delegation:
    delegator_id: int
    delegate_id: int
    date_from: datetime
    date_to: datetime


def acting_for(user_id: int, delegations: Iterable[Delegation], now: datetime) -> set[int]:
    """The reviewers ``user_id`` acts for at ``now`` (themself included).

    Delegation is not transitive: a delegate's own delegate does not inherit it."""
    acting = {user_id}
    for delegation in delegations:
        if delegation.delegate_id == user_id and delegation.date_from <= now < delegation.date_to:
            acting.add(delegation.delegator_id)
    return acting


def on_behalf_of(
    user_id: int, reviewer_ids: Iterable[int], delegations: Iterable[Delegation], now: datetime
) -> int | None:
    """Whose review ``user_id`` does: None when they are a reviewer themself, else the
    delegating reviewer (the lowest id when several delegated to them)."""
    reviewers = set(reviewer_ids)
    if user_id in reviewers:
        return None
    covered = sorted((acting_for(user_id, delegations, now) - {user_id}) & reviewers)
    return covered[0] if covered else None


# ---------------------------------------------------------------- SLA


def due_at(requested_at: datetime, sla_hours: float) -> datetime | None:
    """When an approval requested at ``requested_at`` is due (None: no SLA)."""
    if not sla_hours or sla_hours <= 0:
        return None
    return requested_at + timedelta(hours=sla_hours)


def escalation_stage(
    now: datetime, due: datetime | None, warn_hours: float, already: str = "none"
) -> str:
    """``none``, ``approaching`` (within ``warn_hours`` of the due time) or ``overdue``.

    Returns ``already`` when the stage did not move on, so a cron escalates each
    stage once: ``none`` → ``approaching`` → ``overdue``, never backwards."""
    order = ("none", "approaching", "overdue")
    if due is None:
        return already
    if now >= due:
        stage = "overdue"
    elif warn_hours and now >= due - timedelta(hours=warn_hours):
        stage = "approaching"
    else:
        stage = "none"
    return stage if order.index(stage) > order.index(already) else already


# ---------------------------------------------------------------- inventory counts


@dataclass(frozen=True)
class CountedLine:
    key: object
    system_qty: float
    counted_qty: float
    unit_value: float


@dataclass(frozen=True)
class CountDecision:
    needs_approval: bool
    value: float  # absolute value of all differences
    worst_pct: float  # largest difference of one line, % of its system quantity
    reasons: tuple[str, ...]


def count_decision(
    lines: Iterable[CountedLine], threshold_value: float, threshold_pct: float
) -> CountDecision:
    """Does a count need approval before it is applied?

    Above ``threshold_value`` (sum of |difference| x unit value) or when any line
    differs by more than ``threshold_pct`` of its system quantity (a line counted
    where the system had nothing differs by 100 %).  A threshold of 0 is off."""
    value = 0.0
    worst = 0.0
    for line in lines:
        diff = line.counted_qty - line.system_qty
        if not diff:
            continue
        value += abs(diff) * (line.unit_value or 0.0)
        pct = 100.0 if not line.system_qty else abs(diff) / abs(line.system_qty) * 100.0
        worst = max(worst, pct)
    reasons = []
    if threshold_value and value > threshold_value:
        reasons.append("value")
    if threshold_pct and worst > threshold_pct:
        reasons.append("percent")
    return CountDecision(bool(reasons), round(value, 2), round(worst, 2), tuple(reasons))


# ---------------------------------------------------------------- rule bounds


def within_bounds(
    value: float, standard: float, direction: str, lower: float | None, upper: float | None
) -> str | None:
    """Why a site's ``value`` is refused, or None.

    ``direction``: ``tighten_up`` (a site may only raise it, e.g. a margin floor),
    ``tighten_down`` (only lower it, e.g. a tolerance), ``any`` (either way);
    ``lower``/``upper`` are the enterprise's hard bounds (None: unbounded)."""
    if direction == "tighten_up" and value < standard:
        return "looser"
    if direction == "tighten_down" and value > standard:
        return "looser"
    if lower is not None and value < lower:
        return "below"
    if upper is not None and value > upper:
        return "above"
    return None
