"""A broker crash (SIGKILL, not a clean stop) during a QoS 1 burst, with the shipped
production configuration (TLS, persistence, ``autosave_interval``), the real
ingestion service and real PostgreSQL.

Mosquitto acknowledges a QoS 1 message (PUBACK to the gateway) when it receives it
and saves its in-memory state every ``autosave_interval`` seconds, so a crash loses
what it acknowledged since its last save and had not yet handed to the service --
the README states it, and this measures it.  Two cases:

* the service offline during the burst (the worst case: everything is queued at
  the broker);
* the service online (it commits and acknowledges as the burst goes).

Asserted: every message the broker acknowledged more than ``autosave_interval`` + 2 s
before the kill is stored, once; nothing that was not published is stored.  The
measured loss is printed (``-s``) for the README.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from datetime import timedelta

import pytest
from broker_helpers import (
    INGEST_USER,
    ProductionBroker,
    make_certificates,
    production_config,
)
from ingest_helpers import (
    T0,
    RawPublisher,
    Service,
    iso,
    reading_count,
    setup_database,
    stored_readings,
    wait_until,
    write_config,
)
from support import MOSQUITTO_CONFIG, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.mqtt, pytest.mark.slow]

AUTOSAVE_S = int(
    next(
        line.split()[1]
        for line in (MOSQUITTO_CONFIG / "mosquitto.conf").read_text().splitlines()
        if line.startswith("autosave_interval ")
    )
)
RATE = 2000  # messages/s: the service keeps up when it is online
BURST_S = AUTOSAVE_S + 6  # the kill comes this long into the burst
GATEWAY, SITE = "RTM-GW1", "RTM"
SENSORS = ["RTM-CHILL-T1", "RTM-CHILL-T2", "RTM-CHILL-D1"]


def _messages(count: int):
    """Message i: sensor i % 3, at T0 + i s (so a stored reading names its message)."""
    return [
        (
            f"sites/{SITE}/gateways/{GATEWAY}/sensors/{SENSORS[i % 3]}/telemetry",
            json.dumps({"ts": iso(T0 + timedelta(seconds=i)), "value": 4.0, "seq": i}).encode(),
        )
        for i in range(count)
    ]


def _production_stack(tmp_path, pg_dsn, broker_factory, client_id):
    """Broker (shipped production configuration, TLS) and service (not started)."""
    setup = ProductionBroker(
        certs=make_certificates(tmp_path / "certs"), auth_dir=tmp_path / "auth"
    )
    setup.auth_dir.mkdir()
    setup.write_auth({GATEWAY: (SITE, "gw-secret")}, "ingest-secret")
    port = free_port()
    broker = broker_factory(config_text=production_config(port, setup), port=port)
    config = write_config(
        tmp_path / "odoo.conf",
        pg_dsn,
        port,
        client_id,
        mqtt_host="localhost",
        mqtt_username=INGEST_USER,
        mqtt_tls="True",
        mqtt_ca_file=setup.ca_file,
    )
    service = Service(
        config, tmp_path / "ingest.log", env={"COLDCHAIN_MQTT_PASSWORD": "ingest-secret"}
    )
    return setup, broker, service


def _burst_then_kill(setup, broker, messages) -> tuple[dict[int, float], float, float]:
    """Publish at RATE; SIGKILL the broker BURST_S into it.  Returns the publisher's
    acknowledgment times, the start and the kill (monotonic)."""
    publisher = RawPublisher(
        "localhost", broker.port, "gw", username=GATEWAY, password="gw-secret",
        ca_file=setup.ca_file,
    )  # fmt: skip
    stop = threading.Event()
    sender = threading.Thread(target=publisher.publish, args=(messages, RATE, stop), daemon=True)
    started = time.monotonic()
    sender.start()
    time.sleep(BURST_S)
    broker.stop(signal.SIGKILL)  # a crash: no final save
    killed_at = time.monotonic()
    stop.set()
    sender.join(10)
    publisher.close()
    return dict(publisher.acked), started, killed_at


def _drain(service, pg_dsn) -> None:
    """Wait until the service has stored everything the broker still had."""
    last = [-1]

    def settled() -> bool:
        time.sleep(2)
        count = reading_count(pg_dsn)
        done, last[0] = count == last[0], count
        return done

    wait_until(settled, 180, "the service to drain the broker", service)


@pytest.mark.parametrize("service_online", [False, True], ids=["service-offline", "service-online"])
def test_broker_sigkill_during_a_qos1_burst(
    service_online, tmp_path, pg_dsn, broker_factory, capsys
):
    registry = setup_database(pg_dsn)
    setup, broker, service = _production_stack(
        tmp_path, pg_dsn, broker_factory, f"ingest-crash-{int(service_online)}"
    )
    messages = _messages(RATE * (BURST_S + 10))
    try:
        # the persistent session exists before the burst (the service ran once)
        service.start()
        wait_until(lambda: "session present" in service.output(), 30, "connected", service)
        if not service_online:
            assert service.stop(signal.SIGTERM) == 0
        acked, started, killed_at = _burst_then_kill(setup, broker, messages)
        broker.start()  # same data directory: what the last autosave kept
        if not service.alive():
            service.start()
        _drain(service, pg_dsn)
        assert service.stop(signal.SIGTERM) == 0
    finally:
        service.stop(signal.SIGKILL)

    sensor_ids = {registry.sensors[code] for code in SENSORS}
    rows = stored_readings(pg_dsn)
    assert len(rows) == len({(s, t) for s, t, _v in rows}), "a reading was stored twice"
    t0_us = int(T0.timestamp()) * 1_000_000
    stored = {(ts - t0_us) // 1_000_000 for sensor, ts, _v in rows if sensor in sensor_ids}
    assert stored <= set(range(len(messages))), "something never published was stored"
    lost = set(acked) - stored
    horizon = killed_at - AUTOSAVE_S - 2
    old_enough = {i for i, at in acked.items() if at < horizon}
    assert len(old_enough) > RATE, "the burst did not last long enough to test anything"
    assert not (lost & old_enough), (
        f"{len(lost & old_enough)} messages acknowledged more than {AUTOSAVE_S + 2} s "
        "before the crash were lost"
    )
    window = [i for i, at in acked.items() if at >= horizon]
    with capsys.disabled():
        print(
            f"\nbroker SIGKILL {'with' if service_online else 'without'} the service online, "
            f"autosave_interval {AUTOSAVE_S} s, burst {RATE} msg/s for "
            f"{killed_at - started:.1f} s: {len(acked)} acknowledged to the gateway, "
            f"{len(stored & set(acked))} of them stored, {len(lost)} lost "
            f"(all within the last {AUTOSAVE_S + 2} s, which held {len(window)})"
        )
