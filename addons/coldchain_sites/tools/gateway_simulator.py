"""Gateway simulator: publishes a realistic cold-chain network's telemetry over MQTT.

    python3 addons/coldchain_sites/tools/gateway_simulator.py -c .local/odoo.conf \\
        [--duration 600] [--speedup 60] [--interval 60] [--outage-share 0.1]

Which network: with ``-c`` the gateways and sensors registered in Odoo are read from
the configured database (the demo network's RTM and LYS gateways, for instance), with
each zone's temperature profile; ``--synthetic --sites 2 --sensors 4`` invents one
instead (its readings are dead-lettered unless the same codes are registered).
The broker (host, port, username, TLS) comes from ``[coldchain_sites]`` of the same
file, overridable with ``--host``/``--port``; the password from
``COLDCHAIN_MQTT_PASSWORD``.

What it publishes, per gateway (one MQTT client each, with a last will ``offline`` on
its status topic and an ``online`` status at connect): every ``--interval`` simulated
seconds one reading per sensor in the batched form (README, "Telemetry for
installers") — temperatures as a noisy mean-reverting walk around the middle of the
zone's profile, door contacts (0/1) with occasional openings that warm the zone,
and rare excursions (a compressor fault drifting out of range for a while).

Store-and-forward: one gateway (the first) loses its uplink for ``--outage-share`` of
the run; it keeps measuring, then reconnects and backfills everything it buffered
in batches flagged ``"backfill": true`` with their original timestamps.

Time: ``--speedup N`` runs N simulated seconds per real second; the simulated clock
starts ``duration x speedup`` seconds in the past so that it ends now (timestamps
are never in the future).

Live (``--live``, what ``make run`` starts on the demo database): it first catches up
from the newest reading stored in the database (at most ``--catch-up-hours`` back),
published at once as store-and-forward backfill, then publishes one reading per
sensor every ``--interval`` seconds of real time until it is stopped; every
``--outage-every-hours`` the first gateway loses its uplink for
``--outage-minutes`` and backfills when it is back.  Door openings follow the
working day (more between 06:00 and 18:00 UTC, few at night).
"""

from __future__ import annotations

import argparse
import configparser
import json
import logging
import os
import random
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import paho.mqtt.client as mqtt

_logger = logging.getLogger("gateway_simulator")

REGISTRY_QUERY = """
SELECT w.code, g.code, s.code, s.kind, p.temp_min, p.temp_max
  FROM coldchain_sensor s
  JOIN coldchain_gateway g ON g.id = s.gateway_id
  JOIN stock_warehouse w ON w.id = g.warehouse_id
  LEFT JOIN stock_location l ON l.id = s.location_id
  LEFT JOIN coldchain_temperature_profile p ON p.id = l.coldchain_profile_id
 WHERE s.state != 'retired' AND g.state != 'retired'
 ORDER BY w.code, g.code, s.code
"""
MAX_BATCH = 500


@dataclass
class Sensor:
    code: str
    kind: str
    low: float
    high: float
    zone: str
    value: float = 0.0
    fault_left: int = 0

    def __post_init__(self):
        # limits come from NUMERIC columns (Decimal): the simulation works in floats
        self.low, self.high = float(self.low), float(self.high)
        self.value = self.target

    @property
    def target(self) -> float:
        return (self.low + self.high) / 2


@dataclass
class Gateway:
    site: str
    code: str
    sensors: list[Sensor]
    client: mqtt.Client | None = None
    buffer: list[dict] = field(default_factory=list)
    offline: bool = False
    seq: int = 0

    @property
    def prefix(self) -> str:
        return f"sites/{self.site}/gateways/{self.code}"


def load_config(path: str) -> tuple[dict, dict]:
    parser = configparser.RawConfigParser()
    with open(path, encoding="utf-8") as handle:
        parser.read_file(handle)
    options = dict(parser["options"]) if parser.has_section("options") else {}
    cold = dict(parser["coldchain_sites"]) if parser.has_section("coldchain_sites") else {}
    return options, cold


def db_connect(options: dict):
    """A connection to the configured database (10 s connect timeout)."""
    import psycopg2

    return psycopg2.connect(
        host=options.get("db_host") or None,
        port=int(options.get("db_port") or 5432),
        user=options.get("db_user") or None,
        password=options.get("db_password") or os.environ.get("PGPASSWORD") or None,
        dbname=options.get("db_name"),
        connect_timeout=10,
    )


def network_from_db(options: dict) -> list[Gateway]:
    conn = db_connect(options)
    try:
        with conn.cursor() as cr:
            cr.execute(REGISTRY_QUERY)
            rows = cr.fetchall()
    finally:
        conn.close()
    gateways: dict[str, Gateway] = {}
    for site, gateway, code, kind, low, high in rows:
        gw = gateways.setdefault(gateway, Gateway(site, gateway, []))
        zone = code.rsplit("-", 1)[0]
        if kind == "door":
            gw.sensors.append(Sensor(code, kind, 0.0, 0.0, zone))
        elif kind == "humidity":
            gw.sensors.append(Sensor(code, kind, 40.0, 60.0, zone))
        else:
            gw.sensors.append(Sensor(code, kind, low if low is not None else 2.0,
                                     high if high is not None else 8.0, zone))  # fmt: skip
    return list(gateways.values())


def synthetic_network(sites: int, sensors: int) -> list[Gateway]:
    gateways = []
    for s in range(sites):
        site = f"SIM{s + 1}"
        chill = [Sensor(f"{site}-CHILL-T{i + 1}", "temperature", 2, 8, f"{site}-CHILL")
                 for i in range(sensors)]  # fmt: skip
        freeze = [Sensor(f"{site}-FREEZE-T{i + 1}", "temperature", -25, -15, f"{site}-FREEZE")
                  for i in range(max(1, sensors // 2))]  # fmt: skip
        doors = [Sensor(f"{site}-CHILL-D1", "door", 0, 0, f"{site}-CHILL")]
        gateways.append(Gateway(site, f"{site}-GW1", chill + freeze + doors))
    return gateways


def working_day_factor(ts: float) -> float:
    """Doors open mostly during the working day: x1.8 from 06:00 to 18:00 UTC, else x0.2."""
    hour = datetime.fromtimestamp(ts, UTC).hour
    return 1.8 if 6 <= hour < 18 else 0.2


def newest_reading_ts(options: dict) -> float | None:
    """Epoch seconds of the newest stored reading (None when there is none)."""
    conn = db_connect(options)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT extract(epoch FROM max(ts)) FROM coldchain_reading")
            (value,) = cr.fetchone()
    finally:
        conn.close()
    return float(value) if value is not None else None


class Simulator:
    def __init__(self, gateways, args, rng):
        self.gateways, self.args, self.rng = gateways, args, rng
        self.doors_open: dict[str, int] = {}  # zone -> simulated minutes left
        self.published = 0
        self.backfilled = 0

    # ------------------------------------------------------------------ physics
    def step(self, ts: float) -> None:
        """Advance every sensor by one interval and buffer its reading."""
        rng = self.rng
        stamp = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for zone in list(self.doors_open):
            self.doors_open[zone] -= 1
            if self.doors_open[zone] <= 0:
                del self.doors_open[zone]
        for gateway in self.gateways:
            for sensor in gateway.sensors:
                if sensor.kind == "door":
                    door_rate = self.args.door_rate * working_day_factor(ts)
                    if sensor.zone not in self.doors_open and rng.random() < door_rate:
                        self.doors_open[sensor.zone] = rng.randint(1, 4)
                    value = 1.0 if sensor.zone in self.doors_open else 0.0
                else:
                    if sensor.fault_left <= 0 and rng.random() < self.args.excursion_rate:
                        sensor.fault_left = rng.randint(10, 60)
                    target = sensor.target
                    if sensor.fault_left > 0:
                        sensor.fault_left -= 1
                        target = sensor.high + 4  # compressor fault: drifts out of range
                    if sensor.zone in self.doors_open:
                        target = sensor.high + 2
                    sensor.value += 0.15 * (target - sensor.value) + rng.gauss(0, 0.12)
                    value = round(sensor.value, 1)
                gateway.seq += 1
                gateway.buffer.append(
                    {"sensor": sensor.code, "ts": stamp, "value": value, "seq": gateway.seq}
                )

    # ---------------------------------------------------------------- transport
    def connect(self, gateway: Gateway, username, password, tls, ca_file) -> None:
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"sim-{gateway.code}",
            clean_session=True,
        )
        if username:
            client.username_pw_set(username, password)
        if tls:
            client.tls_set(ca_certs=ca_file or None)
        client.will_set(f"{gateway.prefix}/status", b"offline", qos=1)
        client.max_inflight_messages_set(100)
        client.connect(self.args.host, self.args.port, keepalive=30)
        client.loop_start()
        status = {"state": "online", "firmware": "sim-1.0"}
        client.publish(f"{gateway.prefix}/status", json.dumps(status), qos=1)
        gateway.client = client

    def flush(self, gateway: Gateway, backfill: bool = False) -> None:
        while gateway.buffer:
            part, gateway.buffer = gateway.buffer[:MAX_BATCH], gateway.buffer[MAX_BATCH:]
            payload = {"seq": gateway.seq, "backfill": backfill, "readings": part}
            info = gateway.client.publish(f"{gateway.prefix}/telemetry", json.dumps(payload), qos=1)
            info.wait_for_publish(timeout=30)
            self.published += len(part)
            if backfill:
                self.backfilled += len(part)

    def set_offline(self, gateway: Gateway, offline: bool) -> None:
        if offline == gateway.offline:
            return
        gateway.offline = offline
        state = "offline" if offline else "online"
        # the uplink is down: the broker would publish the last will; we say it ourselves
        gateway.client.publish(f"{gateway.prefix}/status", json.dumps({"state": state}), qos=1)
        _logger.info("%s: uplink %s (%d readings buffered)", gateway.code, state,
                     len(gateway.buffer))  # fmt: skip
        if not offline:
            self.flush(gateway, backfill=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Cold-chain gateway simulator (MQTT)")
    parser.add_argument("-c", "--config", help="Odoo configuration file (broker, database)")
    parser.add_argument("--host", help="broker host (default: mqtt_host of the config)")
    parser.add_argument("--port", type=int, help="broker port (default: mqtt_port)")
    parser.add_argument("--synthetic", action="store_true", help="invent the network")
    parser.add_argument("--sites", type=int, default=2, help="synthetic sites")
    parser.add_argument("--sensors", type=int, default=4, help="synthetic sensors per zone")
    parser.add_argument("--interval", type=int, default=60, help="seconds between readings")
    parser.add_argument("--speedup", type=float, default=60.0,
                        help="simulated seconds per real second")  # fmt: skip
    parser.add_argument("--duration", type=float, default=60.0, help="real seconds to run")
    parser.add_argument("--outage-share", type=float, default=0.1,
                        help="share of the run the first gateway's uplink is down")  # fmt: skip
    parser.add_argument("--door-rate", type=float, default=0.02,
                        help="chance per interval that a door opens")  # fmt: skip
    parser.add_argument("--excursion-rate", type=float, default=0.0005,
                        help="chance per interval of a compressor fault")  # fmt: skip
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--live", action="store_true",
                        help="real time until stopped, after catching up (make run)")  # fmt: skip
    parser.add_argument("--catch-up-hours", type=float, default=24.0,
                        help="live: publish at most this much missed history first")  # fmt: skip
    parser.add_argument("--outage-every-hours", type=float, default=6.0,
                        help="live: the first gateway's uplink goes down this often")  # fmt: skip
    parser.add_argument("--outage-minutes", type=float, default=15.0,
                        help="live: for this long, then it backfills")  # fmt: skip
    return parser.parse_args(argv)


def run_live(sim: Simulator, args: argparse.Namespace, stopping: list, since: float | None) -> None:
    """Catch up from ``since`` (newest stored reading) as backfill, then real time."""
    now = time.time()
    start = now - args.catch_up_hours * 3600
    if since is not None:
        start = max(start, since + args.interval)
    ts = start
    caught_up = 0
    while ts <= now and not stopping:
        sim.step(ts)
        ts += args.interval
        caught_up += 1
    for gateway in sim.gateways:
        sim.flush(gateway, backfill=True)
    _logger.info("caught up %d intervals since %s", caught_up,
                 datetime.fromtimestamp(start, UTC).isoformat())  # fmt: skip
    every = max(args.interval, args.outage_every_hours * 3600)
    outage = args.outage_minutes * 60
    first = sim.gateways[0] if sim.gateways else None
    while not stopping:
        wait = ts - time.time()
        if wait > 0:
            time.sleep(min(wait, 1.0))
            continue
        sim.step(ts)
        for gateway in sim.gateways:
            down = gateway is first and (ts % every) < outage
            sim.set_offline(gateway, down)
            if not gateway.offline:
                sim.flush(gateway)
        ts += args.interval
    for gateway in sim.gateways:
        sim.set_offline(gateway, False)


def run(sim: Simulator, args: argparse.Namespace, stopping: list) -> None:
    """Publish step after step, in simulated time; one uplink outage, then backfill."""
    gateways = sim.gateways
    span = args.duration * args.speedup
    steps = max(1, int(span // args.interval))
    start_ts = time.time() - span
    outage = (int(steps * 0.45), int(steps * (0.45 + args.outage_share)))
    started = time.monotonic()
    for step in range(steps):
        if stopping:
            break
        sim.step(start_ts + step * args.interval)
        for index, gateway in enumerate(gateways):
            sim.set_offline(gateway, index == 0 and outage[0] <= step < outage[1])
            if not gateway.offline:
                sim.flush(gateway)
        wait = started + (step + 1) * args.interval / args.speedup - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    for gateway in gateways:
        sim.set_offline(gateway, False)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s simulator: %(message)s")  # fmt: skip

    options, cold = load_config(args.config) if args.config else ({}, {})
    args.host = args.host or cold.get("mqtt_host") or "127.0.0.1"
    args.port = args.port or int(cold.get("mqtt_port") or 1883)
    if args.synthetic or not args.config:
        gateways = synthetic_network(args.sites, args.sensors)
    else:
        gateways = network_from_db(options)
        if not gateways:
            _logger.error("no gateway registered in %s: use --synthetic", options.get("db_name"))
            return 1
    rng = random.Random(args.seed)
    sim = Simulator(gateways, args, rng)
    username = cold.get("mqtt_username") or None
    tls = (cold.get("mqtt_tls") or "").lower() in ("1", "true", "yes")
    for gateway in gateways:
        sim.connect(gateway, username, os.environ.get("COLDCHAIN_MQTT_PASSWORD"), tls,
                    cold.get("mqtt_ca_file") or None)  # fmt: skip
    _logger.info(
        "%d gateways, %d sensors, broker %s:%s, %.0f s at x%g",
        len(gateways),
        sum(len(g.sensors) for g in gateways),
        args.host,
        args.port,
        args.duration,
        args.speedup,
    )
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))

    try:
        if args.live:
            since = newest_reading_ts(options) if options.get("db_name") else None
            run_live(sim, args, stopping, since)
        else:
            run(sim, args, stopping)
    finally:
        for gateway in gateways:
            if gateway.client is not None:
                gateway.client.disconnect()
                gateway.client.loop_stop()
    _logger.info("published %d readings (%d backfilled)", sim.published, sim.backfilled)
    return 0


if __name__ == "__main__":
    sys.exit(main())
