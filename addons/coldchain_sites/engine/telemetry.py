"""Telemetry topics and payloads: parsing and validation, pure Python.

Topic scheme (``<site>`` is the warehouse code, ``<gateway>`` the gateway code, which
is also its broker username, ``<sensor>`` the sensor code)::

    sites/<site>/gateways/<gateway>/sensors/<sensor>/telemetry   one reading
    sites/<site>/gateways/<gateway>/telemetry                    a batch of readings
    sites/<site>/gateways/<gateway>/status                       heartbeat / last will

Payloads are UTF-8 JSON objects.  A timestamp ``ts`` is either an ISO 8601 string
*with* its offset (``"2025-03-01T10:15:00Z"``, ``"2025-03-01T11:15:00+01:00"``) or
a number of seconds since the Unix epoch (``1740824100`` or ``1740824100.5``)::

    one reading   {"ts": "2025-03-01T10:15:00Z", "value": 4.7, "seq": 1234}
    a batch       {"seq": 88, "backfill": false,
                   "readings": [{"sensor": "RTM-CHILL-T1", "ts": 1740824100, "value": 4.7},
                                {"sensor": "RTM-CHILL-D1", "ts": 1740824100, "value": 1}]}
    status        {"state": "online", "ts": "2025-03-01T10:15:00Z", "firmware": "2.4.1"}
                  (or the bare word ``online`` / ``offline``, handy as a last will)

``value`` is a number (°C, % RH, or 0/1 for a door contact); ``seq`` is an optional
non-negative integer (the gateway's counter, stored for audit).  A batch holds at
most :data:`MAX_BATCH` readings; store-and-forward backfill after an outage is the
same batched form with old timestamps (``backfill`` is informative only).

Validation never raises on input: every message gives an :class:`Outcome` with the
accepted readings and the :class:`Rejection` of each refused part, with a stable
reason code from :data:`REASONS` (``internal_error``, with the exception's class and
a bounded excerpt, is the last resort if validating a message or a reading fails in
a way no check foresaw).  The holes are closed at their root, before anything is
converted, stored or written into a reason text:

* payloads are decoded as strict UTF-8 (RFC 8259; a leading BOM is tolerated), so
  encoded surrogates and other invalid bytes are ``malformed_json``;
* gateway and sensor codes (topic segments, ``sensor``) must be topic ids
  (:data:`CODE_PATTERN`, the pattern Odoo enforces on them), a site segment
  printable without wildcards, ISO timestamps at most
  :data:`MAX_TIMESTAMP_TEXT` printable ASCII characters -- so no NUL, control
  character or lone surrogate ever reaches SQL;
* numbers are range-checked before conversion: a value beyond :data:`MAX_ABS_VALUE`
  is ``value_out_of_range`` (an integer of hundreds of digits is never made a
  float), a timestamp outside years 0001-9999 UTC (:data:`TS_MIN_US`,
  :data:`TS_MAX_US`) is ``bad_timestamp``, whatever its form;
* every reason text goes through :func:`clean_text`: non-printable characters
  escaped, at most :data:`MAX_REASON_TEXT` characters.  Late readings (received more than
``Limits.late_after_s`` after their timestamp) and out-of-order ones are accepted;
late ones are flagged.  Readings taken after the sensor's calibration due date (or
from a sensor without a calibration in force) are flagged ``calibration_expired``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from dataclasses import dataclass, field

MAX_BATCH = 10_000
# Largest payload accepted (bytes).  The shipped Mosquitto configurations refuse
# larger ones (message_size_limit); the service checks it again in case a broker
# does not.
MAX_PAYLOAD = 1_048_576
US = 1_000_000
# A reading's value must lie within +-MAX_ABS_VALUE (checked before any conversion).
MAX_ABS_VALUE = 1e9
_MAX_ABS_INT = 10**9
# Supported timestamps: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999Z.
TS_MIN_US = -62_135_596_800 * US
TS_MAX_US = 253_402_300_800 * US - 1
MAX_TIMESTAMP_TEXT = 64
# Reason texts stored with a dead letter are at most this many characters.
MAX_REASON_TEXT = 500
# Topic ids of sites, gateways and sensors (the pattern Odoo enforces on codes).
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}\Z")

# Stable reason codes of the dead-letter table (never renamed: reports filter on them).
REASONS = {
    "bad_topic": "topic does not follow the documented scheme",
    "payload_too_large": "payload larger than the accepted maximum",
    "malformed_json": "payload is not UTF-8 JSON",
    "bad_schema": "payload does not have the documented shape",
    "unknown_gateway": "gateway code is not registered",
    "unknown_sensor": "sensor code is not registered",
    "site_mismatch": "gateway or sensor belongs to another site than the topic's",
    "gateway_mismatch": "sensor is registered under another gateway of the site",
    "retired": "gateway or sensor is retired",
    "missing_value": "reading has no value",
    "non_numeric": "reading value is not a finite number",
    "missing_timestamp": "reading has no timestamp",
    "bad_timestamp": "timestamp is not ISO 8601 with offset nor epoch seconds",
    "future_timestamp": "timestamp is too far in the future",
    "too_old": "timestamp is older than the retention horizon",
    "bad_sequence": "sequence number is not a non-negative integer",
    "bad_status": "status is neither online nor offline",
    "value_out_of_range": f"reading value is beyond +-{MAX_ABS_VALUE:g}",
    "conflicting_value": "another value is already stored for this sensor and timestamp "
    "(the first one is kept)",
    "internal_error": "the service failed on this input (last resort)",
    "poison_message": "the ingestion service died repeatedly while processing this message; "
    "it is not processed again",
}

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_US = dt.timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class GatewayInfo:
    id: int
    code: str
    state: str
    site: str
    heartbeat_interval: int = 0


@dataclass(frozen=True, slots=True)
class SensorInfo:
    id: int
    code: str
    gateway_id: int
    state: str
    site: str
    calibration_due: dt.date | None = None
    expected_interval: int = 0
    # first instant (epoch µs) at which the calibration is expired; None: no calibration
    calibration_end_us: int | None = None


@dataclass(slots=True)
class Registry:
    """Gateways and sensors by code, as registered in Odoo."""

    gateways: dict[str, GatewayInfo] = field(default_factory=dict)
    sensors: dict[str, SensorInfo] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, gateway_rows, sensor_rows) -> Registry:
        """Build from the rows of ``GATEWAYS_QUERY`` and ``SENSORS_QUERY``."""
        gateways = {}
        sites = {}
        for gid, code, state, site, heartbeat in gateway_rows:
            gateways[code] = GatewayInfo(gid, code, state, site, int(heartbeat or 0))
            sites[gid] = site
        sensors = {}
        for sid, code, gateway_id, state, due, interval in sensor_rows:
            end = None
            if due is not None:
                end = day_start_us(due + dt.timedelta(days=1))
            sensors[code] = SensorInfo(
                sid,
                code,
                gateway_id,
                state,
                sites.get(gateway_id, ""),
                due,
                int(interval or 0),
                end,
            )
        return cls(gateways, sensors)


@dataclass(frozen=True, slots=True)
class Limits:
    """Acceptance window of timestamps, relative to the receive time, and the largest
    payload accepted."""

    future_tolerance_s: int = 300
    retention_days: int = 400
    late_after_s: int = 600
    max_payload_bytes: int = MAX_PAYLOAD


@dataclass(slots=True)
class Rejection:
    reason: str
    text: str
    item_index: int | None = None
    gateway_id: int | None = None
    sensor_id: int | None = None


@dataclass(slots=True)
class Outcome:
    """What one message gives.

    ``readings`` are tuples ``(sensor_id, gateway_id, ts_us, value, seq, late,
    calibration_expired)``; ``items`` gives, for each of them, its index in the
    batch (None for the single-reading form); ``status`` is ``None``, ``"online"``
    or ``"offline"`` for status messages; ``gateway_id`` is the publishing gateway
    when known.
    """

    readings: list[tuple] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    gateway_id: int | None = None
    status: str | None = None
    status_ts_us: int | None = None
    items: list[int | None] = field(default_factory=list)


class _Reject(Exception):
    def __init__(self, reason: str, detail: str = "", sensor_id: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.sensor_id = sensor_id


def day_start_us(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()) * US


def to_us(moment: dt.datetime) -> int:
    """Aware datetime → integer microseconds since the epoch (exact)."""
    return (moment - _EPOCH) // _ONE_US


def from_us(us: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=us)


def describe_us(us: int) -> str:
    """An instant for a reason text; never raises (outside the supported range it
    says so instead of building a datetime that would overflow)."""
    if TS_MIN_US <= us <= TS_MAX_US:
        return from_us(us).isoformat()
    return f"{us // US} s from the epoch (outside years 0001-9999)"


def clean_text(text: str, limit: int = MAX_REASON_TEXT) -> str:
    """``text`` safe for a database text column and a log line: at most ``limit``
    characters, each non-printable one (NUL, controls, lone surrogates...) escaped."""
    if len(text) > limit:
        text = text[: limit + 1]  # escaping below only lengthens: never scan more
    if not text.isprintable():
        text = "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def excerpt(raw, limit: int = 64) -> str:
    """A bounded, printable description of a JSON value for a reason text."""
    if raw is None or isinstance(raw, bool | float):
        return repr(raw)
    if isinstance(raw, int):
        if -(10**limit) < raw < 10**limit:
            return repr(raw)
        return f"an integer of about {int(raw.bit_length() * 0.30103) + 1} digits"
    if isinstance(raw, str):
        return clean_text(repr(raw[:limit]), limit + 3)
    return f"a JSON {_JSON_TYPES.get(type(raw), type(raw).__name__)}"


_JSON_TYPES = {dict: "object", list: "array"}


def dead_letter_digest(
    topic: str, payload_sha256: bytes, reason: str, item_index: int | None
) -> bytes:
    """Identity of a dead letter: the same bytes on the same topic, for the same
    reason and reading, are stored once (redeliveries, gateways re-sending)."""
    digest = hashlib.md5(usedforsecurity=False)
    digest.update(topic.encode("utf-8", "backslashreplace"))
    digest.update(b"\0")
    digest.update(payload_sha256)
    digest.update(f"\0{reason}\0{item_index}".encode())
    return digest.digest()


def _code(segment: str) -> bool:
    return CODE_PATTERN.match(segment) is not None


def _site(segment: str) -> bool:
    """A site segment is a warehouse code: Odoo does not restrict its characters, so
    anything printable but MQTT's wildcards (the ACL files need a topic id, though)."""
    return (
        0 < len(segment) <= 64
        and segment.isprintable()
        and "+" not in segment
        and "#" not in segment
    )


def parse_topic(topic: str) -> tuple[str, str, str, str | None]:
    """``(kind, site, gateway, sensor)``; kind is telemetry, batch or status."""
    parts = topic.split("/", 7)
    if len(parts) < 5 or parts[0] != "sites" or parts[2] != "gateways":
        raise _Reject("bad_topic", topic)
    if not (_site(parts[1]) and _code(parts[3])):
        raise _Reject("bad_topic", f"{topic} (the site or the gateway is no topic id)")
    if len(parts) == 7 and parts[4] == "sensors" and parts[6] == "telemetry":
        if not _code(parts[5]):
            raise _Reject("bad_topic", f"{topic} (the sensor must be a topic id)")
        return "telemetry", parts[1], parts[3], parts[5]
    if len(parts) == 5 and parts[4] == "telemetry":
        return "batch", parts[1], parts[3], None
    if len(parts) == 5 and parts[4] == "status":
        return "status", parts[1], parts[3], None
    raise _Reject("bad_topic", topic)


def parse_timestamp(raw) -> int:
    """Epoch microseconds of a payload timestamp, or raise ``_Reject``.

    Epoch seconds are range-checked before they are converted; ISO strings must be
    short printable ASCII before they are parsed; either way the instant must lie in
    years 0001-9999 UTC.
    """
    if raw is None:
        raise _Reject("missing_timestamp")
    if isinstance(raw, bool):
        raise _Reject("bad_timestamp", repr(raw))
    if isinstance(raw, int | float):
        # int/float comparisons are exact in Python: no overflow, whatever the size
        if not (TS_MIN_US // US <= raw <= TS_MAX_US // US):
            raise _Reject("bad_timestamp", f"{excerpt(raw)} is outside years 0001-9999")
        return round(raw * US) if isinstance(raw, float) else raw * US
    if isinstance(raw, str):
        if len(raw) > MAX_TIMESTAMP_TEXT or not raw.isascii() or not raw.isprintable():
            raise _Reject("bad_timestamp", f"{excerpt(raw)} is not a short ASCII text")
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise _Reject("bad_timestamp", raw) from None
        if moment.tzinfo is None:
            raise _Reject("bad_timestamp", f"{raw} has no UTC offset")
        ts_us = to_us(moment)
        if not TS_MIN_US <= ts_us <= TS_MAX_US:
            raise _Reject("bad_timestamp", f"{raw} is outside years 0001-9999 in UTC")
        return ts_us
    raise _Reject("bad_timestamp", excerpt(raw))


def _value(raw) -> float:
    if raw is None:
        raise _Reject("missing_value")
    if raw.__class__ is float:
        if not math.isfinite(raw):
            raise _Reject("non_numeric", repr(raw))
        if not -MAX_ABS_VALUE <= raw <= MAX_ABS_VALUE:
            raise _Reject("value_out_of_range", repr(raw))
        return raw
    if raw.__class__ is int:
        # before float(): an integer of hundreds of digits would overflow it
        if not -_MAX_ABS_INT <= raw <= _MAX_ABS_INT:
            raise _Reject("value_out_of_range", excerpt(raw))
        return float(raw)
    raise _Reject("non_numeric", excerpt(raw))


def _seq(raw) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0 or raw >= 2**63:
        raise _Reject("bad_sequence", excerpt(raw))
    return raw


def _internal(error: BaseException) -> _Reject:
    return _Reject("internal_error", f"{type(error).__name__}: {clean_text(str(error), 200)}")


class Validator:
    """Validates messages against a registry; cheap enough for 100k readings/s."""

    # timestamps parsed recently: a gateway's readings of one minute share theirs
    TIMESTAMP_CACHE_SIZE = 4096

    def __init__(self, registry: Registry, limits: Limits | None = None):
        self.registry = registry
        self.limits = limits or Limits()
        self._timestamps: dict[str, int] = {}

    def _timestamp(self, raw) -> int:
        """:func:`parse_timestamp`, remembering the last few thousand ISO strings."""
        if raw.__class__ is not str:
            return parse_timestamp(raw)
        ts_us = self._timestamps.get(raw)
        if ts_us is None:
            ts_us = parse_timestamp(raw)  # raises on a bad one: never cached
            if len(self._timestamps) >= self.TIMESTAMP_CACHE_SIZE:
                self._timestamps.clear()
            self._timestamps[raw] = ts_us
        return ts_us

    def validate(
        self, topic: str, payload: bytes, received_us: int, size: int | None = None
    ) -> Outcome:
        """Validate one message; never raises.

        ``size`` is the payload's real size when ``payload`` is only its beginning
        (the service does not carry an oversized payload across processes).
        """
        outcome = Outcome()
        try:
            kind, site, gateway, sensor_code = self._sender(topic, outcome)
            size = len(payload) if size is None else size
            if size > self.limits.max_payload_bytes:
                raise _Reject("payload_too_large", f"{size} bytes")
            if kind == "status":
                self._status(payload, received_us, outcome)
                return outcome
            data = self._json(payload)
            if not isinstance(data, dict):
                raise _Reject("bad_schema", "payload is not a JSON object")
            if kind == "telemetry":
                data.setdefault("sensor", sensor_code)
                if data["sensor"] != sensor_code:
                    raise _Reject("bad_schema", "sensor in payload differs from the topic's")
                self._reading(data, None, gateway, site, received_us=received_us, outcome=outcome)
            else:
                items = data.get("readings")
                if not isinstance(items, list) or not items or len(items) > MAX_BATCH:
                    raise _Reject("bad_schema", f"readings must be a list of 1..{MAX_BATCH}")
                _seq(data.get("seq"))
                for index, item in enumerate(items):
                    self._reading(
                        item, index, gateway, site, received_us=received_us, outcome=outcome
                    )
        except _Reject as reject:
            outcome.rejections.append(self._rejection(reject, None, outcome.gateway_id))
        except Exception as error:
            outcome.rejections.append(self._rejection(_internal(error), None, outcome.gateway_id))
        return outcome

    # ------------------------------------------------------------------ parts
    def _sender(self, topic: str, outcome: Outcome) -> tuple[str, str, GatewayInfo, str | None]:
        """``(kind, site, gateway, sensor code)`` of a topic whose gateway may publish."""
        kind, site, gateway_code, sensor_code = parse_topic(topic)
        gateway = self.registry.gateways.get(gateway_code)
        if gateway is None:
            raise _Reject("unknown_gateway", gateway_code)
        outcome.gateway_id = gateway.id
        if gateway.site != site:
            raise _Reject("site_mismatch", f"gateway {gateway_code} is not at site {site}")
        if gateway.state == "retired":
            raise _Reject("retired", f"gateway {gateway_code}")
        return kind, site, gateway, sensor_code

    @staticmethod
    def _json(payload: bytes):
        try:
            # json.loads(payload, parse_constant=...) without building a decoder per call;
            # strict UTF-8: encoded surrogates and stray bytes are refused here
            if not isinstance(payload, str):
                payload = payload.decode("utf-8-sig" if payload[:3] == _BOM else "utf-8")
            return _DECODER.decode(payload)
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
            raise _Reject("malformed_json", str(error)[:200]) from None

    def _status(self, payload: bytes, received_us: int, outcome: Outcome) -> None:
        stripped = payload.strip()
        if stripped in (b"online", b"offline"):
            state, ts_us = stripped.decode(), received_us
        else:
            data = self._json(payload)
            if not isinstance(data, dict):
                raise _Reject("bad_schema", "status is not a JSON object")
            state = data.get("state")
            ts_us = received_us if data.get("ts") is None else parse_timestamp(data["ts"])
        if state not in ("online", "offline"):
            raise _Reject("bad_status", excerpt(state))
        outcome.status = state
        # a gateway clock ahead of ours never pushes last_seen into the future
        outcome.status_ts_us = min(ts_us, received_us)

    def _sensor(self, item, gateway, site) -> SensorInfo:
        """The registered sensor of a reading, or raise ``_Reject``."""
        if not isinstance(item, dict):
            raise _Reject("bad_schema", "reading is not a JSON object")
        code = item.get("sensor")
        if code.__class__ is not str:
            raise _Reject("bad_schema", "reading has no sensor code")
        sensor = self.registry.sensors.get(code)
        if sensor is None:
            if not _code(code):
                raise _Reject("bad_schema", f"sensor code {excerpt(code)} is not a topic id")
            raise _Reject("unknown_sensor", code)
        if sensor.site != site:
            raise _Reject("site_mismatch", f"sensor {code} is not at site {site}", sensor.id)
        if sensor.gateway_id != gateway.id:
            raise _Reject("gateway_mismatch", f"sensor {code} is not on {gateway.code}", sensor.id)
        if sensor.state == "retired":
            raise _Reject("retired", f"sensor {code}", sensor.id)
        return sensor

    def _reading(self, item, index, gateway, site, *, received_us, outcome) -> None:
        sensor_id = None
        try:
            sensor = self._sensor(item, gateway, site)
            sensor_id = sensor.id
            value = _value(item.get("value"))
            ts_us = self._timestamp(item.get("ts"))
            limits = self.limits
            if ts_us > received_us + limits.future_tolerance_s * US:
                raise _Reject("future_timestamp", describe_us(ts_us))
            if ts_us < received_us - limits.retention_days * 86_400 * US:
                raise _Reject("too_old", describe_us(ts_us))
            seq = _seq(item.get("seq"))
        except _Reject as reject:
            sensor_id = sensor_id or reject.sensor_id
            outcome.rejections.append(self._rejection(reject, index, gateway.id, sensor_id))
            return
        except Exception as error:
            outcome.rejections.append(
                self._rejection(_internal(error), index, gateway.id, sensor_id)
            )
            return
        end = sensor.calibration_end_us
        outcome.readings.append(
            (
                sensor.id,
                gateway.id,
                ts_us,
                value,
                seq,
                received_us - ts_us > self.limits.late_after_s * US,
                end is None or ts_us >= end,
            )
        )
        outcome.items.append(index)

    @staticmethod
    def _rejection(reject, index, gateway_id, sensor_id=None) -> Rejection:
        text = REASONS[reject.reason]
        if reject.detail:
            text = f"{text}: {reject.detail}"
        if index is not None:
            text = f"readings[{index}]: {text}"
        return Rejection(reject.reason, clean_text(text), index, gateway_id, sensor_id)


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


_BOM = b"\xef\xbb\xbf"
_DECODER = json.JSONDecoder(parse_constant=_no_constant)


# ------------------------------------------------------------------ replay

# Causes a later configuration change can fix (a sensor or gateway registered, moved
# to the right site or gateway): such dead letters can be replayed, once.
REPLAYABLE = frozenset({"unknown_gateway", "unknown_sensor", "site_mismatch", "gateway_mismatch"})


def replay(
    validator: Validator, topic: str, payload: bytes, received_us: int, item_index: int | None
) -> Outcome:
    """Validate a dead-lettered message again against today's registry, as received
    (``received_us``: its original receive time).  ``item_index``: the dead letter is
    one reading of a batch: only that reading is replayed (the batch's others were
    stored or dead-lettered on their own)."""
    outcome = validator.validate(topic, payload, received_us)
    if item_index is None:
        return outcome
    keep = [i for i, index in enumerate(outcome.items) if index == item_index]
    outcome.readings = [outcome.readings[i] for i in keep]
    outcome.items = [outcome.items[i] for i in keep]
    outcome.rejections = [r for r in outcome.rejections if r.item_index in (item_index, None)]
    return outcome
