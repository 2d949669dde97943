"""What a hostile or broken gateway sends, through the real broker (our shipped
configuration, a broker of the test's own), into the real service and PostgreSQL.

Each class of message that once crashed the service -- and, never acknowledged, was
handed back after every restart -- is now one dead letter with its reason, while
the telemetry around it is stored and the service keeps running (same process, no
restart).  Large messages: memory is bounded in bytes (RSS of both processes
sampled during a flood), and a payload beyond the service's limit, from a broker
that does not enforce it, is kept as its prefix, size and SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import string
import time
from pathlib import Path

import pytest
from ingest_helpers import (
    RawPublisher,
    RssSampler,
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
from support import dev_broker_config, free_port, publish_all

from coldchain_sites.engine import telemetry

pytestmark = [pytest.mark.postgres, pytest.mark.mqtt]

SINGLE = "sites/RTM/gateways/RTM-GW1/sensors/RTM-CHILL-T1/telemetry"
BATCH = "sites/RTM/gateways/RTM-GW1/telemetry"
STATUS = "sites/RTM/gateways/RTM-GW1/status"
TS = "2025-06-01T06:00:00Z"


def _batch(item: dict) -> bytes:
    return json.dumps({"readings": [item]}).encode()


# (name, topic, payload, reason, item index) -- one message of each class of the issue
HOSTILE = [
    ("value: integer of 400 digits", SINGLE,
     b'{"ts": "' + TS.encode() + b'", "value": ' + b"9" * 400 + b"}", "value_out_of_range", None),
    ("value in a batch: -400 digits", BATCH,
     b'{"readings": [{"sensor": "RTM-CHILL-T1", "ts": 1748757600, "value": -' + b"9" * 400
     + b"}]}", "value_out_of_range", 0),
    ("timestamp: year 1 with an offset", SINGLE,
     b'{"ts": "0001-01-01T00:00:00+05:00", "value": 1}', "bad_timestamp", None),
    ("timestamp: year 1 UTC", SINGLE, b'{"ts": "0001-01-01T00:00:00Z", "value": 1}', "too_old",
     None),
    ("timestamp: year 9999", SINGLE, b'{"ts": "9999-12-31T23:59:59-05:00", "value": 1}',
     "bad_timestamp", None),
    ("timestamp: year 9999 UTC", BATCH,
     _batch({"sensor": "RTM-CHILL-T1", "ts": "9999-12-31T23:59:59Z", "value": 1}),
     "future_timestamp", 0),
    ("timestamp: huge negative epoch", SINGLE, b'{"ts": -99999999999999, "value": 1}',
     "bad_timestamp", None),
    ("timestamp: epoch of 400 digits", SINGLE, b'{"ts": ' + b"9" * 400 + b', "value": 1}',
     "bad_timestamp", None),
    ("sensor code with NUL", BATCH,
     _batch({"sensor": "RTM-CHILL-T1\u0000", "ts": TS, "value": 1}), "bad_schema", 0),
    ("sensor code with a lone surrogate", BATCH,
     b'{"readings": [{"sensor": "RTM\\ud800", "ts": "' + TS.encode() + b'", "value": 1}]}',
     "bad_schema", 0),
    ("timestamp with NUL", SINGLE, b'{"ts": "2025-06-01T06:00:00Z\\u0000", "value": 1}',
     "bad_timestamp", None),
    ("timestamp with a lone surrogate", SINGLE, b'{"ts": "\\udfff", "value": 1}',
     "bad_timestamp", None),
    ("raw invalid UTF-8: an encoded surrogate", SINGLE, b'{"ts": "\xed\xa0\x80", "value": 1}',
     "malformed_json", None),
    ("raw invalid UTF-8: overlong NUL", BATCH, b'{"readings": [{"sensor": "\xc0\x80"}]}',
     "malformed_json", None),
    ("status with NUL", STATUS, b'{"state": "online\\u0000"}', "bad_status", None),
    ("topic segment that is not a topic id", "sites/RTM/gateways/RTM-GW1/sensors/T\u00e9/telemetry",
     b'{"ts": 1, "value": 1}', "bad_topic", None),
    ("deep nesting", SINGLE, b'{"value": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
     "malformed_json", None),
    ("long reason text", BATCH, _batch({"sensor": "x" * 100_000, "ts": TS, "value": 1}),
     "bad_schema", 0),
]  # fmt: skip


@pytest.fixture
def ingest(tmp_path, pg_dsn, broker):
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


def test_each_class_of_poison_message_is_dead_lettered_and_telemetry_goes_on(
    pg_dsn, broker, ingest
):
    registry, make = ingest
    service = make()
    wait_until(lambda: "connected to 127.0.0.1" in service.output(), 30, "connected", service)
    pid = service.process.pid
    good, expected = make_stream(registry, minutes=30, per_message=1)
    stream = []
    for index, (_name, topic, payload, _reason, _item) in enumerate(HOSTILE):
        stream.extend(good[index * 4 : index * 4 + 4])
        stream.append((topic, payload))
    stream.extend(good[len(HOSTILE) * 4 :])
    stream.extend((topic, payload) for _n, topic, payload, _r, _i in HOSTILE)  # sent again
    publish_all(broker.host, broker.port, "gw-hostile", stream)

    wait_until(
        lambda: (
            reading_count(pg_dsn) >= len(expected)
            and query(pg_dsn, "SELECT count(*) FROM coldchain_dead_letter")[0][0] >= len(HOSTILE)
        ),
        60,
        "readings and dead letters",
        service,
    )
    time.sleep(0.5)  # anything doubled would show up now
    assert service.alive() and service.process.pid == pid, "the service died on a message"
    assert set(stored_readings(pg_dsn)) == expected
    rows = query(
        pg_dsn,
        "SELECT topic, payload, reason_code, item_index, reason_text, payload_size,"
        " payload_sha256 FROM coldchain_dead_letter ORDER BY id",
    )
    assert len(rows) == len(HOSTILE), "each poison message is dead-lettered once"
    by_payload = {hashlib.sha256(payload).digest(): (name, topic, payload, reason, item)
                  for name, topic, payload, reason, item in HOSTILE}  # fmt: skip
    for topic, prefix, reason, item, text, size, sha in rows:
        name, want_topic, payload, want_reason, want_item = by_payload[bytes(sha)]
        assert (topic, reason, item) == (want_topic, want_reason, want_item), name
        assert bytes(prefix) == payload[:2048] and size == len(payload), name
        assert len(text) <= telemetry.MAX_REASON_TEXT and text.isprintable(), name
    assert service.stop(signal.SIGTERM) == 0
    assert "Traceback" not in service.output()
    # every poison message was acknowledged: a restarted service gets nothing back
    service.start()
    wait_until(lambda: service.output().count("session present: True") >= 2, 30, "reconnected")
    time.sleep(3)
    assert service.stop(signal.SIGTERM) == 0
    assert (
        service.output()
        .rstrip()
        .splitlines()[-1]
        .endswith("stopped: 0 readings, 0 dead letters (0 poison), 0 messages")
    ), service.output()[-500:]


def test_payload_beyond_the_limit_from_a_broker_without_one(tmp_path, pg_dsn, broker_factory):
    """A broker that lets a 3 MiB payload through: the service keeps its first 2 KiB,
    its size and SHA-256; the database process never sees the rest."""
    port = free_port()
    unlimited = broker_factory(
        config_text="\n".join(
            line
            for line in dev_broker_config(Path("@WORKDIR@"), port).splitlines()
            if not line.startswith("max_packet_size")
        ),
        port=port,
    )
    setup_database(pg_dsn)
    client_id = "ingest-oversize"
    prime_session(unlimited.host, unlimited.port, client_id)
    config = write_config(tmp_path / "odoo.conf", pg_dsn, unlimited.port, client_id)
    service = Service(config, tmp_path / "ingest.log").start()
    payload = os.urandom(3 * 1024 * 1024)
    try:
        publish_all(unlimited.host, unlimited.port, "gw-big", [(BATCH, payload)])
        wait_until(
            lambda: query(pg_dsn, "SELECT count(*) FROM coldchain_dead_letter")[0][0] == 1,
            30,
            "the dead letter",
            service,
        )
        assert service.stop(signal.SIGTERM) == 0
    finally:
        service.stop(signal.SIGKILL)
    [(reason, prefix, size, sha)] = query(
        pg_dsn,
        "SELECT reason_code, payload, payload_size, payload_sha256 FROM coldchain_dead_letter",
    )
    assert (reason, bytes(prefix), size) == ("payload_too_large", payload[:2048], len(payload))
    assert bytes(sha) == hashlib.sha256(payload).digest()


def _large_messages(count: int, rng: random.Random) -> tuple[list, int]:
    """~1 MiB messages, three kinds in turn: a batch of 10,000 readings, a reading with
    a 1 MB padding field, random bytes.  Returns (messages, readings they hold)."""
    messages, readings = [], 0
    for index in range(count):
        kind = index % 3
        if kind == 0:
            items = [
                {"sensor": "RTM-CHILL-T1", "ts": 1_748_736_000 + index * 10_000 + k,
                 "value": 4.5, "seq": k}
                for k in range(telemetry.MAX_BATCH)
            ]  # fmt: skip
            payload = json.dumps({"readings": items}).encode()
            readings += telemetry.MAX_BATCH
        elif kind == 1:
            pad = "".join(rng.choices(string.ascii_letters, k=1_000_000))
            body = {"ts": 1_748_736_000 + index * 10_000, "value": 5.0, "pad": pad}
            payload = json.dumps(body).encode()
            readings += 1
        else:
            payload = rng.randbytes(telemetry.MAX_PAYLOAD - 64)
        assert len(payload) <= telemetry.MAX_PAYLOAD
        messages.append((SINGLE if kind == 1 else BATCH, payload))
    return messages, readings


# Peak RSS allowed above the idle process (MiB): the inbox (16 MiB) and two batches
# of at most 1 MiB plus one message, their copies through the pipe, and the Python
# objects of one decoded 1 MiB message.  Before byte bounds, the receiving process
# grew by ~150 MB under the same kind of flood.
RECEIVING_GROWTH_MIB = 64
DATABASE_GROWTH_MIB = 64


def test_flood_of_large_messages_keeps_memory_bounded(pg_dsn, broker, ingest, capsys):
    registry, make = ingest
    service = make(ingest_batch_rows=5000, ingest_queue_messages=20000)
    wait_until(lambda: "connected to 127.0.0.1" in service.output(), 30, "connected", service)
    time.sleep(1)
    sampler = RssSampler(service)
    sampler.start()
    time.sleep(0.5)
    idle = dict(sampler.peaks)
    messages, readings = _large_messages(90, random.Random(3))
    publisher = RawPublisher(broker.host, broker.port, "gw-flood")
    sent = publisher.publish(messages, rate=10_000)
    publisher.close()
    assert sent == len(messages) and len(publisher.acked) == len(messages)
    dead = len(messages) // 3
    wait_until(
        lambda: (
            reading_count(pg_dsn) >= readings
            and query(pg_dsn, "SELECT count(*) FROM coldchain_dead_letter")[0][0] >= dead
        ),
        240,
        "every large message stored or dead-lettered",
        service,
    )
    peaks = sampler.stop()
    assert service.alive()
    rows = query(
        pg_dsn,
        "SELECT reason_code, count(*), max(octet_length(payload)), min(payload_size)"
        " FROM coldchain_dead_letter GROUP BY reason_code",
    )
    assert rows == [("malformed_json", dead, 2048, telemetry.MAX_PAYLOAD - 64)]
    growth = {name: (peaks[name] - idle[name]) / 1024 for name in peaks}
    with capsys.disabled():
        print(
            f"\nflood of {len(messages)} messages of ~1 MiB "
            f"({sum(len(p) for _t, p in messages) / 2**20:.0f} MiB), "
            f"{sampler.samples} RSS samples: receiving process {idle['receiving'] / 1024:.0f}"
            f" -> {peaks['receiving'] / 1024:.0f} MiB, database process "
            f"{idle['database'] / 1024:.0f} -> {peaks['database'] / 1024:.0f} MiB"
        )
    assert growth["receiving"] < RECEIVING_GROWTH_MIB, growth
    assert growth["database"] < DATABASE_GROWTH_MIB, growth
    assert service.stop(signal.SIGTERM) == 0
    assert registry  # the registry the readings were validated against
