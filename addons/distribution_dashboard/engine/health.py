"""Operational health: metric definitions, thresholds, Prometheus text format.

One definition per metric (name, help, which side is bad); the models gather the
samples, the metrics endpoint and the "System health" view both render them from
here, and the threshold check uses :func:`breaches`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Metric:
    code: str
    help: str
    bad: str  # "high" or "low": which side of the threshold raises an activity
    default_threshold: float | None


METRICS: tuple[Metric, ...] = (
    Metric(
        "ingestion_lag_seconds",
        "Seconds since the last telemetry reading was stored.",
        "high",
        300.0,
    ),
    Metric(
        "ingestion_rate_per_second",
        "Readings stored per second over the last 5 minutes.",
        "low",
        None,
    ),
    Metric("dead_letters", "Telemetry messages parked as dead letters.", "high", 100.0),
    Metric(
        "excursion_evaluation_lag_seconds",
        "Seconds since the excursion evaluation last ran.",
        "high",
        300.0,
    ),
    Metric("cron_lateness_seconds", "How late each overdue scheduled action is.", "high", 900.0),
    Metric("queue_job_backlog", "Jobs waiting to run, by channel.", "high", 1000.0),
    Metric("edi_exchanges_pending", "EDI exchanges waiting, by trading partner.", "high", 50.0),
    Metric(
        "edi_exchanges_failed", "EDI exchanges failed or parked, by trading partner.", "high", 0.0
    ),
    Metric(
        "oldest_unacknowledged_alert_seconds",
        "Age of the oldest open alert nobody acknowledged.",
        "high",
        3600.0,
    ),
)
METRIC_BY_CODE = {m.code: m for m in METRICS}
PREFIX = "distribution_"


@dataclass(frozen=True)
class Sample:
    code: str
    value: float
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def label_text(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in sorted(self.labels.items()))


def is_breach(code: str, value: float, threshold: float | None) -> bool:
    if threshold is None or value is None or math.isnan(value):
        return False
    if METRIC_BY_CODE[code].bad == "high":
        return value > threshold
    return value < threshold


def breaches(samples: Iterable[Sample], thresholds: Mapping[str, float | None]) -> list[Sample]:
    return [s for s in samples if is_breach(s.code, s.value, thresholds.get(s.code))]


_LABEL_NAME = re.compile(r"[^a-zA-Z0-9_]")


def _escape(value: str) -> str:
    return str(value).replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def prometheus_text(samples: Iterable[Sample]) -> str:
    """Prometheus text exposition format 0.0.4: HELP and TYPE once per metric."""
    by_code: dict[str, list[Sample]] = {}
    for sample in samples:
        by_code.setdefault(sample.code, []).append(sample)
    lines: list[str] = []
    for metric in METRICS:
        if metric.code not in by_code:
            continue
        name = PREFIX + metric.code
        lines.append(f"# HELP {name} {metric.help}")
        lines.append(f"# TYPE {name} gauge")
        for sample in by_code[metric.code]:
            labels = ",".join(
                f'{_LABEL_NAME.sub("_", k)}="{_escape(v)}"'
                for k, v in sorted(sample.labels.items())
            )
            lines.append(
                f"{name}{{{labels}}} {_number(sample.value)}"
                if labels
                else f"{name} {_number(sample.value)}"
            )
    return "\n".join(lines) + "\n"
