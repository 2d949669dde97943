"""Hostile and broken payloads: validation never raises, and nothing it returns can
break the database write or the reason text (pure, no broker, no database).

Each class of input that once crashed the ingestion service has its regression test
here; ``test_validation_never_raises`` lets hypothesis look for new ones.
"""

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coldchain_sites.engine import telemetry as t

NOW_US = t.to_us(dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC))
SINGLE = "sites/RTM/gateways/GW1/sensors/S1/telemetry"
BATCH = "sites/RTM/gateways/GW1/telemetry"
STATUS = "sites/RTM/gateways/GW1/status"


def _validator() -> t.Validator:
    registry = t.Registry.from_rows(
        [(1, "GW1", "active", "RTM", 60)], [(10, "S1", 1, "active", dt.date(2099, 1, 1), 60)]
    )
    return t.Validator(registry, t.Limits(retention_days=30))


@pytest.fixture
def validator():
    return _validator()


def assert_safe(outcome: t.Outcome) -> None:
    """What the service writes must be storable: texts printable, bounded, UTF-8."""
    for rejection in outcome.rejections:
        assert rejection.reason in t.REASONS
        assert len(rejection.text) <= t.MAX_REASON_TEXT
        assert rejection.text.isprintable(), repr(rejection.text)
        rejection.text.encode("utf-8")  # no lone surrogate
    for _sensor, _gateway, ts_us, value, seq, late, expired in outcome.readings:
        assert t.TS_MIN_US <= ts_us <= t.TS_MAX_US
        assert isinstance(value, float) and abs(value) <= t.MAX_ABS_VALUE
        assert seq is None or 0 <= seq < 2**63
        assert isinstance(late, bool) and isinstance(expired, bool)
    assert len(outcome.items) == len(outcome.readings)


def one(validator, topic, payload: bytes):
    outcome = validator.validate(topic, payload, NOW_US)
    assert_safe(outcome)
    return [(r.reason, r.item_index) for r in outcome.rejections], outcome


SINGLE_CASES = [
    # numbers that overflow a float: checked before any conversion
    (b'{"ts": 1748779200, "value": ' + b"9" * 400 + b"}", "value_out_of_range"),
    (b'{"ts": 1748779200, "value": -' + b"9" * 400 + b"}", "value_out_of_range"),
    (b'{"ts": 1748779200, "value": 1e308}', "value_out_of_range"),
    (b'{"ts": 1748779200, "value": 1e400}', "non_numeric"),  # JSON gives inf
    (b'{"ts": 1748779200, "value": 1000000001}', "value_out_of_range"),
    # more digits than Python parses at all
    (b'{"ts": 1748779200, "value": ' + b"9" * 5000 + b"}", "malformed_json"),
    # timestamps far outside the supported range, in every form
    (b'{"ts": "0001-01-01T00:00:00+05:00", "value": 1}', "bad_timestamp"),
    (b'{"ts": "9999-12-31T23:59:59-05:00", "value": 1}', "bad_timestamp"),
    (b'{"ts": "0001-01-01T00:00:00Z", "value": 1}', "too_old"),
    (b'{"ts": "9999-12-31T23:59:59Z", "value": 1}', "future_timestamp"),
    (b'{"ts": -60000000000, "value": 1}', "too_old"),  # year 68
    (b'{"ts": -90000000000, "value": 1}', "bad_timestamp"),  # year -882
    (b'{"ts": -99999999999999, "value": 1}', "bad_timestamp"),
    (b'{"ts": 99999999999999, "value": 1}', "bad_timestamp"),
    (b'{"ts": ' + b"9" * 400 + b', "value": 1}', "bad_timestamp"),
    (b'{"ts": -1e300, "value": 1}', "bad_timestamp"),
    (b'{"ts": "' + b"2" * 100_000 + b'", "value": 1}', "bad_timestamp"),
    # NUL and lone surrogates in a timestamp
    (b'{"ts": "2025-06-01T11:00:00Z\\u0000", "value": 1}', "bad_timestamp"),
    (b'{"ts": "\\ud800", "value": 1}', "bad_timestamp"),
    (b'{"ts": "2025-06-01T11:00:00\\udfff+00:00", "value": 1}', "bad_timestamp"),
    # raw invalid UTF-8 the old decoder let through (an encoded surrogate), and others
    (b'{"ts": "\xed\xa0\x80", "value": 1}', "malformed_json"),
    (b'{"ts": "\xc0\x80", "value": 1}', "malformed_json"),
    (b'{"ts": "\xff", "value": 1}', "malformed_json"),
    (b'\xff\xfe{\x00"\x00}\x00', "malformed_json"),  # UTF-16 is not accepted
    # a sensor code with NUL or a surrogate in the single-reading payload
    (b'{"sensor": "S1\\u0000", "ts": 1748779200, "value": 1}', "bad_schema"),
    # nesting deeper than the decoder's stack
    (b"[" * 100_000, "malformed_json"),
    (b'{"ts": 1748779200, "value": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "malformed_json"),
]


@pytest.mark.parametrize(
    ("payload", "reason"),
    SINGLE_CASES,
    ids=[f"{index}-{reason}" for index, (_payload, reason) in enumerate(SINGLE_CASES)],
)
def test_single_reading_classes(validator, payload, reason):
    reasons, _ = one(validator, SINGLE, payload)
    assert reasons == [(reason, None)]


def test_batch_items_with_nul_surrogates_and_huge_strings(validator):
    items = [
        {"sensor": "S1\u0000", "ts": 1748779200, "value": 1},
        {"sensor": "\ud800", "ts": 1748779200, "value": 1},
        {"sensor": "S" * 100_000, "ts": 1748779200, "value": 1},
        {"sensor": "S1", "ts": "\u0000", "value": 1},
        {"sensor": "S1", "ts": 1748779200, "value": 1, "seq": 10**400},
        {"sensor": "S1", "ts": 1748779200, "value": "\ud800" * 10},
        {"sensor": "S1", "ts": 1748779260, "value": 4.5},
    ]
    payload = json.dumps({"readings": items}).encode()
    reasons, outcome = one(validator, BATCH, payload)
    assert reasons == [
        ("bad_schema", 0),
        ("bad_schema", 1),
        ("bad_schema", 2),
        ("bad_timestamp", 3),
        ("bad_sequence", 4),
        ("non_numeric", 5),
    ]
    assert [(r[0], r[3]) for r in outcome.readings] == [(10, 4.5)]
    assert outcome.items == [6]
    assert "\\x00" in outcome.rejections[0].text and "\\ud800" in outcome.rejections[1].text


@pytest.mark.parametrize(
    "topic",
    [
        "sites/RTM/gateways/GW1\u0000/telemetry",
        "sites/RTM/gateways/\ud800/telemetry",
        "sites/RT\tM/gateways/GW1/telemetry",
        "sites/RTM/gateways/GW1/sensors/S1\udcff/telemetry",
        "sites/RTM/gateways/GW1/sensors/+/telemetry",
        "sites/RTM/gateways/GW1/" + "x/" * 30_000 + "telemetry",
    ],
    ids=["nul", "surrogate", "tab", "sensor surrogate", "wildcard", "deep"],
)
def test_topics_with_forbidden_characters(validator, topic):
    reasons, outcome = one(validator, topic, b"{}")
    assert reasons == [("bad_topic", None)]
    assert outcome.gateway_id is None


def test_status_with_hostile_state_and_timestamp(validator):
    for payload in (
        b'{"state": "\\u0000online"}',
        b'{"state": "' + b"x" * 10_000 + b'"}',
        b'{"state": {"a": 1}}',
    ):
        assert one(validator, STATUS, payload)[0] == [("bad_status", None)]
    assert one(validator, STATUS, b'{"state": "online", "ts": -99999999999999}')[0] == [
        ("bad_timestamp", None)
    ]


def test_payload_size_is_checked_on_the_real_size(validator):
    # the service passes only the beginning of an oversized payload, and its size
    outcome = validator.validate(BATCH, b'{"readings": [', NOW_US, size=t.MAX_PAYLOAD + 1)
    assert [r.reason for r in outcome.rejections] == ["payload_too_large"]
    assert outcome.gateway_id == 1


def test_unexpected_failures_become_internal_error(validator):
    class Exploding(dict):
        def get(self, key, default=None):
            raise ZeroDivisionError("boom \u0000")

    registry = t.Registry(dict(validator.registry.gateways), Exploding())
    hostile = t.Validator(registry)
    reasons, outcome = one(hostile, BATCH, b'{"readings": [{"sensor": "S1"}, {"sensor": "S2"}]}')
    assert reasons == [("internal_error", 0), ("internal_error", 1)]
    assert "ZeroDivisionError: boom \\x00" in outcome.rejections[0].text
    broken = t.Validator(t.Registry(Exploding(), {}))
    reasons, outcome = one(broken, BATCH, b"{}")
    assert reasons == [("internal_error", None)]


def test_clean_text_and_excerpt_are_bounded():
    assert t.clean_text("abc") == "abc"
    assert t.clean_text("a\u0000b\ud800c\n") == "a\\x00b\\ud800c\\n"
    long = t.clean_text("\u0000" * 10_000, 50)
    assert len(long) == 50 and long.endswith("…")
    assert t.excerpt(10**500) == "an integer of about 501 digits"
    assert t.excerpt(-(10**70)).startswith("an integer of about 7")
    assert t.excerpt(12) == "12"
    assert t.excerpt("x" * 1000) == repr("x" * 64)
    assert t.excerpt([1]) == "a JSON array"
    assert t.describe_us(t.TS_MAX_US + 1).endswith("(outside years 0001-9999)")
    assert t.describe_us(0) == "1970-01-01T00:00:00+00:00"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
readings = st.fixed_dictionaries(
    {},
    optional={
        "sensor": st.sampled_from(["S1", "S2", "", "S1\u0000", "\ud800"]) | st.text(),
        "ts": st.integers(min_value=-(10**20), max_value=10**20)
        | st.floats()
        | st.sampled_from(["2025-06-01T11:00:00Z", "0001-01-01T00:00:00+14:00"])
        | st.text()
        | json_values,
        "value": st.floats() | st.integers(min_value=-(10**400), max_value=10**400) | json_values,
        "seq": st.integers() | json_values,
    },
)


def _encode(data) -> bytes:
    return json.dumps(data, allow_nan=True).encode("utf-8", "surrogatepass")


payloads = st.one_of(
    st.binary(max_size=300),
    readings.map(_encode),
    st.lists(readings | json_values, max_size=6).map(lambda items: _encode({"readings": items})),
    json_values.map(_encode),
)
topics = st.sampled_from([SINGLE, BATCH, STATUS]) | st.text(max_size=80).map(lambda s: "sites/" + s)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topic=topics, payload=payloads)
def test_validation_never_raises(topic, payload):
    assert_safe(_validator().validate(topic, payload, NOW_US))


def test_site_codes_keep_the_freedom_odoo_gives_them():
    registry = t.Registry.from_rows(
        [(1, "GW1", "active", "WH 1", 60)], [(10, "S1", 1, "active", dt.date(2099, 1, 1), 60)]
    )
    validator = t.Validator(registry, t.Limits(retention_days=30))
    topic = "sites/WH 1/gateways/GW1/sensors/S1/telemetry"
    reasons, outcome = one(validator, topic, b'{"ts": 1748779200, "value": 4.5}')
    assert reasons == [] and len(outcome.readings) == 1
