"""Known answers for every rule type (checked on the vectorised engine and the reference)."""

import numpy as np
import pytest

from coldchain_sites.engine.excursion import (
    CHANNEL_DOOR,
    ExcursionEvaluator,
    Readings,
    Rule,
    evaluate_history,
)
from coldchain_sites.engine.excursion_reference import reference_evaluate

H = 3600
M = 60


def _rounded(events):
    return [
        {k: round(v, 9) if isinstance(v, float) else v for k, v in e.to_dict().items()}
        for e in events
    ]


def run(rule, ts, values, *, channel=0, now=None, sensor=0):
    readings = Readings(
        np.full(len(ts), sensor), np.asarray(ts), np.asarray(values, dtype=float),
        np.full(len(ts), channel),
    )  # fmt: skip
    fast = evaluate_history(readings, [rule], now=now)
    reference = reference_evaluate(readings, [rule], now=now)
    assert _rounded(fast) == _rounded(reference)
    return fast


# ---------------------------------------------------------------- instant threshold


def test_inclusive_limit_itself_triggers():
    rule = Rule("who-30", 1, "threshold", max=30.0)
    (event,) = run(rule, [0, 60, 120], [29.9, 30.0, 29.9])
    assert (event.start_ts, event.end_ts, event.peak, event.duration_s) == (60, 120, 30.0, 60)
    assert (event.side, event.rule_id, event.rule_version, event.is_open) == (
        "high", "who-30", 1, False,
    )  # fmt: skip
    assert run(rule, [0, 60, 120], [29.9, 29.9, 29.9]) == []


def test_exclusive_limit_is_the_last_allowed_value():
    rule = Rule("store-2-8", 1, "threshold", min=2.0, max=8.0, inclusive=False)
    assert run(rule, [0, 60, 120], [8.0, 2.0, 5.0]) == []
    high, low = run(rule, [0, 60, 120, 180], [8.1, 5.0, 1.9, 5.0])
    assert (high.side, high.start_ts, high.end_ts) == ("high", 0, 60)
    assert (low.side, low.start_ts, low.end_ts, low.peak) == ("low", 120, 180, 1.9)


def test_inclusive_low_limit():
    rule = Rule("who-freeze", 1, "threshold", min=-0.5)
    (event,) = run(rule, [0, 60, 120, 180], [-0.4, -0.5, -0.7, 0.0])
    assert (event.side, event.start_ts, event.end_ts, event.peak) == ("low", 60, 180, -0.7)
    assert event.time_out_of_range_s == 120


def test_open_excursion_at_the_end_of_data():
    rule = Rule("fridge", 1, "threshold", max=8.0)
    (event,) = run(rule, [0, 60, 120, 180], [5.0, 9.0, 11.0, 10.0])
    assert event.is_open and event.end_ts is None
    assert (event.start_ts, event.duration_s, event.peak) == (60, 120, 11.0)
    assert event.time_out_of_range_s == 120  # the last reading stands for 0 s so far


def test_high_straight_to_low_splits_the_run():
    rule = Rule("fridge", 1, "threshold", min=2.0, max=8.0)
    high, low = run(rule, [0, 60, 120], [9.0, 1.0, 5.0])
    assert (high.end_ts, low.start_ts, low.end_ts) == (60, 60, 120)


# ---------------------------------------------------------------- consecutive delay


def test_delay_just_shorter_and_just_longer_than_d():
    rule = Rule("who-45-1h", 1, "delay", max=45.0, delay_s=H)
    assert run(rule, [0, 1800, H, H + 60], [45.0, 46.0, 44.0, 44.0]) == []  # exactly D
    (event,) = run(rule, [0, 1800, H + 1], [45.0, 46.0, 44.0])
    assert (event.start_ts, event.end_ts, event.duration_s) == (0, H + 1, H + 1)
    assert (event.trigger_ts, event.peak) == (H, 46.0)


def test_delay_continuity_is_broken_by_a_reading_in_range():
    rule = Rule("d", 1, "delay", max=8.0, delay_s=30 * M)
    ts = [0, 20 * M, 21 * M, 40 * M, 41 * M]
    assert run(rule, ts, [9.0, 5.0, 9.0, 5.0, 5.0]) == []
    (event,) = run(rule, ts, [9.0, 9.0, 9.0, 9.0, 5.0])
    assert (event.start_ts, event.end_ts) == (0, 41 * M)


def test_delay_open_event_counts_evidence_up_to_the_last_reading():
    rule = Rule("d", 1, "delay", max=8.0, delay_s=30 * M)
    assert run(rule, [0, 30 * M], [9.0, 9.0]) == []
    (event,) = run(rule, [0, 30 * M, 31 * M], [9.0, 9.0, 9.5])
    assert event.is_open and event.duration_s == 31 * M


# ---------------------------------------------------------------- cumulative budget


def _daily_runs(days, out_minutes, at=10 * H):
    """Readings every 10 min for ``days`` days, 9 °C for ``out_minutes`` each day."""
    ts = np.arange(0, days * 24 * H + 1, 10 * M)
    in_run = ((ts % (24 * H)) >= at) & ((ts % (24 * H)) < at + out_minutes * M)
    return ts, np.where(in_run, 9.0, 5.0)


def test_budget_never_resetting_vs_resetting_daily():
    ts, values = _daily_runs(3, 40)
    never = Rule("b", 1, "budget", max=8.0, budget_s=H, reset="never")
    day2, day3 = run(never, ts, values)
    d2, d3 = 24 * H + 10 * H, 48 * H + 10 * H
    assert (day2.start_ts, day2.end_ts) == (d2 + 30 * M, d2 + 40 * M)  # 40+30 > 60 min
    assert day2.metric == 70 * M
    assert (day3.start_ts, day3.end_ts) == (d3, d3 + 40 * M)  # budget already spent
    assert day3.metric == 110 * M  # consumed at its last out-of-range reading (10:30)
    periodic = Rule("b", 1, "budget", max=8.0, budget_s=H, window_s=24 * H, reset="periodic")
    assert run(periodic, ts, values) == []
    rolling = Rule("b", 1, "budget", max=8.0, budget_s=H, window_s=24 * H)
    assert run(rolling, ts, values) == []


def test_budget_rolling_window_slides():
    rule = Rule("b", 1, "budget", max=8.0, budget_s=H, window_s=4 * H)
    ts = np.arange(0, 6 * H + 1, 10 * M)

    def out_between(*spans):
        return np.where(np.any([(ts >= a) & (ts < b) for a, b in spans], axis=0), 9.0, 5.0)

    close = out_between((0, 40 * M), (2 * H, 2 * H + 40 * M))
    (event,) = run(rule, ts, close)
    # at 2:20 the window holds 40 + 20 min (not more than 1 h), at 2:30 it holds 70 min
    assert (event.start_ts, event.end_ts) == (2 * H + 30 * M, 2 * H + 40 * M)
    assert event.metric == 70 * M
    # second run 4 h 10 min later: the first one has slid out (only 10 min of it at 4:30)
    assert run(rule, ts, out_between((0, 40 * M), (4 * H + 10 * M, 4 * H + 50 * M))) == []


def test_budget_periodic_windows_are_aligned_to_the_offset():
    ts = np.arange(0, 30 * H + 1, 10 * M)
    values = np.where((ts >= 22 * H) & (ts < 24 * H), 9.0, 5.0)
    midnight = Rule("b", 1, "budget", max=8.0, budget_s=H, window_s=24 * H, reset="periodic")
    (event,) = run(midnight, ts, values)
    assert (event.start_ts, event.end_ts) == (23 * H + 10 * M, 24 * H)
    shifted = Rule("b", 1, "budget", max=8.0, budget_s=H, window_s=24 * H, reset="periodic",
                   window_offset_s=23 * H)  # fmt: skip
    assert run(shifted, ts, values) == []  # 60 min in each window: not more than the budget


def test_who_10h_cumulative_at_30c():
    rule = Rule("who-30-10h", 1, "budget", max=30.0, budget_s=10 * H, reset="never")
    ts = np.arange(0, 12 * H + 1, H)
    values = np.where(ts % (2 * H) == 0, 30.0, 29.9)  # every other hour exactly at 30 °C
    assert run(rule, ts, values) == []  # 6 h at 30 °C
    (event,) = run(rule, ts, np.full(len(ts), 30.0))
    assert (event.start_ts, event.is_open, event.metric) == (11 * H, True, 12 * H)


# ---------------------------------------------------------------- MKT


def test_mkt_rule_fires_when_24h_mkt_exceeds_8c():
    rule = Rule("mkt-24h", 1, "mkt", min=2.0, max=8.0, inclusive=False, window_s=24 * H)
    ts = np.arange(0, 25 * H, H)  # 25 readings: 24 one-hour intervals
    values = [5.0] * 18 + [14.0] * 6 + [5.0]
    (event,) = run(rule, ts, values)
    assert (event.start_ts, event.is_open) == (24 * H, True)
    assert event.mkt == pytest.approx(8.29, abs=0.01)
    assert event.peak == 5.0 and event.time_out_of_range_s == 0
    values = [5.0] * 23 + [15.0] + [5.0]
    assert run(rule, ts, values) == []  # MKT 5.76 °C


def test_mkt_window_slides_out_a_past_peak():
    rule = Rule("mkt-24h", 1, "mkt", max=8.0, inclusive=False, window_s=24 * H)
    ts = np.arange(0, 50 * H, H)
    values = [5.0] * 18 + [14.0] * 6 + [5.0] * 26
    (event,) = run(rule, ts, values)
    # every window up to [18 h, 42 h] holds the 6 h at 14 °C; [19 h, 43 h] holds 5 h
    assert (event.start_ts, event.end_ts, event.is_open) == (24 * H, 43 * H, False)


# ---------------------------------------------------------------- rate of change


def test_rate_of_change_limits():
    rule = Rule("rate", 1, "rate", max=0.5, min=-0.5)
    assert run(rule, [0, 60, 120], [5.0, 5.4, 5.8]) == []
    rise, fall = run(rule, [0, 60, 120, 180], [5.0, 6.0, 6.2, 5.0])
    assert (rise.side, rise.start_ts, rise.end_ts, rise.metric, rise.peak) == (
        "rise", 60, 120, 1.0, 6.0,
    )  # fmt: skip
    assert (fall.side, fall.start_ts, fall.is_open) == ("fall", 180, True)
    assert fall.metric == pytest.approx(-1.2)
    inclusive = run(rule, [0, 120], [5.0, 6.0])  # 0.5 °C/min exactly
    exclusive = run(Rule("r", 1, "rate", max=0.5, inclusive=False), [0, 120], [5.0, 6.0])
    assert len(inclusive) == 1 and exclusive == []


# ---------------------------------------------------------------- door


def test_door_open_exactly_d_does_not_fire():
    rule = Rule("door-5min", 1, "door", delay_s=300)
    assert rule.channel == CHANNEL_DOOR
    assert run(rule, [0, 300, 900], [1, 0, 0], channel=CHANNEL_DOOR) == []
    (event,) = run(rule, [0, 301, 900], [1, 0, 0], channel=CHANNEL_DOOR)
    assert (event.side, event.start_ts, event.end_ts, event.trigger_ts) == ("open", 0, 301, 300)
    (event,) = run(rule, [0, 200, 400], [1, 1, 1], channel=CHANNEL_DOOR)
    assert event.is_open and event.duration_s == 400


def test_door_rule_ignores_the_temperature_channel():
    rule = Rule("door-5min", 1, "door", delay_s=300)
    assert run(rule, [0, 1000], [1.0, 1.0], channel=0) == []


# ---------------------------------------------------------------- monitoring lost


def test_monitoring_gap_just_under_and_over_the_limit():
    rule = Rule("lost", 1, "monitoring", max_gap_s=1800)
    assert run(rule, [0, 1800, 3600], [5.0, 5.0, 5.0]) == []
    (event,) = run(rule, [0, 1800, 3601], [5.0, 5.0, 5.0])
    assert (event.side, event.start_ts, event.end_ts) == ("gap", 1800, 3601)
    assert event.duration_s == 1801
    assert event.peak is None and event.trigger_ts == 3600


def test_monitoring_silence_until_now():
    rule = Rule("lost", 1, "monitoring", max_gap_s=1800)
    assert run(rule, [0, 600], [5.0, 5.0], now=2400) == []
    (event,) = run(rule, [0, 600], [5.0, 5.0], now=2401)
    assert (event.start_ts, event.end_ts, event.is_open) == (600, None, True)
    assert event.duration_s == 1801


def test_backfill_cancels_an_announced_silence():
    rule = Rule("lost", 1, "monitoring", max_gap_s=1800)
    evaluator = ExcursionEvaluator([rule])
    first = Readings([0, 0], [0, 600], [5.0, 5.0])
    (announced,) = evaluator.evaluate(first, now=3000).events()
    assert announced.is_open and announced.start_ts == 600
    backfill = Readings([0, 0], [1200, 1800], [5.0, 5.0])
    (cancelled,) = evaluator.evaluate(backfill, now=2000).events()
    assert cancelled.void and cancelled.key == announced.key


# ---------------------------------------------------------------- input handling


def test_unsorted_input_and_duplicates():
    rule = Rule("fridge", 1, "threshold", max=8.0)
    readings = Readings([0, 0, 0, 0], [120, 0, 60, 60], [5.0, 5.0, 9.0, 5.0])
    result = ExcursionEvaluator([rule]).evaluate(readings)
    assert result.duplicates == 1
    (event,) = result.events()
    assert (event.start_ts, event.end_ts, event.peak) == (60, 120, 9.0)  # first 60 s wins


def test_sensor_groups():
    rule = Rule("group", 1, "threshold", max=8.0, sensors=(2,))
    readings = Readings([1, 1, 2, 2], [0, 60, 0, 60], [9.0, 5.0, 9.0, 5.0])
    (event,) = evaluate_history(readings, [rule])
    assert event.sensor == 2


def test_late_readings_are_dropped_and_counted():
    rule = Rule("fridge", 1, "threshold", max=8.0)
    evaluator = ExcursionEvaluator([rule])
    evaluator.evaluate(Readings([0, 0], [0, 600], [5.0, 5.0]))
    result = evaluator.evaluate(Readings([0, 0], [300, 900], [9.0, 5.0]))
    assert result.late == 1 and result.events() == []


def test_rule_validation():
    with pytest.raises(ValueError):
        Rule("x", 1, "threshold")
    with pytest.raises(ValueError):
        Rule("x", 1, "budget", max=8.0, budget_s=60, window_s=0)
    with pytest.raises(ValueError):
        Rule("x", 1, "monitoring")
    with pytest.raises(ValueError):
        Rule("x", 1, "threshold", min=8.0, max=2.0)
    with pytest.raises(ValueError):
        Rule("x", 1, "nonsense", max=1.0)
    with pytest.raises(ValueError):
        ExcursionEvaluator([Rule("x", 1, "threshold", max=1.0)] * 2)
