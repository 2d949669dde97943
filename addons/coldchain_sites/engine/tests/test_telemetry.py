"""Topic and payload validation of the telemetry (pure, no broker, no database)."""

import datetime as dt
import json

import pytest

from coldchain_sites.engine import telemetry as t

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
NOW_US = t.to_us(NOW)
SINGLE = "sites/RTM/gateways/GW1/sensors/S1/telemetry"
BATCH = "sites/RTM/gateways/GW1/telemetry"
STATUS = "sites/RTM/gateways/GW1/status"


@pytest.fixture
def validator():
    registry = t.Registry.from_rows(
        [(1, "GW1", "active", "RTM", 60), (2, "GW2", "active", "LYS", 60),
         (3, "GW3", "retired", "RTM", 60), (4, "GW4", "active", "RTM", 60)],
        [(10, "S1", 1, "active", dt.date(2025, 12, 31), 60),
         (11, "S2", 1, "active", None, 60),
         (20, "L1", 2, "active", dt.date(2025, 12, 31), 60),
         (12, "S3", 1, "retired", dt.date(2025, 12, 31), 60),
         (13, "S4", 4, "active", dt.date(2025, 12, 31), 60)],
    )  # fmt: skip
    return t.Validator(registry, t.Limits(future_tolerance_s=300, retention_days=30))


def run(validator, topic, payload):
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return validator.validate(topic, raw, NOW_US)


def reasons(outcome):
    return [(r.reason, r.item_index) for r in outcome.rejections]


def test_single_reading_iso_and_epoch(validator):
    out = run(validator, SINGLE, {"ts": "2025-06-01T11:59:00Z", "value": 4.5, "seq": 7})
    assert out.rejections == []
    assert out.readings == [(10, 1, NOW_US - 60_000_000, 4.5, 7, False, False)]
    out = run(validator, SINGLE, {"ts": NOW.timestamp() - 60, "value": 4})
    assert out.readings == [(10, 1, NOW_US - 60_000_000, 4.0, None, False, False)]
    offset = run(validator, SINGLE, {"ts": "2025-06-01T13:59:00+02:00", "value": 1})
    assert offset.readings[0][2] == NOW_US - 60_000_000


def test_batch_accepts_good_and_dead_letters_bad_items(validator):
    out = run(
        validator,
        BATCH,
        {
            "seq": 3,
            "readings": [
                {"sensor": "S1", "ts": "2025-06-01T11:00:00Z", "value": 5.0},
                {"sensor": "S2", "ts": "2025-06-01T11:00:00Z", "value": 6.0},
                {"sensor": "NOPE", "ts": "2025-06-01T11:00:00Z", "value": 6.0},
                {"sensor": "L1", "ts": "2025-06-01T11:00:00Z", "value": 6.0},
                {"sensor": "S4", "ts": "2025-06-01T11:00:00Z", "value": 6.0},
                {"sensor": "S3", "ts": "2025-06-01T11:00:00Z", "value": 6.0},
                {"sensor": "S1", "ts": "2025-06-01T11:01:00Z"},
                {"sensor": "S1", "ts": "2025-06-01T11:02:00Z", "value": "4.2"},
                {"sensor": "S1", "ts": "2025-06-01T11:03:00Z", "value": True},
                {"sensor": "S1", "value": 1.0},
                {"sensor": "S1", "ts": "2025-06-01 11:04:00", "value": 1.0},
                {"sensor": "S1", "ts": "yesterday", "value": 1.0},
                {"sensor": "S1", "ts": "2025-06-01T12:06:00Z", "value": 1.0},
                {"sensor": "S1", "ts": "2025-04-01T12:00:00Z", "value": 1.0},
                {"sensor": "S1", "ts": "2025-06-01T11:05:00Z", "value": 1.0, "seq": -1},
                "not an object",
                {"ts": "2025-06-01T11:05:00Z", "value": 1.0},
            ],
        },
    )
    assert [(r[0], r[3]) for r in out.readings] == [(10, 5.0), (11, 6.0)]
    assert out.readings[1][6] is True  # S2 has no calibration in force
    assert reasons(out) == [
        ("unknown_sensor", 2),
        ("site_mismatch", 3),
        ("gateway_mismatch", 4),
        ("retired", 5),
        ("missing_value", 6),
        ("non_numeric", 7),
        ("non_numeric", 8),
        ("missing_timestamp", 9),
        ("bad_timestamp", 10),
        ("bad_timestamp", 11),
        ("future_timestamp", 12),
        ("too_old", 13),
        ("bad_sequence", 14),
        ("bad_schema", 15),
        ("bad_schema", 16),
    ]
    assert out.rejections[2].text.startswith("readings[4]: ")


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("sites/RTM/gateways/GW1", b"{}", "bad_topic"),
        ("sites/RTM/gateways/GW1/sensors/S1/telemetry/x", b"{}", "bad_topic"),
        ("site/RTM/gateways/GW1/telemetry", b"{}", "bad_topic"),
        ("sites//gateways/GW1/telemetry", b"{}", "bad_topic"),
        ("sites/RTM/gateways/GW1/other", b"{}", "bad_topic"),
        ("sites/RTM/gateways/NOPE/telemetry", b"{}", "unknown_gateway"),
        ("sites/LYS/gateways/GW1/telemetry", b"{}", "site_mismatch"),
        ("sites/RTM/gateways/GW3/telemetry", b"{}", "retired"),
        (BATCH, b"{not json", "malformed_json"),
        (BATCH, b"\xff\xfe\x00", "malformed_json"),
        (BATCH, b"", "malformed_json"),
        (BATCH, b'{"readings": [{"sensor": "S1", "ts": 1, "value": NaN}]}', "malformed_json"),
        (BATCH, b"[1, 2]", "bad_schema"),
        (BATCH, b'{"readings": []}', "bad_schema"),
        (BATCH, b'{"readings": {"S1": 1}}', "bad_schema"),
        (BATCH, b'{"seq": "x", "readings": [{"sensor": "S1", "ts": 1, "value": 1}]}',
         "bad_sequence"),
        (SINGLE, b'{"sensor": "S2", "ts": 1, "value": 1}', "bad_schema"),
        (SINGLE, b'"4.5"', "bad_schema"),
        (BATCH, b"x" * (t.MAX_PAYLOAD + 1), "payload_too_large"),
        (STATUS, b"maybe", "malformed_json"),
        (STATUS, b'{"state": "sleeping"}', "bad_status"),
    ],
)  # fmt: skip
def test_whole_message_rejections(validator, topic, payload, reason):
    out = validator.validate(topic, payload, NOW_US)
    assert out.readings == []
    assert [r.reason for r in out.rejections] == [reason]
    assert out.rejections[0].text.startswith(t.REASONS[reason])


def test_late_and_out_of_order_are_accepted(validator):
    payload = {
        "backfill": True,
        "readings": [
            {"sensor": "S1", "ts": "2025-06-01T10:00:00Z", "value": 5.0},
            {"sensor": "S1", "ts": "2025-06-01T09:00:00Z", "value": 5.1},
            {"sensor": "S1", "ts": "2025-06-01T11:55:00Z", "value": 5.2},
        ],
    }
    out = run(validator, BATCH, payload)
    assert out.rejections == []
    assert [(r[3], r[5]) for r in out.readings] == [(5.0, True), (5.1, True), (5.2, False)]


def test_calibration_expired_flag_starts_the_day_after_due(validator):
    late = t.Validator(validator.registry, t.Limits(retention_days=1000, late_after_s=10**9))
    day = dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)
    for ts, expired in ((day - dt.timedelta(seconds=1), False), (day, True)):
        out = late.validate(
            SINGLE,
            json.dumps({"ts": ts.isoformat(), "value": 1}).encode(),
            t.to_us(day) + 10**6,
        )
        assert out.readings[0][6] is expired


def test_status_messages(validator):
    assert run(validator, STATUS, b"offline").status == "offline"
    out = run(validator, STATUS, {"state": "online", "ts": "2025-06-01T11:59:00Z"})
    assert (out.status, out.status_ts_us, out.gateway_id) == ("online", NOW_US - 60_000_000, 1)
    ahead = run(validator, STATUS, {"state": "online", "ts": "2025-06-01T12:01:00Z"})
    assert ahead.status_ts_us == NOW_US


def test_dead_letter_digest_is_stable_and_distinct():
    a = t.dead_letter_digest("x", b"p", "bad_schema", None)
    assert a == t.dead_letter_digest("x", b"p", "bad_schema", None)
    assert a != t.dead_letter_digest("x", b"p", "bad_schema", 0)
    assert a != t.dead_letter_digest("y", b"p", "bad_schema", None)
    assert a != t.dead_letter_digest("x", b"q", "bad_schema", None)
    # any topic text, even one a database would refuse, gives a digest
    assert len(t.dead_letter_digest("x\ud800\x00", b"p", "bad_topic", None)) == 16


def test_reason_codes_are_stable():
    assert set(t.REASONS) == {
        "bad_topic", "payload_too_large", "malformed_json", "bad_schema", "unknown_gateway",
        "unknown_sensor", "site_mismatch", "gateway_mismatch", "retired", "missing_value",
        "non_numeric", "missing_timestamp", "bad_timestamp", "future_timestamp", "too_old",
        "bad_sequence", "bad_status", "value_out_of_range", "conflicting_value",
        "internal_error", "poison_message",
    }  # fmt: skip
