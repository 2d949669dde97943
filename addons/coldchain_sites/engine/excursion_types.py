"""Plain data shared by the vectorised excursion engine and its pure-Python reference.

Readings
--------
A batch of readings is four parallel arrays (:class:`Readings`): ``sensor`` (int32 sensor
index, ``0 <= sensor < 2**20``), ``ts`` (int64 epoch seconds), ``value`` (float64) and
``channel`` (int8, :data:`CHANNEL_TEMPERATURE` = 0 for °C, :data:`CHANNEL_DOOR` = 1 for a
door contact where 1 = open and 0 = closed).  Order does not matter: the engine sorts
stably by (channel, sensor, ts).  A second reading with the same (channel, sensor, ts)
is a duplicate (MQTT QoS 1 delivers at least once) and is dropped; the first one in input
order wins.

Time a reading stands for (sample and hold)
-------------------------------------------
Reading *i* of a sensor/channel stands for ``[ts_i, ts_next)``: its value holds until the
next reading of the same sensor and channel.  Its duration ``d_i = ts_next - ts_i`` is
therefore only known once the next reading arrives; the last reading known so far
stands for 0 s.  Consequences, for every rule:

* an out-of-range run starts at the timestamp of its first out-of-range reading and ends
  at the timestamp of the first reading that is no longer out of range (``end_ts``);
  while no such reading exists the event is open (``end_ts is None``) and its
  ``duration_s`` is ``ts(last reading) - start_ts`` (evidence so far, never "now");
* "continuously out of range for longer than D" means ``duration_s > D`` (strictly),
  measured that way; a gap in the readings does not break continuity (the value holds),
  and the gap itself is reported by the monitoring-lost rule;
* MKT, budgets and time out of range weigh each reading by ``d_i``.

Limits and ``inclusive``
------------------------
``Rule.max`` / ``Rule.min`` bound the rule's measured quantity (temperature for threshold,
delay and budget rules; the windowed MKT for MKT rules; the rate in °C/min for rate
rules).  With ``inclusive=True`` (the default, WHO style) the limit value itself
triggers: ``value >= max`` is a high breach and ``value <= min`` a low breach, so 30.0
triggers a ``max=30`` rule and 29.9 does not.  With ``inclusive=False`` the limits are the
last allowed values: ``value > max`` / ``value < min`` (a 2-8 °C storage range where 8.0
is still fine).  A limit left at ``None`` is not checked.

Events
------
:class:`Excursion`; its identity is :attr:`Excursion.key` = (rule_id, rule_version,
sensor, start_ts).  An incremental run re-emits an event whenever it changes (open →
updated → closed), so upserting by key reproduces the whole-history result.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

CHANNEL_TEMPERATURE = 0
CHANNEL_DOOR = 1

KIND_THRESHOLD = "threshold"  # instant: every out-of-range reading
KIND_DELAY = "delay"  # out of range continuously longer than delay_s
KIND_BUDGET = "budget"  # cumulative time out of range over a window exceeds budget_s
KIND_MKT = "mkt"  # mean kinetic temperature over a rolling window against limits
KIND_RATE = "rate"  # °C per minute between consecutive readings against limits
KIND_DOOR = "door"  # door open (value >= 0.5) longer than delay_s
KIND_MONITORING = "monitoring"  # no reading for longer than max_gap_s
RULE_KINDS = (
    KIND_THRESHOLD,
    KIND_DELAY,
    KIND_BUDGET,
    KIND_MKT,
    KIND_RATE,
    KIND_DOOR,
    KIND_MONITORING,
)

RESET_ROLLING = "rolling"  # budget over the trailing window_s seconds
RESET_PERIODIC = "periodic"  # budget resets every window_s seconds (aligned to window_offset_s)
RESET_NEVER = "never"  # budget never resets (per shipment: start a fresh evaluator state)
RESET_MODES = (RESET_ROLLING, RESET_PERIODIC, RESET_NEVER)

DEFAULT_DH_R = 10_000.0  # ΔH/R in kelvin (83.144 kJ/mol / 8.3144 J/(mol·K))

ResetMode = Literal["rolling", "periodic", "never"]


@dataclass(frozen=True)
class Rule:
    """One versioned alarm rule, applied to every sensor or to a group of sensors.

    Fields by kind (others are ignored):

    * ``threshold``: min/max, inclusive.
    * ``delay``: min/max, inclusive, ``delay_s`` (event when out of range > delay_s).
    * ``budget``: min/max, inclusive, ``budget_s``, ``reset`` and ``window_s``
      (rolling: trailing window; periodic: fixed windows starting at
      ``window_offset_s + k * window_s``; never: no window).  A reading is in breach
      when it is out of range and the time out of range accumulated in its window up to
      its own timestamp exceeds ``budget_s`` (strictly).
    * ``mkt``: min/max on the MKT (°C), inclusive, ``window_s`` (86400 for 24 h,
      2592000 for 30 days), ``dh_r``.  The MKT at a reading covers
      ``[ts - window_s, ts]`` weighted by the time each earlier reading stands for.
    * ``rate``: max = largest allowed rise, min = largest allowed fall (negative), both
      in °C per minute between consecutive readings of the sensor.
    * ``door``: ``delay_s``; channel defaults to the door channel.
    * ``monitoring``: ``max_gap_s``; a gap between consecutive readings (or from the last
      reading to ``now``) longer than ``max_gap_s`` (strictly).

    ``sensors`` is ``None`` (every sensor of the channel) or the sensor indices the rule
    applies to.  ``channel`` is the channel the rule reads (``None``: door channel for
    door rules, temperature channel otherwise).
    """

    id: str
    version: int
    kind: str
    min: float | None = None
    max: float | None = None
    inclusive: bool = True
    delay_s: int = 0
    budget_s: int = 0
    window_s: int = 0
    reset: ResetMode = RESET_ROLLING
    window_offset_s: int = 0
    max_gap_s: int = 0
    dh_r: float = DEFAULT_DH_R
    sensors: tuple[int, ...] | None = None
    channel: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in RULE_KINDS:
            raise ValueError(f"unknown rule kind {self.kind!r}")
        if self.channel is None:
            channel = CHANNEL_DOOR if self.kind == KIND_DOOR else CHANNEL_TEMPERATURE
            object.__setattr__(self, "channel", channel)
        if self.sensors is not None:
            object.__setattr__(self, "sensors", tuple(sorted({int(s) for s in self.sensors})))
        needs_limits = self.kind in (KIND_THRESHOLD, KIND_DELAY, KIND_BUDGET, KIND_MKT, KIND_RATE)
        if needs_limits and self.min is None and self.max is None:
            raise ValueError(f"rule {self.id}: a {self.kind} rule needs min and/or max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"rule {self.id}: min must not exceed max")
        if self.kind in (KIND_DELAY, KIND_DOOR) and self.delay_s < 0:
            raise ValueError(f"rule {self.id}: delay_s must be >= 0")
        if self.kind == KIND_BUDGET:
            if self.reset not in RESET_MODES:
                raise ValueError(f"rule {self.id}: reset must be one of {RESET_MODES}")
            if self.reset != RESET_NEVER and self.window_s <= 0:
                raise ValueError(f"rule {self.id}: a {self.reset} budget needs window_s > 0")
            if self.budget_s < 0:
                raise ValueError(f"rule {self.id}: budget_s must be >= 0")
        if self.kind == KIND_MKT and (self.window_s <= 0 or self.dh_r <= 0):
            raise ValueError(f"rule {self.id}: an mkt rule needs window_s > 0 and dh_r > 0")
        if self.kind == KIND_MONITORING and self.max_gap_s <= 0:
            raise ValueError(f"rule {self.id}: a monitoring rule needs max_gap_s > 0")

    @property
    def state_key(self) -> str:
        """Key of this rule's carried state: a new version starts from fresh state."""
        return f"{self.id}@{self.version}"

    @property
    def limit_high(self) -> float:
        return np.inf if self.max is None else float(self.max)

    @property
    def limit_low(self) -> float:
        return -np.inf if self.min is None else float(self.min)


@dataclass(frozen=True)
class Readings:
    """Columnar readings; see the module docstring for the meaning of each array."""

    sensor: np.ndarray
    ts: np.ndarray
    value: np.ndarray
    channel: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        sensor = np.ascontiguousarray(self.sensor, dtype=np.int32)
        ts = np.ascontiguousarray(self.ts, dtype=np.int64)
        value = np.ascontiguousarray(self.value, dtype=np.float64)
        if self.channel is None:
            channel = np.zeros(len(sensor), dtype=np.int8)
        else:
            channel = np.ascontiguousarray(self.channel, dtype=np.int8)
        if not (len(sensor) == len(ts) == len(value) == len(channel)):
            raise ValueError("readings arrays must have the same length")
        if len(sensor) and (sensor.min() < 0 or sensor.max() >= 2**20):
            raise ValueError("sensor indices must be in [0, 2**20)")
        if len(channel) and (channel.min() < 0 or channel.max() > 7):
            raise ValueError("channels must be in [0, 7]")
        if np.isnan(value).any():
            raise ValueError("reading values must not be NaN")
        object.__setattr__(self, "sensor", sensor)
        object.__setattr__(self, "ts", ts)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "channel", channel)

    def __len__(self) -> int:
        return len(self.ts)

    def take(self, index: np.ndarray | slice) -> Readings:
        """The readings at ``index`` (a slice, integer or boolean index)."""
        taken = object.__new__(Readings)  # already validated: skip __post_init__
        for name in ("sensor", "ts", "value", "channel"):
            object.__setattr__(taken, name, getattr(self, name)[index])
        return taken


@dataclass(frozen=True)
class Excursion:
    """One excursion (or monitoring-lost) event for one (sensor, rule).

    * ``side``: ``high``/``low`` (limits), ``rise``/``fall`` (rate), ``open`` (door),
      ``gap`` (monitoring lost).
    * ``start_ts``: first reading in breach (gap: last reading before the silence).
    * ``end_ts``: first reading no longer in breach (gap: next reading); ``None`` while
      open (``is_open``).
    * ``trigger_ts``: when the rule fired: ``start_ts + delay_s`` for delay and door rules,
      ``start_ts + max_gap_s`` for monitoring, ``start_ts`` otherwise.
    * ``peak``: highest value for high/rise/open, lowest for low/fall (``None`` for gaps).
    * ``duration_s``: ``end_ts - start_ts`` (open: last reading or ``now`` for gaps).
    * ``time_out_of_range_s``: time, within the event, the readings stood out of the
      rule's limits (door: open; rate: all of it; gap: the whole gap).
    * ``mkt``: MKT rules: the extreme windowed MKT (°C) reached during the event.
    * ``metric``: budget: largest budget consumed (s); mkt: same as ``mkt``; rate: extreme
      rate (°C/min); ``None`` otherwise.
    * ``void``: a monitoring-lost event announced open (silence to ``now``) that readings
      arriving later (store-and-forward backfill) cancelled: delete it.
    """

    rule_id: str
    rule_version: int
    kind: str
    sensor: int
    side: str
    start_ts: int
    end_ts: int | None
    trigger_ts: int
    peak: float | None
    duration_s: int
    time_out_of_range_s: int
    mkt: float | None = None
    metric: float | None = None
    is_open: bool = False
    void: bool = False

    @property
    def key(self) -> tuple[str, int, int, int]:
        return (self.rule_id, self.rule_version, self.sensor, self.start_ts)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def out_code(values: np.ndarray, rule: Rule) -> np.ndarray:
    """+1 above the high limit, -1 below the low limit, 0 in range (int8, vectorised)."""
    if rule.inclusive:
        high = values >= rule.limit_high
        low = values <= rule.limit_low
    else:
        high = values > rule.limit_high
        low = values < rule.limit_low
    return high.view(np.int8) - low.view(np.int8)


def out_code_scalar(value: float, rule: Rule) -> int:
    """Scalar twin of :func:`out_code` for the reference implementation."""
    if rule.inclusive:
        if value >= rule.limit_high:
            return 1
        if value <= rule.limit_low:
            return -1
        return 0
    if value > rule.limit_high:
        return 1
    if value < rule.limit_low:
        return -1
    return 0


SIDES = {
    KIND_RATE: {1: "rise", -1: "fall"},
    KIND_DOOR: {1: "open", -1: "open"},
    KIND_MONITORING: {1: "gap", -1: "gap"},
}
DEFAULT_SIDES = {1: "high", -1: "low"}


def side_name(kind: str, code: int) -> str:
    return SIDES.get(kind, DEFAULT_SIDES)[int(code)]


def trigger_offset(rule: Rule) -> int:
    if rule.kind in (KIND_DELAY, KIND_DOOR):
        return int(rule.delay_s)
    if rule.kind == KIND_MONITORING:
        return int(rule.max_gap_s)
    return 0
