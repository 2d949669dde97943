"""Site SLA figures over a period (pure Python, no Odoo).

* monitoring availability: readings received / readings expected (each sensor is
  expected every ``expected_interval`` seconds of the time it was in service during
  the period); a sensor cannot make up for another by reporting more often;
* time to detect (the rule's trigger → alert) and time to acknowledge (alert →
  acknowledgement), in minutes, against the tier's targets; an excursion not yet
  alerted or acknowledged at the period's end counts as late when its target passed.
  Detection runs from the moment the rule's condition was met (``triggered_at``: the
  start for a threshold, the start plus the delay for a delay rule), not from the
  excursion's start: a delay rule waits by definition, and counting its delay would
  make every such excursion late against a tier's detection target shorter than it;
* excursion count and time in excursion (union of the excursions' intervals, so two
  sensors of one zone out at once count once);
* calibration adherence: share of sensors whose calibration was valid at the end;
* report completeness: share of the excursions that ended whose evidence file is
  complete (closed: reviewed, every exposed lot dispositioned).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SensorExpectation:
    expected_interval_s: int
    received: int
    in_service_s: float


@dataclass(frozen=True)
class ExcursionTimes:
    start: float
    end: float | None = None  # None: ongoing
    alerted_at: float | None = None
    acknowledged_at: float | None = None
    closed_at: float | None = None  # the evidence file is complete (reviewed, closed)
    triggered_at: float | None = None  # the rule's condition met (None: at the start)

    @property
    def detectable_at(self) -> float:
        return self.start if self.triggered_at is None else self.triggered_at


def availability(sensors: list[SensorExpectation]) -> float | None:
    """% of expected readings received (None when nothing was expected)."""
    expected = 0.0
    received = 0.0
    for s in sensors:
        exp = s.in_service_s / s.expected_interval_s if s.expected_interval_s > 0 else 0.0
        expected += exp
        received += min(float(s.received), exp)
    if expected <= 0:
        return None
    return 100.0 * received / expected


def _delays(pairs, period_end, target_s):
    """(delays in minutes of the done ones, how many within target, how many late)."""
    done, within, late = [], 0, 0
    for begin, finish in pairs:
        if begin is None:
            continue
        if finish is None:
            if period_end - begin > target_s:
                late += 1
            continue
        delay = max(0.0, finish - begin)
        done.append(delay / 60.0)
        if delay <= target_s:
            within += 1
        else:
            late += 1
    return done, within, late


def union_seconds(intervals, start, end) -> float:
    """Length of the union of intervals clipped to [start, end)."""
    clipped = sorted(
        (max(a, start), min(b if b is not None else end, end))
        for a, b in intervals
        if a < end and (b is None or b > start)
    )
    total, cur_a, cur_b = 0.0, None, None
    for a, b in clipped:
        if b <= a:
            continue
        if cur_b is None or a > cur_b:
            if cur_b is not None:
                total += cur_b - cur_a
            cur_a, cur_b = a, b
        else:
            cur_b = max(cur_b, b)
    if cur_b is not None:
        total += cur_b - cur_a
    return total


@dataclass
class SlaFigures:
    availability_pct: float | None
    availability_target: float
    detect_avg_min: float | None
    detect_max_min: float | None
    detect_within: int
    detect_late: int
    detect_target_min: float
    ack_avg_min: float | None
    ack_max_min: float | None
    ack_within: int
    ack_late: int
    ack_target_min: float
    excursion_count: int
    excursion_s: float
    calibration_pct: float | None
    sensors: int
    report_completeness_pct: float | None = None
    meets: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def sla_figures(
    sensors: list[SensorExpectation],
    excursions: list[ExcursionTimes],
    calibrated: int,
    sensor_count: int,
    start: float,
    end: float,
    detect_target_min: float,
    ack_target_min: float,
    availability_target: float,
) -> SlaFigures:
    avail = availability(sensors)
    detect, d_in, d_late = _delays(
        [(e.detectable_at, e.alerted_at) for e in excursions], end, detect_target_min * 60
    )
    ack, a_in, a_late = _delays(
        [(e.alerted_at, e.acknowledged_at) for e in excursions], end, ack_target_min * 60
    )
    cal = 100.0 * calibrated / sensor_count if sensor_count else None
    ended = [e for e in excursions if e.end is not None]
    complete = 100.0 * sum(1 for e in ended if e.closed_at) / len(ended) if ended else None
    figures = SlaFigures(
        availability_pct=avail,
        availability_target=availability_target,
        detect_avg_min=sum(detect) / len(detect) if detect else None,
        detect_max_min=max(detect) if detect else None,
        detect_within=d_in,
        detect_late=d_late,
        detect_target_min=detect_target_min,
        ack_avg_min=sum(ack) / len(ack) if ack else None,
        ack_max_min=max(ack) if ack else None,
        ack_within=a_in,
        ack_late=a_late,
        ack_target_min=ack_target_min,
        excursion_count=len(excursions),
        excursion_s=union_seconds([(e.start, e.end) for e in excursions], start, end),
        calibration_pct=cal,
        sensors=sensor_count,
        report_completeness_pct=complete,
    )
    figures.meets = {
        "availability": avail is None or avail >= availability_target,
        "detect": d_late == 0,
        "acknowledge": a_late == 0,
        "calibration": cal is None or cal >= 100.0,
        "reports": complete is None or complete >= 100.0,
    }
    return figures
