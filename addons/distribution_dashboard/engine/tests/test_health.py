from distribution_dashboard.engine.health import (
    METRICS,
    Sample,
    breaches,
    is_breach,
    prometheus_text,
)


def test_prometheus_text():
    text = prometheus_text(
        [
            Sample("queue_job_backlog", 12, {"channel": "root.edi"}),
            Sample("queue_job_backlog", 0, {"channel": 'we"ird\\'}),
            Sample("dead_letters", 3),
        ]
    )
    assert text == (
        "# HELP distribution_dead_letters Telemetry messages parked as dead letters.\n"
        "# TYPE distribution_dead_letters gauge\n"
        "distribution_dead_letters 3.0\n"
        "# HELP distribution_queue_job_backlog Jobs waiting to run, by channel.\n"
        "# TYPE distribution_queue_job_backlog gauge\n"
        'distribution_queue_job_backlog{channel="root.edi"} 12.0\n'
        'distribution_queue_job_backlog{channel="we\\"ird\\\\"} 0.0\n'
    )


def test_thresholds():
    assert is_breach("dead_letters", 101, 100)
    assert not is_breach("dead_letters", 100, 100)
    assert is_breach("ingestion_rate_per_second", 1.0, 5.0)  # low is bad
    assert not is_breach("ingestion_rate_per_second", 1.0, None)
    samples = [Sample("edi_exchanges_failed", 2, {"partner": "3PL"}), Sample("dead_letters", 1)]
    assert breaches(samples, {"edi_exchanges_failed": 0, "dead_letters": 10}) == samples[:1]
    assert len({m.code for m in METRICS}) == len(METRICS)
