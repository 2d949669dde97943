"""Benchmark of the telemetry ingestion service against the MQTT transport ceiling.

    python3 bench/bench_ingest.py [--readings 200000 --gateways 100 --sensors-per-gateway 20]
                                  [--batched]

Starts its own Mosquitto (our development configuration: persistence on, queue
limits for a day of backlog, in-flight window 10,000 messages and 16 MiB, packets
up to the service's 1 MiB payload limit) on a free loopback port and
uses a throw-away PostgreSQL database (created and dropped here; server from the
PG* variables, default 127.0.0.1:5432) holding the minimal registry tables of
``coldchain_sites.engine.telemetry_sql``.

What is published: by default the single-reading form, one message per reading on
``sites/<site>/gateways/<gw>/sensors/<sensor>/telemetry``, so that messages and
readings are the same count and the ratio compares like with like.  ``--batched``
publishes the batched form instead (one message per gateway and minute carrying
one reading of each of its sensors); both rates are then counted in readings per
second (the transport figure is messages/s x readings per message, the message
rate is printed on the line before).  The same pre-encoded messages are sent by
the same load generator (a raw-socket MQTT publisher, see :func:`publish`) in
both measurements.

(a) transport ceiling: a plain paho subscriber at QoS 0, in its own process, that
    only ``json.loads`` each message; the messages are published at QoS 0.
(r) reference, printed but not in the ratio: the same plain subscriber at QoS 1
    (paho acknowledges each message), i.e. what QoS 1 itself costs without any
    database work.
(b) our service at QoS 1: the real service process (``services/ingest``,
    persistent session, manual acks after commit); the messages are published at
    QoS 1; the clock stops when the last reading is committed (polled in PostgreSQL).

Both spans run from the first publish to the last reading parsed, resp.
committed.  ``--repeat`` rounds (default 3) run the three measurements in turn,
each round with readings of its own; each rate is the best of its rounds.  Finally
every published reading is compared with what is stored: ``lost`` = published but
not stored, ``duplicates`` = stored rows beyond one per
published reading (the unique (sensor, ts) index makes that 0 by construction; it
is counted anyway).  Last line:

    ingest_rows_per_s=<b> transport_qos0_msgs_per_s=<a> ratio=<b/a> lost=<n> duplicates=<n>
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import argparse
import getpass
import json
import multiprocessing
import os
import shutil
import signal
import socket
import string
import struct
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import _bootstrap  # noqa: F401
import paho.mqtt.client as mqtt
import psycopg2

from coldchain_sites.engine import telemetry_sql

ROOT = Path(__file__).resolve().parent.parent
SERVICE = ROOT / "addons" / "coldchain_sites" / "services" / "ingest"
LOG_LEVEL = os.environ.get("BENCH_INGEST_LOG_LEVEL", "INFO")
PUBLISH_WINDOW = 50_000  # QoS 1 messages not yet acknowledged by the broker
PUBLISH_CHUNK = 500  # packets per socket write


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_params(dbname: str = "postgres") -> dict:
    return {
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": int(os.environ.get("PGPORT", "5432")),
        "user": os.environ.get("PGUSER") or getpass.getuser(),
        "password": os.environ.get("PGPASSWORD") or None,
        "dbname": dbname,
        "connect_timeout": 10,
    }


def start_broker(workdir: Path, port: int) -> subprocess.Popen:
    template = string.Template((ROOT / "config" / "mosquitto" / "mosquitto.dev.conf").read_text())
    conf = workdir / "mosquitto.conf"
    conf.write_text(
        template.substitute(DATA_DIR=str(workdir), PORT=str(port), RUN_AS=getpass.getuser())
    )
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    process = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("mosquitto did not start")


def build_network(cr, gateways: int, per_gateway: int):
    telemetry_sql.create_registry_tables(cr)
    telemetry_sql.create_telemetry_tables(cr)
    sites = max(1, gateways // 5)
    cr.execute(
        "INSERT INTO stock_warehouse (code) SELECT 'S' || g FROM generate_series(1, %s) g",
        [sites],
    )
    network = []
    for g in range(gateways):
        site = f"S{g % sites + 1}"
        cr.execute(
            "INSERT INTO coldchain_gateway (code, state, warehouse_id, heartbeat_interval)"
            " SELECT %s, 'active', id, 60 FROM stock_warehouse WHERE code = %s RETURNING id",
            [f"GW{g}", site],
        )
        gateway_id = cr.fetchone()[0]
        codes = [f"GW{g}-T{s}" for s in range(per_gateway)]
        cr.execute(
            "INSERT INTO coldchain_sensor (code, gateway_id, state, expected_interval,"
            " calibration_due_date) SELECT c, %s, 'active', 60, '2099-12-31'"
            " FROM unnest(%s::varchar[]) c RETURNING id, code",
            [gateway_id, codes],
        )
        ids = {code: sid for sid, code in cr.fetchall()}
        network.append((site, f"GW{g}", [(code, ids[code]) for code in codes]))
    return network


def build_messages(network, readings: int, per_message: int = 0, shift: int = 0):
    """The messages (batched: one per gateway and minute; or one per reading) and the
    expected stored set; ``shift`` rounds back in time (each round its own readings)."""
    per_minute = sum(len(sensors) for _s, _g, sensors in network)
    minutes = -(-readings // per_minute)
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(
        minutes=(minutes + 1) * (shift + 1)
    )
    messages, expected, seq = [], set(), 0
    left = readings
    for minute in range(minutes):
        moment = start + timedelta(minutes=minute)
        stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        ts_us = int(moment.timestamp()) * 1_000_000
        for site, gateway, sensors in network:
            if left <= 0:
                break
            part = sensors[:left]
            left -= len(part)
            seq += 1
            items = []
            for index, (code, sid) in enumerate(part):
                value = round(2.0 + ((minute * 13 + index * 7) % 60) / 10, 1)
                items.append({"sensor": code, "ts": stamp, "value": value, "seq": seq})
                expected.add((sid, ts_us, value))
            if per_message == 1:  # the single-reading form: one message per reading
                for item in items:
                    topic = (
                        f"sites/{site}/gateways/{gateway}/sensors/{item.pop('sensor')}/telemetry"
                    )
                    messages.append((topic, json.dumps(item).encode()))
                continue
            payload = json.dumps({"seq": seq, "readings": items}).encode()
            messages.append((f"sites/{site}/gateways/{gateway}/telemetry", payload))
    return messages, expected


def _mqtt_packet(first_byte: int, body: bytes) -> bytes:
    """An MQTT control packet: fixed header (type, remaining length) + body."""
    length, rest = bytearray(), len(body)
    while True:
        rest, digit = divmod(rest, 128)
        length.append(digit | (0x80 if rest else 0))
        if not rest:
            return bytes([first_byte]) + bytes(length) + body


def encode_publishes(messages, qos: int) -> list[bytes]:
    """Pre-encoded MQTT 3.1.1 PUBLISH packets (packet ids cycle through 1..65535)."""
    packets = []
    for index, (topic, payload) in enumerate(messages):
        name = topic.encode()
        header = struct.pack("!H", len(name)) + name
        if qos:
            header += struct.pack("!H", index % 65535 + 1)
        packets.append(_mqtt_packet(0x30 | qos << 1, header + payload))
    return packets


def publish(port: int, packets: list[bytes], qos: int) -> float:
    """The simulated gateways: send every packet (QoS 1: until the broker acknowledged
    each one); returns the start time.

    A minimal MQTT 3.1.1 publisher on a raw socket -- the packets are pre-encoded and
    written in chunks, a reader thread counts the PUBACKs -- so that the load
    generator is not what is measured: paho's own QoS 1 publishing tops out at 6-17k
    messages/s here (depending on its in-flight window), below both measured rates.
    Real gateways are many devices with their own CPUs.  Packet ids are reused, so at
    most ``PUBLISH_WINDOW`` (< 65,535) QoS 1 messages are left unacknowledged.
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=120)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client_id = f"bench-pub-{uuid.uuid4().hex[:6]}".encode()
    # CONNECT: protocol MQTT level 4, clean session, keep-alive 0 (none)
    body = b"\x00\x04MQTT\x04\x02\x00\x00" + struct.pack("!H", len(client_id)) + client_id
    sock.sendall(_mqtt_packet(0x10, body))
    connack = sock.recv(4)
    if connack[:2] != b"\x20\x02" or connack[3:4] != b"\x00":
        raise RuntimeError(f"broker refused the publisher: {connack!r}")
    acked = [0]
    total = len(packets)

    def count_pubacks() -> None:
        received = 0
        while acked[0] < total:
            data = sock.recv(65536)
            if not data:
                return
            received += len(data)
            acked[0] = received // 4  # PUBACK = 0x40 0x02 <packet id>

    reader = threading.Thread(target=count_pubacks, daemon=True)
    if qos:
        reader.start()
    started = time.time()
    for first in range(0, total, PUBLISH_CHUNK):
        while qos and first - acked[0] > PUBLISH_WINDOW:
            time.sleep(0.0005)
        sock.sendall(b"".join(packets[first : first + PUBLISH_CHUNK]))
    if qos:
        reader.join(300)
        if acked[0] < total:
            raise RuntimeError(f"broker acknowledged {acked[0]} of {total} messages")
    sock.sendall(b"\xe0\x00")  # DISCONNECT
    sock.close()
    return started


def _subscriber(port: int, qos: int, expected_messages: int, ready, result) -> None:
    """Plain paho subscriber that only parses JSON (at QoS 1, paho acknowledges each
    message after the callback); reports (messages, readings, last receive time)."""
    state = {"messages": 0, "readings": 0, "last": 0.0}

    def on_message(client, userdata, message):
        data = json.loads(message.payload)
        state["readings"] += len(data["readings"]) if "readings" in data else 1
        state["messages"] += 1
        if state["messages"] >= expected_messages:
            state["last"] = time.time()
            client.disconnect()

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-transport-{qos}")
    client.on_message = on_message
    client.on_connect = lambda c, *a: c.subscribe("sites/#", qos=qos)
    client.on_subscribe = lambda *a: ready.set()
    client.connect("127.0.0.1", port, keepalive=60)
    client.loop_forever()
    result.put((state["messages"], state["readings"], state["last"]))


def measure_transport(port: int, messages, qos: int = 0) -> tuple[float, float]:
    """(readings/s, messages/s) through a plain subscriber, published at ``qos``."""
    ctx = multiprocessing.get_context("spawn")
    ready, result = ctx.Event(), ctx.Queue()
    process = ctx.Process(target=_subscriber, args=(port, qos, len(messages), ready, result))
    process.start()
    if not ready.wait(20):
        raise RuntimeError("transport subscriber did not subscribe")
    time.sleep(0.2)
    started = publish(port, encode_publishes(messages, qos), qos=qos)
    count, readings, last = result.get(timeout=300)
    process.join(10)
    if count < len(messages):
        raise RuntimeError(f"QoS {qos} subscriber got {count} of {len(messages)} messages")
    elapsed = last - started
    return readings / elapsed, count / elapsed


def drop_session(port: int, client_id: str) -> None:
    """Discard the persistent session of ``client_id`` (a clean-session connect), so
    that the broker stops queueing messages for it while other rounds publish."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    client.connect("127.0.0.1", port, keepalive=60)
    client.disconnect()


def measure_service(
    port: int, dsn: dict, workdir: Path, messages, readings: int, target: int
) -> float:
    """Readings/s committed by the service: ``readings`` published, until ``target``
    rows are in the table (rows of earlier rounds included)."""
    client_id = "bench-ingest"
    config = workdir / "odoo.conf"
    config.write_text(
        "\n".join(
            [
                "[options]",
                f"db_host = {dsn['host']}",
                f"db_port = {dsn['port']}",
                f"db_user = {dsn['user']}",
                f"db_password = {dsn['password'] or ''}",
                f"db_name = {dsn['dbname']}",
                "[coldchain_sites]",
                "mqtt_host = 127.0.0.1",
                f"mqtt_port = {port}",
                f"mqtt_client_id = {client_id}",
                "ingest_batch_rows = 5000",
                "ingest_flush_ms = 200",
                "ingest_queue_messages = 20000",
                "ingest_sweep_interval_s = 3600",
            ]
        )
        + "\n"
    )
    log = (workdir / "ingest.log").open("wb")
    service = subprocess.Popen(
        [sys.executable, str(SERVICE), "-c", str(config), "--log-level", LOG_LEVEL],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    conn = psycopg2.connect(**dsn)
    conn.autocommit = True
    try:
        # wait until the service is subscribed (its session exists on the broker)
        deadline = time.monotonic() + 30
        while b"connected to 127.0.0.1" not in (workdir / "ingest.log").read_bytes():
            if time.monotonic() > deadline or service.poll() is not None:
                raise RuntimeError((workdir / "ingest.log").read_text())
            time.sleep(0.05)
        time.sleep(0.3)
        packets = encode_publishes(messages, 1)
        started = publish(port, packets, qos=1)
        deadline = time.monotonic() + 600
        with conn.cursor() as cr:
            while time.monotonic() < deadline:
                cr.execute("SELECT count(*) FROM coldchain_reading")
                if cr.fetchone()[0] >= target:
                    break
                time.sleep(0.02)
        finished = time.time()
        time.sleep(0.5)
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(30)
        conn.close()
        drop_session(port, client_id)
    return readings / (finished - started)


def run_rounds(args, port: int, dsn: dict, workdir: Path, network) -> tuple[list, set]:
    """``--repeat`` rounds of the three measurements: ([(transport, qos1, ingest)],
    every reading published to the service)."""
    per_message = 0 if args.batched else 1
    expected: set = set()
    rounds: list[tuple] = []
    for round_ in range(args.repeat):
        # each round publishes readings of its own (earlier minutes): all are stored
        messages, round_expected = build_messages(network, args.readings, per_message, round_)
        expected |= round_expected
        transport = measure_transport(port, messages)
        # reference: the same plain subscriber at QoS 1 (protocol cost, no database)
        qos1 = measure_transport(port, messages, qos=1)
        ingest = measure_service(port, dsn, workdir, messages, len(round_expected), len(expected))
        rounds.append((transport, qos1, ingest))
        print(
            f"round {round_ + 1}: {len(round_expected)} readings in {len(messages)} messages;"
            f" QoS 0 {transport[1]:,.0f} msgs/s = {transport[0]:,.0f} readings/s;"
            f" QoS 1 plain {qos1[0]:,.0f} readings/s; service {ingest:,.0f} readings/s",
            flush=True,
        )
    return rounds, expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=200_000)
    parser.add_argument("--gateways", type=int, default=100)
    parser.add_argument("--sensors-per-gateway", type=int, default=20)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds; each rate is the best of its rounds (interleaved, same machine load)",
    )
    parser.add_argument(
        "--batched",
        action="store_true",
        help="publish the batched form (one message per gateway and minute) instead of "
        "one message per reading",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    port = free_port()
    dbname = f"bench_ingest_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(**pg_params())
    admin.autocommit = True
    with admin.cursor() as cr:
        cr.execute(f'CREATE DATABASE "{dbname}"')
    broker = start_broker(workdir, port)
    try:
        dsn = pg_params(dbname)
        conn = psycopg2.connect(**dsn)
        conn.autocommit = True
        with conn.cursor() as cr:
            network = build_network(cr, args.gateways, args.sensors_per_gateway)
        rounds, expected = run_rounds(args, port, dsn, workdir, network)
        transport, transport_msgs = max(r[0] for r in rounds)
        qos1, qos1_msgs = max(r[1] for r in rounds)
        ingest = max(r[2] for r in rounds)
        print(f"transport QoS 0: {transport_msgs:,.0f} messages/s = {transport:,.0f} readings/s")
        print(
            f"transport QoS 1 (plain subscriber, no database): {qos1_msgs:,.0f} messages/s"
            f" = {qos1:,.0f} readings/s, {qos1 / transport:.2f} of QoS 0"
        )
        with conn.cursor() as cr:
            cr.execute(
                "SELECT sensor_id, (extract(epoch FROM ts) * 1000000)::bigint, value"
                " FROM coldchain_reading"
            )
            rows = cr.fetchall()
        conn.close()
        stored = set(rows)
        lost = len(expected - stored)
        duplicates = len(rows) - len(stored) + len(stored - expected)
        print(f"service QoS 1: {ingest:,.0f} readings/s committed (best of {args.repeat})")
        print(
            f"ingest_rows_per_s={ingest:.0f} transport_qos0_msgs_per_s={transport:.0f} "
            f"ratio={ingest / transport:.2f} lost={lost} duplicates={duplicates}"
        )
    finally:
        broker.send_signal(signal.SIGTERM)
        broker.wait(15)
        with admin.cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [dbname],
            )
            cr.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
        admin.close()
        if os.environ.get("BENCH_INGEST_KEEP"):
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
