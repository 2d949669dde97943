"""1,000 malformed payloads of many kinds: every one dead-lettered exactly once, with
its raw bytes and a stable reason code, beside good readings that are all stored; the
service never crashes on input."""

from __future__ import annotations

import json
import random
import signal

import pytest
from ingest_helpers import (
    T0,
    Service,
    dead_letters,
    iso,
    make_stream,
    prime_session,
    reading_count,
    setup_database,
    stored_readings,
    wait_until,
    write_config,
)
from support import publish_all

pytestmark = [pytest.mark.postgres, pytest.mark.mqtt]

BATCH = "sites/RTM/gateways/RTM-GW1/telemetry"
SINGLE = "sites/RTM/gateways/RTM-GW1/sensors/RTM-CHILL-T1/telemetry"


def _malformed(n: int):
    """(topic, payload, reason, item_index) — n distinct bad messages."""
    ts = iso(T0)
    kinds = [
        lambda i: (f"sites/RTM/gateways/RTM-GW1/bogus{i}", b"{}", "bad_topic", None),
        lambda i: (f"sites/RTM/gateways/RTM-GW1/sensors/x{i}", b"{}", "bad_topic", None),
        lambda i: (BATCH, b'{"readings": [' + str(i).encode(), "malformed_json", None),
        lambda i: (BATCH, b"\xff\xfe" + str(i).encode(), "malformed_json", None),
        lambda i: (BATCH, json.dumps([i]).encode(), "bad_schema", None),
        lambda i: (BATCH, json.dumps({"readings": [], "n": i}).encode(), "bad_schema", None),
        lambda i: (f"sites/RTM/gateways/GHOST{i}/telemetry", b"{}", "unknown_gateway", None),
        lambda i: ("sites/LYS/gateways/RTM-GW1/telemetry", json.dumps({"n": i}).encode(),
                   "site_mismatch", None),
        lambda i: (BATCH, _one({"sensor": f"NOPE{i}", "ts": ts, "value": 1}), "unknown_sensor", 0),
        lambda i: (BATCH, _one({"sensor": "LYS-CHILL-T1", "ts": ts, "value": i}),
                   "site_mismatch", 0),
        lambda i: (BATCH, _one({"sensor": "RTM-FREEZE-T1", "ts": ts, "value": i}),
                   "gateway_mismatch", 0),
        lambda i: (BATCH, _one({"sensor": "RTM-CHILL-T1", "ts": ts, "n": i}), "missing_value", 0),
        lambda i: (BATCH, _one({"sensor": "RTM-CHILL-T1", "ts": ts, "value": f"{i}"}),
                   "non_numeric", 0),
        lambda i: (BATCH, _one({"sensor": "RTM-CHILL-T1", "value": i}), "missing_timestamp", 0),
        lambda i: (BATCH, _one({"sensor": "RTM-CHILL-T1", "ts": f"not-a-date-{i}", "value": 1}),
                   "bad_timestamp", 0),
        lambda i: (BATCH, _one({"sensor": "RTM-CHILL-T1", "ts": 4_102_444_800 + i, "value": 1}),
                   "future_timestamp", 0),
        lambda i: (BATCH, _one({"sensor": "RTM-CHILL-T1", "ts": -2_500_000_000 - i, "value": 1}),
                   "too_old", 0),
        lambda i: (BATCH, _one({"sensor": "RTM-CHILL-T1", "ts": ts, "value": 1, "seq": -i - 1}),
                   "bad_sequence", 0),
        lambda i: (SINGLE, json.dumps({"ts": ts, "value": [i]}).encode(), "non_numeric", None),
        lambda i: ("sites/RTM/gateways/RTM-GW1/status", json.dumps({"state": f"s{i}"}).encode(),
                   "bad_status", None),
    ]  # fmt: skip
    return [kinds[i % len(kinds)](i) for i in range(n)]


def _one(item: dict) -> bytes:
    return json.dumps({"readings": [item]}).encode()


def test_thousand_malformed_payloads(tmp_path, pg_dsn, broker):
    registry = setup_database(pg_dsn)
    client_id = "ingest-malformed"
    prime_session(broker.host, broker.port, client_id)
    bad = _malformed(1000)
    good, expected = make_stream(registry, minutes=20)
    stream = [(topic, payload) for topic, payload, _r, _i in bad] + good
    random.Random(7).shuffle(stream)
    # a batch mixing good and bad readings: the good ones are stored
    mixed = {
        "readings": [
            {"sensor": "RTM-CHILL-T2", "ts": "2025-06-02T00:00:00Z", "value": 5.5},
            {"sensor": "RTM-CHILL-T2", "ts": "2025-06-02T00:01:00Z", "value": None},
        ]
    }
    mixed_payload = json.dumps(mixed).encode()
    stream.append((BATCH, mixed_payload))
    expected.add((registry.sensors["RTM-CHILL-T2"], 1_748_822_400_000_000, 5.5))
    bad.append((BATCH, mixed_payload, "missing_value", 1))

    config = write_config(tmp_path / "odoo.conf", pg_dsn, broker.port, client_id)
    service = Service(config, tmp_path / "ingest.log").start()
    try:
        publish_all(broker.host, broker.port, "gw-sim", stream)
        wait_until(
            lambda: (
                len(dead_letters(pg_dsn)) >= len(bad) and reading_count(pg_dsn) >= len(expected)
            ),
            90,
            "dead letters and readings",
            service,
        )
        # the same garbage again (a gateway retrying): stored once
        publish_all(broker.host, broker.port, "gw-sim", [(t, p) for t, p, _r, _i in bad[:50]])
        assert service.stop(signal.SIGTERM) == 0
    finally:
        service.stop(signal.SIGKILL)
    rows = dead_letters(pg_dsn)
    got = [(topic, bytes(payload), reason, index) for topic, payload, reason, index in rows]
    assert len(got) == len(set(got)) == 1001
    assert set(got) == set(bad)
    stored = stored_readings(pg_dsn)
    assert len(stored) == len(set(stored)) and set(stored) == expected
    assert "Traceback" not in service.output()
