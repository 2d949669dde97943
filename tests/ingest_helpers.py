"""Helpers of the ingestion reliability suites: registry, service process, own PostgreSQL.

The service runs as a real process (``python3 addons/coldchain_sites/services/ingest
-c <conf>``) against a real broker of the test's own and a real database; the
registry tables are the minimal stand-ins of Odoo's (``telemetry_sql``), so these
suites need no Odoo.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import psycopg2
from support import ROOT, free_port, wait_for_port

from coldchain_sites.engine import telemetry_sql

SERVICE_DIR = ROOT / "addons" / "coldchain_sites" / "services" / "ingest"
PG_BIN = Path("/usr/lib/postgresql/15/bin")

# Two sites, two gateways each with sensors: (site, gateway, [sensors]).
NETWORK = [
    ("RTM", "RTM-GW1", ["RTM-CHILL-T1", "RTM-CHILL-T2", "RTM-CHILL-D1"]),
    ("RTM", "RTM-GW2", ["RTM-FREEZE-T1", "RTM-FREEZE-T2"]),
    ("LYS", "LYS-GW1", ["LYS-CHILL-T1", "LYS-FREEZE-T1"]),
]


@dataclass
class Registry:
    gateways: dict[str, int]
    sensors: dict[str, int]
    site_of: dict[str, str]  # gateway code -> site code
    gateway_of: dict[str, str]  # sensor code -> gateway code


def setup_database(dsn: dict, network=NETWORK, calibration_due="2099-12-31") -> Registry:
    """Create the service's tables and a registry in a fresh database."""
    conn = psycopg2.connect(**dsn)
    conn.autocommit = True
    gateways, sensors, site_of, gateway_of, sites = {}, {}, {}, {}, {}
    with conn.cursor() as cr:
        telemetry_sql.create_registry_tables(cr)
        telemetry_sql.create_telemetry_tables(cr)
        for site, gateway, codes in network:
            if site not in sites:
                cr.execute("INSERT INTO stock_warehouse (code) VALUES (%s) RETURNING id", [site])
                sites[site] = cr.fetchone()[0]
            cr.execute(
                "INSERT INTO coldchain_gateway (code, state, warehouse_id, heartbeat_interval)"
                " VALUES (%s, 'active', %s, 60) RETURNING id",
                [gateway, sites[site]],
            )
            gateways[gateway] = cr.fetchone()[0]
            site_of[gateway] = site
            for code in codes:
                cr.execute(
                    "INSERT INTO coldchain_sensor (code, gateway_id, state, expected_interval,"
                    " calibration_due_date) VALUES (%s, %s, 'active', 60, %s) RETURNING id",
                    [code, gateways[gateway], calibration_due],
                )
                sensors[code] = cr.fetchone()[0]
                gateway_of[code] = gateway
    conn.close()
    return Registry(gateways, sensors, site_of, gateway_of)


def write_config(path: Path, dsn: dict, broker_port: int, client_id: str, **extra) -> Path:
    """An Odoo configuration file with the sections the service reads."""
    cold = {
        "mqtt_host": "127.0.0.1",
        "mqtt_port": broker_port,
        "mqtt_username": "",
        "mqtt_tls": "False",
        "mqtt_ca_file": "",
        "mqtt_client_id": client_id,
        "ingest_flush_ms": 100,
        "ingest_batch_rows": 2000,
        "ingest_queue_messages": 2000,
        "ingest_registry_refresh_s": 30,
        "ingest_retention_days": 36500,
        "ingest_future_tolerance_s": 300,
        "ingest_late_after_s": 600,
        "ingest_silence_factor": 3,
        "ingest_sweep_interval_s": 3600,
        "ingest_state_dir": path.parent / "ingest-state",
    }
    cold.update(extra)
    lines = [
        "[options]",
        f"db_host = {dsn['host']}",
        f"db_port = {dsn['port']}",
        f"db_user = {dsn['user']}",
        f"db_password = {dsn.get('password') or ''}",
        f"db_name = {dsn['dbname']}",
        "",
        "[coldchain_sites]",
        *(f"{key} = {value}" for key, value in cold.items()),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def prime_session(host: str, port: int, client_id: str, topic: str = "sites/#") -> None:
    """Create the service's persistent session, so the broker queues from now on."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
    client.connect(host, port, keepalive=30)
    client.loop_start()
    try:
        info = client.subscribe(topic, qos=1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not client.is_connected():
            time.sleep(0.02)
        assert info[0] == mqtt.MQTT_ERR_SUCCESS
        time.sleep(0.2)
    finally:
        client.disconnect()
        client.loop_stop()


class Service:
    """The ingestion service as a process of the test's own."""

    def __init__(self, config: Path, log: Path, env: dict | None = None):
        self.config, self.log = config, log
        self.env = env or {}
        self.process: subprocess.Popen | None = None

    def start(self) -> Service:
        handle = self.log.open("ab")
        env = dict(os.environ, PYTHONUNBUFFERED="1", **self.env)
        self.process = subprocess.Popen(
            [sys.executable, str(SERVICE_DIR), "-c", str(self.config)],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=env,
        )
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        rc = self.process.wait(timeout=timeout)
        self.process = None
        return rc

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def pids(self) -> list[int]:
        """The receiving process and its database process (when started)."""
        if not self.alive():
            return []
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [pid, *map(int, children)]


def rss_kib(pid: int) -> int:
    """Resident set size of a process (KiB), 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


class RssSampler(threading.Thread):
    """Samples the RSS of the service's processes every ``interval`` s; ``peaks``
    keeps the largest value seen per process (receiving first, database second)."""

    def __init__(self, service: Service, interval: float = 0.02):
        super().__init__(daemon=True)
        self.service, self.interval = service, interval
        self.peaks: dict[str, int] = {"receiving": 0, "database": 0}
        self.samples = 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            try:
                pids = self.service.pids()
            except (FileNotFoundError, ProcessLookupError):
                pids = []
            for name, pid in zip(("receiving", "database"), pids, strict=False):
                self.peaks[name] = max(self.peaks[name], rss_kib(pid))
            self.samples += 1
            time.sleep(self.interval)

    def stop(self) -> dict[str, int]:
        self.halt.set()
        self.join(5)
        return self.peaks


def _mqtt_packet(first_byte: int, body: bytes) -> bytes:
    length, rest = bytearray(), len(body)
    while True:
        rest, digit = divmod(rest, 128)
        length.append(digit | (0x80 if rest else 0))
        if not rest:
            return bytes([first_byte]) + bytes(length) + body


def _utf8(text: str) -> bytes:
    data = text.encode()
    return struct.pack("!H", len(data)) + data


class RawPublisher:
    """A minimal MQTT 3.1.1 QoS 1 publisher on a raw (optionally TLS) socket that
    records when the broker acknowledged each message -- what a gateway knows.

    ``publish(messages, rate)`` sends message ``i`` with packet id ``i % 65535 + 1``
    and reads the PUBACKs in between, in the same thread (an SSL socket must not be
    read and written from two threads); ``acked`` maps each acknowledged message
    index to the monotonic time its PUBACK was read.
    """

    def __init__(self, host, port, client_id, *, username=None, password=None, ca_file=None):
        sock = socket.create_connection((host, port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if ca_file:
            context = ssl.create_default_context(cafile=ca_file)
            sock = context.wrap_socket(sock, server_hostname=host)
        flags, payload = 0x02, _utf8(client_id)  # clean session
        if username:
            flags |= 0x80
            payload += _utf8(username)
        if password:
            flags |= 0x40
            payload += _utf8(password)
        sock.sendall(
            _mqtt_packet(0x10, b"\x00\x04MQTT\x04" + bytes([flags]) + b"\x00\x00" + payload)
        )
        connack = sock.recv(4)
        if connack[:2] != b"\x20\x02" or connack[3:4] != b"\x00":
            raise RuntimeError(f"broker refused the publisher: {connack!r}")
        sock.settimeout(5)
        self.sock = sock
        self.acked: dict[int, float] = {}
        self.waiting: dict[int, deque] = {}  # packet id -> message indexes sent with it
        self.buffer = b""
        self.closed = False

    def _read(self, timeout: float) -> None:
        """Read what the broker sent (PUBACKs) for up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while not self.closed:
            pending = isinstance(self.sock, ssl.SSLSocket) and self.sock.pending()
            wait = max(0.0, deadline - time.monotonic())
            if not pending and not select.select([self.sock], [], [], wait)[0]:
                return
            try:
                data = self.sock.recv(65536)
            except (ssl.SSLWantReadError, TimeoutError):
                continue
            except OSError:
                data = b""
            if not data:
                self.closed = True
                return
            now = time.monotonic()
            self.buffer += data
            usable = len(self.buffer) - len(self.buffer) % 4
            for offset in range(0, usable, 4):
                packet_id = struct.unpack("!H", self.buffer[offset + 2 : offset + 4])[0]
                sent = self.waiting.get(packet_id)
                if sent:
                    self.acked[sent.popleft()] = now
            self.buffer = self.buffer[usable:]
            if time.monotonic() >= deadline:
                return

    def publish(self, messages: list[tuple[str, bytes]], rate: float, stop=None) -> int:
        """Send at ``rate`` messages/s; returns how many were sent before the end, the
        connection's loss or ``stop`` (an Event) was set."""
        started = time.monotonic()
        for index, (topic, payload) in enumerate(messages):
            if self.closed or (stop is not None and stop.is_set()):
                return index
            self._read(max(0.0, started + index / rate - time.monotonic()))
            packet_id = index % 65535 + 1
            self.waiting.setdefault(packet_id, deque()).append(index)
            try:
                self.sock.sendall(
                    _mqtt_packet(0x32, _utf8(topic) + struct.pack("!H", packet_id) + payload)
                )
            except OSError:
                self.closed = True
                return index
        self._read(2)
        return len(messages)

    def close(self) -> None:
        with contextlib.suppress(OSError):  # the broker may be gone: nothing to say goodbye to
            self.sock.sendall(b"\xe0\x00")
        self.sock.close()


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, service=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except psycopg2.OperationalError:
            pass
        time.sleep(0.1)
    tail = service.output()[-3000:] if service else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{tail}")


def query(dsn: dict, sql: str, params=None) -> list[tuple]:
    conn = psycopg2.connect(**dsn)
    try:
        with conn.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall()
    finally:
        conn.close()


def reading_count(dsn: dict) -> int:
    return query(dsn, "SELECT count(*) FROM coldchain_reading")[0][0]


def stored_readings(dsn: dict) -> list[tuple[int, int, float]]:
    """Every stored reading as (sensor_id, ts µs, value), duplicates kept."""
    return query(
        dsn,
        "SELECT sensor_id, (extract(epoch FROM ts) * 1000000)::bigint, value"
        " FROM coldchain_reading",
    )


def dead_letters(dsn: dict) -> list[tuple]:
    return query(
        dsn,
        "SELECT topic, payload, reason_code, item_index FROM coldchain_dead_letter",
    )


T0 = datetime(2025, 6, 1, 0, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def us(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000


def make_stream(reg: Registry, minutes: int, start: datetime = T0, per_message: int = 0):
    """One reading per sensor per minute, batched per gateway and minute.

    Returns ``(messages, expected)``: the (topic, payload) list and the set of
    (sensor_id, ts µs, value) that must end up stored.
    """
    messages, expected = [], set()
    by_gateway: dict[str, list[str]] = {}
    for sensor, gateway in reg.gateway_of.items():
        by_gateway.setdefault(gateway, []).append(sensor)
    seq = 0
    for minute in range(minutes):
        moment = start + timedelta(minutes=minute)
        for gateway, sensors in sorted(by_gateway.items()):
            site = reg.site_of[gateway]
            items = []
            for index, sensor in enumerate(sensors):
                value = round(4.0 + ((minute * 7 + index * 3) % 40) / 10, 1)
                items.append({"sensor": sensor, "ts": iso(moment), "value": value})
                expected.add((reg.sensors[sensor], us(moment), value))
            seq += 1
            if per_message == 1:
                for item in items:
                    topic = f"sites/{site}/gateways/{gateway}/sensors/{item['sensor']}/telemetry"
                    body = {"ts": item["ts"], "value": item["value"], "seq": seq}
                    messages.append((topic, json.dumps(body).encode()))
            else:
                payload = json.dumps({"seq": seq, "readings": items}).encode()
                messages.append((f"sites/{site}/gateways/{gateway}/telemetry", payload))
    return messages, expected


class OwnPostgres:
    """A PostgreSQL 15 cluster of the test's own (initdb in a temporary directory).

    PostgreSQL refuses to run as root, so when the tests run as root the cluster is
    owned and run by the ``postgres`` system user (``setpriv``); its superuser role
    is named after the current user, with trust authentication on loopback.
    """

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="coldchain-pg-", dir="/tmp"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.user = os.environ.get("PGUSER") or __import__("getpass").getuser()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = list(args)
        if self.as_root:
            command = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def init(self) -> OwnPostgres:
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        wait_for_port(self.port, timeout=30)

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def dsn(self, dbname: str = "postgres") -> dict:
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "user": self.user,
            "password": None,
            "dbname": dbname,
            "connect_timeout": 5,
        }

    def create_database(self, name: str) -> dict:
        conn = psycopg2.connect(**self.dsn())
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        return self.dsn(name)

    def destroy(self) -> None:
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop", check=False
        )
        shutil.rmtree(self.dir, ignore_errors=True)
