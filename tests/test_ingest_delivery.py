"""Ingestion service, end to end: duplicates, out-of-order data, liveness, clean stop.

Real Mosquitto (our dev configuration, a broker of the test's own), real PostgreSQL
(a throw-away database), the service as a real process.
"""

from __future__ import annotations

import json
import random
import signal
from datetime import timedelta

import pytest
from ingest_helpers import (
    T0,
    Service,
    iso,
    make_stream,
    prime_session,
    query,
    reading_count,
    setup_database,
    stored_readings,
    us,
    wait_until,
    write_config,
)
from support import publish_all

pytestmark = [pytest.mark.postgres, pytest.mark.mqtt]


@pytest.fixture
def ingest(tmp_path, pg_dsn, broker):
    """(registry, service factory) with a primed persistent session."""
    registry = setup_database(pg_dsn)
    client_id = f"ingest-{tmp_path.name}"[:60]
    prime_session(broker.host, broker.port, client_id)
    services = []

    def make(**extra) -> Service:
        config = write_config(tmp_path / "odoo.conf", pg_dsn, broker.port, client_id, **extra)
        service = Service(config, tmp_path / "ingest.log").start()
        services.append(service)
        return service

    yield registry, make
    for service in services:
        service.stop(signal.SIGKILL)


def test_duplicates_and_out_of_order_are_stored_once(pg_dsn, broker, ingest):
    registry, make = ingest
    messages, expected = make_stream(registry, minutes=30)
    single, single_expected = make_stream(registry, minutes=5, start=T0 + timedelta(hours=5),
                                          per_message=1)  # fmt: skip
    rng = random.Random(4)
    # every message twice, then a re-sent subset, all shuffled (out of order)
    stream = messages + messages + single + single[:10] + rng.sample(messages, 40)
    rng.shuffle(stream)
    # the same (sensor, ts) again with another value: the first stored one stays, and
    # the conflict is recorded once (a dead letter counted on the sensor), however
    # often the gateway sends it
    sensor = "RTM-CHILL-T1"
    conflicting = json.dumps({"ts": iso(T0), "value": 99.9}).encode()
    conflict_topic = f"sites/RTM/gateways/RTM-GW1/sensors/{sensor}/telemetry"
    service = make()
    publish_all(broker.host, broker.port, "gw-sim", stream)
    total = len(expected | single_expected)
    wait_until(lambda: reading_count(pg_dsn) >= total, 60, "all readings", service)
    publish_all(
        broker.host,
        broker.port,
        "gw-sim",
        [(conflict_topic, conflicting), (conflict_topic, conflicting)],
    )
    assert service.stop(signal.SIGTERM) == 0  # graceful: flushes and acks
    rows = stored_readings(pg_dsn)
    assert len(rows) == len(set(rows)) == total
    assert set(rows) == expected | single_expected
    kept = [v for s, ts, v in rows if s == registry.sensors[sensor] and ts == us(T0)]
    assert len(kept) == 1 and kept[0] != 99.9
    dead = query(
        pg_dsn,
        "SELECT topic, reason_code, sensor_id, reason_text, payload, payload_size"
        " FROM coldchain_dead_letter",
    )
    assert len(dead) == 1
    topic, reason, sensor_id, text, payload, size = dead[0]
    assert (topic, reason, sensor_id) == (
        conflict_topic,
        "conflicting_value",
        registry.sensors[sensor],
    )
    assert f"received 99.9, kept {kept[0]!r}" in text and "2025-06-01T00:00:00" in text
    assert (bytes(payload), size) == (conflicting, len(conflicting))
    assert "stopped:" in service.output()


def test_liveness_heartbeat_last_will_and_monitoring_lost(pg_dsn, broker, ingest):
    registry, make = ingest
    service = make(ingest_sweep_interval_s=1, ingest_silence_factor=1)
    now = query(pg_dsn, "SELECT now()")[0][0]
    recent = now.replace(microsecond=0) - timedelta(seconds=30)
    old = now.replace(microsecond=0) - timedelta(minutes=10)
    # RTM-CHILL-T1 reports recently, RTM-CHILL-T2 last reported 10 min ago (> 60 s x 1)
    batch = {
        "readings": [
            {"sensor": "RTM-CHILL-T1", "ts": iso(recent), "value": 4.0},
            {"sensor": "RTM-CHILL-T2", "ts": iso(old), "value": 4.0},
        ]
    }
    publish_all(
        broker.host,
        broker.port,
        "gw-sim",
        [
            ("sites/RTM/gateways/RTM-GW1/telemetry", json.dumps(batch).encode()),
            ("sites/LYS/gateways/LYS-GW1/status", b'{"state": "online"}'),
            ("sites/RTM/gateways/RTM-GW2/status", b"offline"),
        ],
    )

    def events():
        return set(
            query(
                pg_dsn,
                "SELECT kind, gateway_id, sensor_id FROM coldchain_monitoring_event"
                " WHERE ended_at IS NULL",
            )
        )

    gw, sensors = registry.gateways, registry.sensors
    want = {
        ("gateway_offline", gw["RTM-GW2"], None),
        ("sensor_silent", gw["RTM-GW1"], sensors["RTM-CHILL-T2"]),
    }
    wait_until(lambda: events() == want, 30, f"events {want}", service)
    states = dict(query(pg_dsn, "SELECT code, state FROM coldchain_sensor"))
    assert states["RTM-CHILL-T1"] == "active"
    assert states["RTM-CHILL-T2"] == "offline"
    gateways = dict(query(pg_dsn, "SELECT code, state FROM coldchain_gateway"))
    assert gateways == {"RTM-GW1": "active", "RTM-GW2": "offline", "LYS-GW1": "active"}
    last_seen = dict(query(pg_dsn, "SELECT code, last_seen FROM coldchain_sensor"))
    assert us(last_seen["RTM-CHILL-T2"].replace(tzinfo=recent.tzinfo)) == us(old)

    # the gateway comes back online, the sensor reports again: both events close
    back = {"readings": [{"sensor": "RTM-CHILL-T2", "ts": iso(recent), "value": 4.1}]}
    publish_all(
        broker.host,
        broker.port,
        "gw-sim",
        [
            ("sites/RTM/gateways/RTM-GW2/status", b"online"),
            ("sites/RTM/gateways/RTM-GW1/telemetry", json.dumps(back).encode()),
        ],
    )
    wait_until(lambda: events() == set(), 30, "events closed", service)
    closed = query(pg_dsn, "SELECT count(*) FROM coldchain_monitoring_event")[0][0]
    assert closed == 2
