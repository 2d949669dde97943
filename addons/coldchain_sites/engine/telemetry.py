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
reason code from :data:`REASONS`.  Late readings (received more than
``Limits.late_after_s`` after their timestamp) and out-of-order ones are accepted;
late ones are flagged.  Readings taken after the sensor's calibration due date (or
from a sensor without a calibration in force) are flagged ``calibration_expired``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field

MAX_BATCH = 10_000
MAX_PAYLOAD = 1_048_576
US = 1_000_000

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
    """Acceptance window of timestamps, relative to the receive time."""

    future_tolerance_s: int = 300
    retention_days: int = 400
    late_after_s: int = 600


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
    calibration_expired)``; ``status`` is ``None``, ``"online"`` or ``"offline"``
    for status messages; ``gateway_id`` is the publishing gateway when known.
    """

    readings: list[tuple] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    gateway_id: int | None = None
    status: str | None = None
    status_ts_us: int | None = None


class _Reject(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def day_start_us(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()) * US


def to_us(moment: dt.datetime) -> int:
    """Aware datetime → integer microseconds since the epoch (exact)."""
    return (moment - _EPOCH) // _ONE_US


def from_us(us: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=us)


def dead_letter_digest(topic: str, payload: bytes, reason: str, item_index: int | None) -> bytes:
    """Identity of a dead letter: the same bytes on the same topic are stored once."""
    digest = hashlib.md5(usedforsecurity=False)
    digest.update(topic.encode("utf-8", "surrogateescape"))
    digest.update(b"\0")
    digest.update(payload)
    digest.update(f"\0{reason}\0{item_index}".encode())
    return digest.digest()


def parse_topic(topic: str) -> tuple[str, str, str, str | None]:
    """``(kind, site, gateway, sensor)``; kind is telemetry, batch or status."""
    parts = topic.split("/")
    if len(parts) < 5 or parts[0] != "sites" or parts[2] != "gateways" or "" in parts:
        raise _Reject("bad_topic", topic)
    if len(parts) == 7 and parts[4] == "sensors" and parts[6] == "telemetry":
        return "telemetry", parts[1], parts[3], parts[5]
    if len(parts) == 5 and parts[4] == "telemetry":
        return "batch", parts[1], parts[3], None
    if len(parts) == 5 and parts[4] == "status":
        return "status", parts[1], parts[3], None
    raise _Reject("bad_topic", topic)


def parse_timestamp(raw) -> int:
    """Epoch microseconds of a payload timestamp, or raise ``_Reject``."""
    if raw is None:
        raise _Reject("missing_timestamp")
    if isinstance(raw, bool):
        raise _Reject("bad_timestamp", repr(raw))
    if isinstance(raw, int | float):
        if not math.isfinite(raw) or abs(raw) > 1e11:
            raise _Reject("bad_timestamp", repr(raw))
        return round(raw * US) if isinstance(raw, float) else raw * US
    if isinstance(raw, str):
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            raise _Reject("bad_timestamp", raw[:64]) from None
        if moment.tzinfo is None:
            raise _Reject("bad_timestamp", f"{raw[:64]} has no UTC offset")
        return to_us(moment)
    raise _Reject("bad_timestamp", type(raw).__name__)


def _value(raw) -> float:
    if raw is None:
        raise _Reject("missing_value")
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise _Reject("non_numeric", repr(raw)[:64])
    value = float(raw)
    if not math.isfinite(value):
        raise _Reject("non_numeric", repr(raw))
    return value


def _seq(raw) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0 or raw >= 2**63:
        raise _Reject("bad_sequence", repr(raw)[:64])
    return raw


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

    def validate(self, topic: str, payload: bytes, received_us: int) -> Outcome:
        outcome = Outcome()
        try:
            kind, site, gateway_code, sensor_code = parse_topic(topic)
            if len(payload) > MAX_PAYLOAD:
                raise _Reject("payload_too_large", f"{len(payload)} bytes")
            gateway = self.registry.gateways.get(gateway_code)
            if gateway is None:
                raise _Reject("unknown_gateway", gateway_code)
            outcome.gateway_id = gateway.id
            if gateway.site != site:
                raise _Reject("site_mismatch", f"gateway {gateway_code} is not at site {site}")
            if gateway.state == "retired":
                raise _Reject("retired", f"gateway {gateway_code}")
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
        return outcome

    # ------------------------------------------------------------------ parts
    @staticmethod
    def _json(payload: bytes):
        try:
            # json.loads(payload, parse_constant=...) without building a decoder per call
            if not isinstance(payload, str):
                payload = payload.decode(json.detect_encoding(payload), "surrogatepass")
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
            raise _Reject("bad_status", repr(state)[:64])
        outcome.status = state
        # a gateway clock ahead of ours never pushes last_seen into the future
        outcome.status_ts_us = min(ts_us, received_us)

    def _reading(self, item, index, gateway, site, *, received_us, outcome) -> None:
        sensor_id = None
        try:
            if not isinstance(item, dict):
                raise _Reject("bad_schema", "reading is not a JSON object")
            code = item.get("sensor")
            if not isinstance(code, str) or not code:
                raise _Reject("bad_schema", "reading has no sensor code")
            sensor = self.registry.sensors.get(code)
            if sensor is None:
                raise _Reject("unknown_sensor", code)
            sensor_id = sensor.id
            if sensor.site != site:
                raise _Reject("site_mismatch", f"sensor {code} is not at site {site}")
            if sensor.gateway_id != gateway.id:
                raise _Reject("gateway_mismatch", f"sensor {code} is not on {gateway.code}")
            if sensor.state == "retired":
                raise _Reject("retired", f"sensor {code}")
            value = _value(item.get("value"))
            ts_us = self._timestamp(item.get("ts"))
            limits = self.limits
            if ts_us > received_us + limits.future_tolerance_s * US:
                raise _Reject("future_timestamp", from_us(ts_us).isoformat())
            if ts_us < received_us - limits.retention_days * 86_400 * US:
                raise _Reject("too_old", from_us(ts_us).isoformat())
            seq = _seq(item.get("seq"))
        except _Reject as reject:
            outcome.rejections.append(self._rejection(reject, index, gateway.id, sensor_id))
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

    @staticmethod
    def _rejection(reject, index, gateway_id, sensor_id=None) -> Rejection:
        text = REASONS[reject.reason]
        if reject.detail:
            text = f"{text}: {reject.detail}"
        if index is not None:
            text = f"readings[{index}]: {text}"
        return Rejection(reject.reason, text, index, gateway_id, sensor_id)


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)
