"""Scale-out: two ingest instances on one MQTT shared subscription.

Both instances subscribe to ``$share/<group>/sites/#`` (``mqtt_share_group``) with
their own client id and persistent session on a broker of the test's own; each
message goes to one of them.  One instance is killed (SIGKILL) mid-run while the
stream goes on, then restarted: every reading is stored exactly once, and both
instances did part of the work.  Every insert queued its readings for the
evaluation (``coldchain_reading_pending``) in the same statement, whatever the
instance.
"""

from __future__ import annotations

import re
import signal
import threading
import time

import psycopg2
import pytest
from ingest_helpers import (
    Service,
    make_stream,
    prime_session,
    query,
    reading_count,
    setup_database,
    stored_readings,
    wait_until,
    write_config,
)
from support import publish_all

from coldchain_sites.services.ingest import settings as ingest_settings
from coldchain_sites.services.ingest.service import subscription

pytestmark = [pytest.mark.postgres, pytest.mark.mqtt]

GROUP = "coldchain"


def _instance(tmp_path, pg_dsn, broker, name) -> Service:
    client_id = f"ingest-{name}"
    prime_session(broker.host, broker.port, client_id, subscription(GROUP))
    workdir = tmp_path / name
    workdir.mkdir()
    config = write_config(
        workdir / "odoo.conf", pg_dsn, broker.port, client_id, mqtt_share_group=GROUP
    )
    service = Service(config, workdir / "ingest.log").start()
    wait_until(lambda: "connected to 127.0.0.1" in service.output(), 30, "connected", service)
    return service


def test_subscription_topic_and_group_setting(tmp_path, pg_dsn):
    assert subscription("") == "sites/#"
    assert subscription("g1") == "$share/g1/sites/#"
    bad = write_config(tmp_path / "bad.conf", pg_dsn, 1883, "x", mqtt_share_group="a/b")
    with pytest.raises(SystemExit):
        ingest_settings.load(str(bad))
    good = write_config(tmp_path / "good.conf", pg_dsn, 1883, "x", mqtt_share_group="g1")
    assert ingest_settings.load(str(good)).mqtt_share_group == "g1"


def test_two_instances_one_killed_nothing_lost_nothing_doubled(tmp_path, pg_dsn, broker):
    registry = setup_database(pg_dsn)
    messages, expected = make_stream(registry, minutes=240, per_message=1)
    first, second = messages[: len(messages) // 2], messages[len(messages) // 2 :]
    one = _instance(tmp_path, pg_dsn, broker, "one")
    two = _instance(tmp_path, pg_dsn, broker, "two")
    try:
        publisher = threading.Thread(
            target=publish_all, args=(broker.host, broker.port, "gw-sim-1", first)
        )
        publisher.start()
        wait_until(lambda: reading_count(pg_dsn) >= len(first) // 4, 60, "a first part", one)
        two.stop(signal.SIGKILL)  # mid-run: whatever it held unacked is redelivered
        publisher.join(120)
        publish_all(broker.host, broker.port, "gw-sim-2", second)
        time.sleep(1)
        two.start()
        wait_until(lambda: reading_count(pg_dsn) >= len(expected), 90, "every reading", one)
        time.sleep(1)  # anything doubled would show up now
        assert one.stop(signal.SIGTERM) == 0
        assert two.stop(signal.SIGTERM) == 0
    finally:
        one.stop(signal.SIGKILL)
        two.stop(signal.SIGKILL)
    rows = stored_readings(pg_dsn)
    assert len(rows) == len(set(rows)) == len(expected)
    assert set(rows) == expected
    assert query(pg_dsn, "SELECT count(*) FROM coldchain_dead_letter")[0][0] == 0
    # both instances wrote (the restarted one too); every reading is queued
    for service in (one, two):
        counts = [int(n) for n in re.findall(r"stopped: (\d+) readings", service.output())]
        assert counts and counts[-1] > 0, service.output()[-2000:]
    queued = query(
        pg_dsn,
        "SELECT count(*) FROM coldchain_reading r WHERE NOT EXISTS ("
        " SELECT 1 FROM coldchain_reading_pending p,"
        " unnest(p.sensors, p.min_ts, p.max_ts) AS u(s, lo, hi)"
        " WHERE u.s = r.sensor_id AND r.ts BETWEEN u.lo AND u.hi)",
    )[0][0]
    assert queued == 0


def test_a_sensor_enrolled_while_running_is_known_to_every_instance(tmp_path, pg_dsn, broker):
    """The registry is re-read every ``ingest_registry_refresh_s`` (default 30 s; 2 s
    here): a sensor enrolled in Odoo while the instances run is accepted by all of
    them within that bound, without a restart; what came before is dead-lettered
    ``unknown_sensor`` (replayable from Odoo)."""
    registry = setup_database(pg_dsn)
    gateway = "RTM-GW1"
    services = []
    for name in ("one", "two"):
        client_id = f"ingest-{name}"
        prime_session(broker.host, broker.port, client_id, subscription(GROUP))
        workdir = tmp_path / name
        workdir.mkdir()
        config = write_config(
            workdir / "odoo.conf", pg_dsn, broker.port, client_id,
            mqtt_share_group=GROUP, ingest_registry_refresh_s=2,
        )  # fmt: skip
        service = Service(config, workdir / "ingest.log").start()
        services.append(service)
    try:
        for service in services:
            wait_until(lambda s=service: "connected to 127.0.0.1" in s.output(), 30, "up", service)
        topic = f"sites/RTM/gateways/{gateway}/sensors/RTM-NEW-T9/telemetry"

        def message(minute):
            return (topic, f'{{"ts": "2025-06-01T10:{minute:02d}:00Z", "value": 4.0}}'.encode())

        publish_all(broker.host, broker.port, "gw-new-1", [message(0)])
        wait_until(
            lambda: query(pg_dsn, "SELECT count(*) FROM coldchain_dead_letter")[0][0] == 1,
            30, "the unknown sensor's dead letter", services[0],
        )  # fmt: skip
        conn = psycopg2.connect(**pg_dsn)
        with conn, conn.cursor() as cr:  # enrolled in Odoo: committed
            cr.execute(
                "INSERT INTO coldchain_sensor (code, gateway_id, state, expected_interval)"
                " VALUES ('RTM-NEW-T9', %s, 'active', 60)",
                [registry.gateways[gateway]],
            )
        conn.close()
        enrolled = time.monotonic()
        time.sleep(2.5)  # one refresh interval
        publish_all(broker.host, broker.port, "gw-new-2", [message(m) for m in range(1, 21)])
        wait_until(lambda: reading_count(pg_dsn) == 20, 30, "the new sensor's readings")
        assert time.monotonic() - enrolled < 30
        assert query(pg_dsn, "SELECT count(*) FROM coldchain_dead_letter")[0][0] == 1
        for service in services:
            assert service.stop(signal.SIGTERM) == 0
            counts = [int(n) for n in re.findall(r"stopped: (\d+) readings", service.output())]
            assert counts[-1] > 0  # each instance accepted some of the new sensor's
    finally:
        for service in services:
            service.stop(signal.SIGKILL)
