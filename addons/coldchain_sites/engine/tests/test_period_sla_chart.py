"""Period summary, downsampling, SLA figures and the SVG chart, on hand-computed cases."""

import re

import numpy as np
import pytest

from coldchain_sites.engine import period, sla, svg_chart
from coldchain_sites.engine.mkt import mean_kinetic_temperature


def test_summary_three_equal_holds():
    s = period.period_summary([0, 600, 1200], [5.0, 10.0, 1.0], 0, 1800, band=(2, 8))
    assert s.readings == 3
    assert s.covered_s == 1800 and s.uncovered_s == 0
    assert s.mean == pytest.approx(16 / 3)
    assert (s.min, s.max) == (1.0, 10.0)
    assert s.minutes_above == 10 and s.minutes_below == 10
    assert s.mkt == pytest.approx(mean_kinetic_temperature([5, 10, 1]))


def test_summary_reference_vector_23h_5c_1h_15c():
    s = period.period_summary([0, 23 * 3600], [5.0, 15.0], 0, 24 * 3600, band=(2, 8))
    assert s.mkt == pytest.approx(5.76, abs=0.01)
    assert s.mean == pytest.approx(5.4167, abs=1e-3)
    assert s.minutes_above == 60


def test_summary_dh_r_of_the_profile_changes_mkt():
    low = period.period_summary([0, 3600], [5.0, 15.0], 0, 7200, dh_r=5000)
    high = period.period_summary([0, 3600], [5.0, 15.0], 0, 7200, dh_r=12000)
    assert 10.0 < low.mkt < high.mkt


def test_limits_are_in_range():
    s = period.period_summary([0], [8.0], 0, 60, band=(2, 8))
    assert s.above_s == 0 and s.below_s == 0


def test_gap_longer_than_max_hold_counts_nowhere():
    s = period.period_summary([0, 3600], [5.0, 5.0], 0, 7200, max_hold_s=600)
    assert s.covered_s == 1200
    assert s.uncovered_s == 6000


def test_reading_before_the_period_stands_for_its_start():
    s = period.period_summary([-100, 50], [4.0, 6.0], 0, 100)
    assert s.covered_s == 100
    assert s.mean == pytest.approx(5.0)
    assert (s.min, s.max) == (4.0, 6.0)


def test_no_reading_in_period():
    s = period.period_summary([], [], 0, 100, band=(2, 8))
    assert s.mean is None and s.mkt is None and s.uncovered_s == 100


def test_unsorted_input_is_sorted():
    a = period.period_summary([600, 0], [10.0, 5.0], 0, 1200)
    assert a.mean == pytest.approx(7.5)


def test_lot_over_two_zones():
    stays = [
        ([0, 100], [5.0, 7.0], 50, 150),  # zone A, lot there 50-150
        ([0, 200], [3.0, 20.0], 150, 250),  # zone B, lot there 150-250
    ]
    s = period.lot_summary(stays, 0, 300, band=(2, 8))
    assert s.covered_s == 200
    assert s.mean == pytest.approx((5 + 7 + 3 + 20) / 4)
    assert (s.min, s.max) == (3.0, 20.0)
    assert s.above_s == 50
    assert s.uncovered_s == 100


def test_downsample_5_minutes():
    d = period.downsample([1, 1, 1, 2], [0, 100, 300, 50], [1.0, 3.0, 2.0, 9.0])
    assert d["sensor_id"].tolist() == [1, 1, 2]
    assert d["bucket"].tolist() == [0, 300, 0]
    assert d["min"].tolist() == [1.0, 2.0, 9.0]
    assert d["max"].tolist() == [3.0, 2.0, 9.0]
    assert d["sum"].tolist() == [4.0, 2.0, 9.0]
    assert d["count"].tolist() == [2, 1, 1]


def test_downsample_empty():
    assert period.downsample([], [], [])["count"].size == 0


def test_availability_caps_each_sensor():
    sensors = [
        sla.SensorExpectation(60, 30, 3600),  # 30 of 60
        sla.SensorExpectation(60, 80, 3600),  # over-reporting counts as 60
    ]
    assert sla.availability(sensors) == pytest.approx(75.0)
    assert sla.availability([]) is None


def test_union_of_overlapping_excursions():
    assert sla.union_seconds([(0, 100), (50, 200), (300, 400)], 0, 1000) == 300
    assert sla.union_seconds([(-50, 50), (900, None)], 0, 1000) == 150


def test_sla_figures():
    excursions = [
        sla.ExcursionTimes(0, 600, alerted_at=300, acknowledged_at=1500, closed_at=2000),
        sla.ExcursionTimes(1000, None, alerted_at=2200, acknowledged_at=None),
    ]
    f = sla.sla_figures(
        [sla.SensorExpectation(60, 60, 3600)] * 2,
        excursions,
        calibrated=3,
        sensor_count=4,
        start=0,
        end=3600,
        detect_target_min=15,
        ack_target_min=30,
        availability_target=99.5,
    )
    assert f.availability_pct == 100
    assert f.detect_avg_min == pytest.approx(12.5)
    assert f.detect_max_min == 20
    assert (f.detect_within, f.detect_late) == (1, 1)
    # the second alert is unacknowledged for 1400 s < 30 min: not yet late
    assert (f.ack_within, f.ack_late, f.ack_avg_min) == (1, 0, 20)
    assert f.excursion_count == 2
    assert f.excursion_s == 600 + 2600
    assert f.calibration_pct == 75
    # one excursion ended, and it is closed; the ongoing one does not count
    assert f.report_completeness_pct == 100
    assert f.meets == {
        "availability": True,
        "detect": False,
        "acknowledge": True,
        "calibration": False,
        "reports": True,
    }


def test_detection_runs_from_the_rules_trigger():
    # a delay rule (15 min) triggered at 900 s and alerted a minute later: detected in
    # 1 min, within a 5-minute target (from the start it would be 16 min, late)
    delayed = sla.ExcursionTimes(0, 3000, alerted_at=960, triggered_at=900)
    # a threshold rule without a trigger time: from its start
    instant = sla.ExcursionTimes(0, 3000, alerted_at=120)
    f = sla.sla_figures([], [delayed, instant], 0, 0, 0, 3600, 5, 15, 99)
    assert (f.detect_avg_min, f.detect_max_min) == (1.5, 2)
    assert (f.detect_within, f.detect_late) == (2, 0) and f.meets["detect"]
    # not alerted yet: late once the target has passed since the trigger
    pending = sla.ExcursionTimes(0, None, triggered_at=3000)
    assert sla.sla_figures([], [pending], 0, 0, 0, 3200, 5, 15, 99).detect_late == 0
    assert sla.sla_figures([], [pending], 0, 0, 0, 3400, 5, 15, 99).detect_late == 1


def test_unacknowledged_past_target_is_late():
    f = sla.sla_figures([], [sla.ExcursionTimes(0, None, alerted_at=0)], 0, 0, 0, 7200, 15, 30, 99)
    assert f.ack_late == 1 and f.availability_pct is None and f.calibration_pct is None
    assert f.report_completeness_pct is None
    ended = sla.sla_figures(
        [],
        [sla.ExcursionTimes(0, 60), sla.ExcursionTimes(0, 60, closed_at=90)],
        0,
        0,
        0,
        7200,
        15,
        30,
        99,
    )
    assert ended.report_completeness_pct == 50 and not ended.meets["reports"]


def test_chart_draws_band_excursions_and_gaps():
    buckets = [
        {"t": t, "min": 4.0, "max": 6.0, "mean": 5.0}
        for t in range(0, 86400, 300)
        if not 60000 <= t < 64000
    ]
    svg = svg_chart.temperature_chart(
        0,
        86400,
        series=buckets,
        band=(2, 8),
        excursions=[(40000, 50000), (80000, None)],
        title="Zone <A> & 2–8 °C",
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="band"') == 1
    assert svg.count('class="limit"') == 2
    assert svg.count('class="excursion"') == 2
    assert svg.count('class="envelope"') == 2  # the gap splits the curve
    assert "Zone &lt;A&gt; &amp; 2&#8211;8 &#176;C" in svg
    # every coordinate stays inside the picture
    xs = [float(v) for v in re.findall(r'x="([-\d.]+)"', svg)]
    assert min(xs) >= 0 and max(xs) <= 700


def test_chart_without_readings():
    svg = svg_chart.temperature_chart(0, 3600, band=(2, 8))
    assert "No readings in this period" in svg
    with pytest.raises(ValueError):
        svg_chart.temperature_chart(10, 10)


def test_chart_raw_points():
    svg = svg_chart.temperature_chart(0, 600, points=[(0, 1.0), (300, np.float64(2.0))])
    assert svg.count('class="curve"') == 1


def test_refresh_plan_waits_for_the_lag():
    from coldchain_sites.engine.series_sql import plan_batch

    # nothing seen yet: remember what is allocated, process nothing
    assert plan_batch(0, 0, True, 500, 30, 100) == (0, 500)
    # seen 500 less than the lag ago: still nothing
    assert plan_batch(0, 500, False, 800, 30, 100) == (0, None)
    # seen long enough: up to 500 in batches of 100, and remember 800
    assert plan_batch(0, 500, True, 800, 30, 100) == (100, 800)
    assert plan_batch(400, 500, True, 800, 30, 1000) == (500, 800)
    # no lag: everything allocated
    assert plan_batch(0, 0, False, 800, 0, 1000) == (800, None)
