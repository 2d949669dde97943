"""Fuzzing the ingestion service's processing: random and adversarial messages
through the real validation (the engine) and the real database write path (the
service's database process, in this process) against a real PostgreSQL.

Properties, for every generated batch of messages:

* processing never raises and always commits;
* every reading validation accepts is stored once with the first value received
  for its (sensor, ts); a later different value leaves a ``conflicting_value`` dead
  letter; every rejection is one dead letter (same digest), nothing else is written;
* every item of a batch is accounted for (stored or dead-lettered), and no input
  needs the ``internal_error`` last resort (that would be a hole to close);
* a dead letter holds at most the configured prefix of its payload, with the
  payload's real size and SHA-256.

The last tests force the last resorts that no input reaches any more: a message
the database refuses, and an error that is the database's, not the data's.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from datetime import UTC, datetime

import psycopg2
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ingest_helpers import NETWORK, setup_database
from support import pg_params

from coldchain_sites.engine import telemetry, telemetry_sql
from coldchain_sites.services.ingest import service as ingest
from coldchain_sites.services.ingest.settings import Settings

pytestmark = pytest.mark.postgres

NOW_US = telemetry.to_us(datetime(2025, 6, 1, 12, 0, tzinfo=UTC))
PREFIX = 64  # dead-letter payload prefix in these tests: most payloads are cut
SENSORS = [code for _site, _gateway, codes in NETWORK for code in codes]
GATEWAY_OF = {code: (site, gw) for site, gw, codes in NETWORK for code in codes}


@pytest.fixture(scope="module")
def fuzz_db():
    """One database for the module; the telemetry tables are recreated per example."""
    name = f"pytest_fuzz_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(**pg_params())
    admin.autocommit = True
    with admin.cursor() as cr:
        cr.execute(f'CREATE DATABASE "{name}"')
    dsn = pg_params(name)
    setup_database(dsn)
    try:
        yield dsn
    finally:
        with admin.cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            cr.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


@pytest.fixture(scope="module")
def worker(fuzz_db):
    settings_ = Settings(
        db={k: v for k, v in fuzz_db.items() if k != "connect_timeout"},
        dead_letter_payload_bytes=PREFIX,
        limits=telemetry.Limits(retention_days=30, future_tolerance_s=300),
    )
    db_worker = ingest.DatabaseWorker(settings_, conn=None)
    assert db_worker.refresh_registry()
    yield db_worker
    db_worker._close_db()


def reset_tables(dsn: dict) -> None:
    conn = psycopg2.connect(**dsn)
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute("DROP TABLE IF EXISTS coldchain_reading, coldchain_dead_letter")
        telemetry_sql.create_telemetry_tables(cr)
    conn.close()


# ----------------------------------------------------------------- strategies
hostile_text = st.sampled_from(
    ["", "\x00", "\ud800", "\udfff", "S1\x00", "RTM-CHILL-T1\ud800", "é", "\n", "+", "#", "/"]
) | st.text(max_size=20)
huge_ints = st.integers(min_value=-(10**400), max_value=10**400)
json_values = st.recursive(
    st.none() | st.booleans() | huge_ints | st.floats(allow_nan=False) | hostile_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
near_now = st.integers(min_value=NOW_US // 10**6 - 2 * 86_400, max_value=NOW_US // 10**6 + 600)
timestamps = (
    near_now
    | near_now.map(float)
    | near_now.map(lambda s: datetime.fromtimestamp(s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    | near_now.map(lambda s: datetime.fromtimestamp(s, UTC).isoformat())
    | st.sampled_from(
        [
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:59:59-05:00",
            "2025-06-01T11:00:00",
            "2025-06-01T11:00:00Z\x00",
            "\ud800",
            -(10**14),
            10**400,
            1e300,
        ]
    )
    | json_values
)
values = (
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
    | st.sampled_from([0.0, -0.0, 5e-324, 1e9, -1e9, 1e9 + 1, 4.5, 4.6])
    | huge_ints
    | json_values
)
hostile_readings = st.fixed_dictionaries(
    {"sensor": st.sampled_from(SENSORS) | hostile_text, "ts": timestamps, "value": values},
    optional={"seq": st.integers(min_value=-5, max_value=2**64) | json_values},
)
# few instants and values, so that duplicates and conflicting values happen
recent = st.integers(0, 4).map(lambda k: NOW_US // 10**6 - 60 * k)
plain_values = st.sampled_from([4.5, 4.6, 5, -0.0, 1e9, 3.25])


@st.composite
def readings(draw, gateway: str):
    """Mostly plausible readings of the gateway's own sensors, sometimes hostile ones."""
    if draw(st.integers(0, 9)) >= 7:
        return draw(hostile_readings)
    own = [code for code, (_site, gw) in GATEWAY_OF.items() if gw == gateway] or SENSORS
    seconds = draw(recent)
    ts = draw(
        st.sampled_from(
            [
                seconds,
                float(seconds),
                datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                datetime.fromtimestamp(seconds, UTC).astimezone().isoformat(),
            ]
        )
    )
    item = {"sensor": draw(st.sampled_from(own)), "ts": ts, "value": draw(plain_values)}
    if draw(st.booleans()):
        item["seq"] = draw(st.integers(0, 10))
    return item


def _dump(data) -> bytes:
    return json.dumps(data).encode("utf-8", "surrogatepass")  # lone surrogates as raw bytes


@st.composite
def messages(draw):
    site, gateway = draw(
        st.sampled_from(
            [(s, g) for s, g, _c in NETWORK] * 3 + [("RTM", "GHOST"), ("LYS", "RTM-GW1")]
        )
    )
    kind = draw(st.sampled_from(["single", "batch", "batch", "status", "odd"]))
    if kind == "single":
        item = draw(readings(gateway))
        sensor = item.pop("sensor")
        if not isinstance(sensor, str) or not telemetry.CODE_PATTERN.match(sensor):
            sensor = draw(st.sampled_from(SENSORS))
        topic = f"sites/{site}/gateways/{gateway}/sensors/{sensor}/telemetry"
        payload = draw(st.sampled_from([_dump(item), _dump(item).replace(b'"', b"'", 1)]))
    elif kind == "batch":
        topic = f"sites/{site}/gateways/{gateway}/telemetry"
        items = draw(st.lists(readings(gateway) | json_values, min_size=0, max_size=8))
        payload = _dump({"seq": draw(st.integers(0, 10)), "readings": items})
    elif kind == "status":
        topic = f"sites/{site}/gateways/{gateway}/status"
        state = draw(st.sampled_from(["online", "offline"]) | hostile_text)
        payload = draw(
            st.sampled_from([state.encode("utf-8", "surrogatepass"), _dump({"state": state})])
        )
    else:
        topic = draw(
            st.sampled_from([f"sites/{site}/gateways/{gateway}/telemetry"])
            | hostile_text.map(lambda t: "sites/" + t)
        )
        payload = draw(st.binary(max_size=200) | json_values.map(_dump))
    return topic, payload


batches = st.lists(messages(), min_size=1, max_size=12).map(
    lambda msgs: msgs + msgs[: len(msgs) // 3]  # some redeliveries in the same batch
)


# ---------------------------------------------------------------------- oracle
def _rows(dsn):
    conn = psycopg2.connect(**dsn)
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT sensor_id, (extract(epoch FROM ts) * 1000000)::bigint, value"
                " FROM coldchain_reading"
            )
            readings_ = cr.fetchall()
            cr.execute(
                "SELECT digest, topic, payload, reason_code, item_index, payload_size,"
                " payload_sha256, reason_text, sensor_id FROM coldchain_dead_letter"
            )
            return readings_, cr.fetchall()
    finally:
        conn.close()


def check_batch(worker, dsn, msgs):
    items = [(t, p, NOW_US + i, False, None) for i, (t, p) in enumerate(msgs)]
    _batch, written = worker.process(items)  # the service's own validation and write
    assert written is not False, "the batch was not committed"
    stored, dead = _rows(dsn)

    # the oracle: the real validation, message by message, in batch order
    validator = worker.validator
    first_value, expected_dead = {}, {}
    conflicts = []
    for topic, payload, received_us, _retain, _oversize in items:
        if "/commands/" in topic:
            continue
        outcome = validator.validate(topic, payload, received_us)
        sha = hashlib.sha256(payload).digest()
        for rejection in outcome.rejections:
            digest = telemetry.dead_letter_digest(
                topic, sha, rejection.reason, rejection.item_index
            )
            expected_dead.setdefault(digest, (rejection.reason, payload, sha))
        for reading, item_index in zip(outcome.readings, outcome.items, strict=True):
            key = (reading[0], reading[2])
            if key not in first_value:
                first_value[key] = reading[3]
            elif first_value[key] != reading[3]:
                conflicts.append(
                    telemetry.dead_letter_digest(topic, sha, "conflicting_value", item_index)
                )
        # every item of a batch is accounted for
        data = _maybe_json(payload)
        if (
            topic.endswith("/telemetry")
            and "/sensors/" not in topic
            and isinstance(data, dict)
            and isinstance(data.get("readings"), list)
            and not any(r.item_index is None for r in outcome.rejections)
        ):
            indexes = sorted(outcome.items + [r.item_index for r in outcome.rejections])
            assert indexes == list(range(len(data["readings"])))

    # readings: exactly the accepted ones, once, with the first value
    assert len(stored) == len({(s, t) for s, t, _v in stored})
    assert {(s, t): v for s, t, v in stored} == first_value
    # dead letters: one per rejection, plus the conflicts; never the last resort
    by_digest = {bytes(row[0]): row for row in dead}
    assert len(by_digest) == len(dead)
    conflict_rows = [row for row in dead if row[3] == "conflicting_value"]
    assert {bytes(r[0]) for r in dead} - {bytes(r[0]) for r in conflict_rows} == set(expected_dead)
    assert {bytes(row[0]) for row in conflict_rows} == set(conflicts)
    assert not [row for row in dead if row[3] == "internal_error"], dead
    for digest, topic, payload, reason, _index, size, sha, text, _sensor in dead:
        assert reason in telemetry.REASONS
        assert topic.isprintable() and len(topic) <= ingest.MAX_TOPIC_TEXT
        assert len(bytes(payload)) <= PREFIX and len(text) <= telemetry.MAX_REASON_TEXT
        if reason != "conflicting_value":
            want_reason, raw, raw_sha = expected_dead[bytes(digest)]
            assert reason == want_reason
            assert (bytes(payload), size, bytes(sha)) == (raw[:PREFIX], len(raw), raw_sha)
    event(f"readings stored: {min(len(stored), 5)}+")
    event(f"dead letters: {min(len(dead), 5)}+")
    event(f"conflicts: {bool(conflicts)}")
    for reason in {row[3] for row in dead}:
        event(f"reason {reason}")


def _maybe_json(payload: bytes):
    try:
        return json.loads(payload.decode("utf-8"))
    except (ValueError, RecursionError):
        return None


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(msgs=batches)
def test_processing_never_raises_and_stores_or_dead_letters_everything(fuzz_db, worker, msgs):
    reset_tables(fuzz_db)
    check_batch(worker, fuzz_db, msgs)


# ------------------------------------------------------------ the last resorts
def test_a_message_the_database_refuses_becomes_internal_error(fuzz_db, worker, monkeypatch):
    """A row PostgreSQL refuses (here: a sensor id beyond its integer type, which no
    input can produce) dead-letters its message only; the others are stored."""
    reset_tables(fuzz_db)
    good = (
        "sites/RTM/gateways/RTM-GW1/sensors/RTM-CHILL-T1/telemetry",
        b'{"ts": 1748779200, "value": 4.5}',
    )
    bad = (
        "sites/RTM/gateways/RTM-GW1/sensors/RTM-CHILL-T2/telemetry",
        b'{"ts": 1748779200, "value": 9.5}',
    )
    validate = worker.validator.validate

    def poisoned(topic, payload, received_us, size=None):
        outcome = validate(topic, payload, received_us, size)
        if topic == bad[0]:
            outcome.readings = [(2**40, *r[1:]) for r in outcome.readings]
        return outcome

    monkeypatch.setattr(worker.validator, "validate", poisoned)
    items = [(t, p, NOW_US + i, False, None) for i, (t, p) in enumerate([good, bad, good])]
    _batch, written = worker.process(items)
    assert written == 1
    stored, dead = _rows(fuzz_db)
    assert [(s, v) for s, _t, v in stored] == [
        (worker.validator.registry.sensors["RTM-CHILL-T1"].id, 4.5)
    ]
    assert len(dead) == 1
    _digest, topic, payload, reason, _i, size, sha, text, _s = dead[0]
    assert (topic, bytes(payload), reason, size) == (bad[0], bad[1], "internal_error", len(bad[1]))
    assert "NumericValueOutOfRange" in text and bytes(sha) == hashlib.sha256(bad[1]).digest()


def test_an_error_of_the_database_is_retried_not_dead_lettered(fuzz_db, worker):
    """A table gone missing is not the data's fault: the batch waits, nothing is
    dead-lettered, and it is written once the table is back."""
    reset_tables(fuzz_db)
    conn = psycopg2.connect(**fuzz_db)
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute("ALTER TABLE coldchain_dead_letter RENAME TO coldchain_dead_letter_away")
    items = [("sites/RTM/gateways/NOPE/telemetry", b"{}", NOW_US, False, None)]
    result = {}
    thread = threading.Thread(target=lambda: result.update(out=worker.process(items)))
    thread.start()
    time.sleep(1.5)
    assert thread.is_alive(), "the batch did not wait for the database"
    with conn.cursor() as cr:
        cr.execute("ALTER TABLE coldchain_dead_letter_away RENAME TO coldchain_dead_letter")
    thread.join(30)
    conn.close()
    assert result["out"][1] == 1
    _stored, dead = _rows(fuzz_db)
    assert [row[3] for row in dead] == ["unknown_gateway"]
