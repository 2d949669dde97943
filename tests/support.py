"""Helpers of the repository-level suites: real PostgreSQL, real Mosquitto, MQTT clients."""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import string
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt

ROOT = Path(__file__).resolve().parent.parent
MOSQUITTO_CONFIG = ROOT / "config" / "mosquitto"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def pg_params(dbname: str = "postgres") -> dict:
    return {
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": int(os.environ.get("PGPORT", "5432")),
        "user": os.environ.get("PGUSER") or getpass.getuser(),
        "password": os.environ.get("PGPASSWORD") or None,
        "dbname": dbname,
        "connect_timeout": 10,
    }


def mosquitto_binary() -> str:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        raise RuntimeError("mosquitto is not installed (Debian package 'mosquitto')")
    return binary


@dataclass
class Broker:
    """A Mosquitto process of the test's own; ``restart()`` keeps its data dir."""

    config_text: str
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def start(self) -> Broker:
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(self.config_text)
        log = (self.workdir / "mosquitto.stdout").open("ab")
        self.process = subprocess.Popen(
            [mosquitto_binary(), "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT
        )
        wait_for_port(self.port)
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop it (SIGTERM saves the persistence file; SIGKILL does not)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=15)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def dev_broker_config(workdir: Path, port: int) -> str:
    """Our shipped development configuration, pointed at ``workdir`` and ``port``."""
    template = string.Template((MOSQUITTO_CONFIG / "mosquitto.dev.conf").read_text())
    text = template.substitute(DATA_DIR=str(workdir), PORT=str(port), RUN_AS=getpass.getuser())
    # Tests read the broker's log from stdout; the shipped file logs to a file.
    return text + "\nlog_dest stdout\n"


class Collector:
    """A subscriber that records (topic, payload) of what it receives."""

    def __init__(
        self,
        host: str,
        port: int,
        client_id: str,
        *,
        clean: bool = True,
        username: str | None = None,
        password: str | None = None,
    ):
        self.messages: list[tuple[str, bytes]] = []
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.reason_code = None
        self._lock = threading.Lock()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean
        )
        if username:
            self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *a, **k: self.subscribed.set()
        self.client.on_message = self._on_message
        self.host, self.port = host, port

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        self.reason_code = reason_code
        self.connected.set()

    def _on_message(self, client, userdata, message):
        with self._lock:
            self.messages.append((message.topic, message.payload))

    def start(self, topic: str | None = None, qos: int = 1, timeout: float = 10) -> Collector:
        self.client.connect(self.host, self.port, keepalive=30)
        self.client.loop_start()
        if not self.connected.wait(timeout):
            raise TimeoutError("no CONNACK")
        if self.reason_code is not None and self.reason_code.is_failure:
            return self
        if topic:
            self.client.subscribe(topic, qos=qos)
            if not self.subscribed.wait(timeout):
                raise TimeoutError("no SUBACK")
        return self

    def wait_for(self, count: int, timeout: float = 30) -> list[tuple[str, bytes]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    break
            time.sleep(0.05)
        with self._lock:
            return list(self.messages)

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def publish_all(
    host: str,
    port: int,
    client_id: str,
    items: list[tuple[str, bytes]],
    *,
    qos: int = 1,
    username: str | None = None,
    password: str | None = None,
    timeout: float = 60,
) -> None:
    """Publish every (topic, payload) and wait until the broker acknowledged each."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    if username:
        client.username_pw_set(username, password)
    client.max_queued_messages_set(0)
    client.max_inflight_messages_set(100)
    client.connect(host, port, keepalive=30)
    client.loop_start()
    try:
        infos = [client.publish(topic, payload, qos=qos) for topic, payload in items]
        deadline = time.monotonic() + timeout
        for info in infos:
            info.wait_for_publish(max(0.1, deadline - time.monotonic()))
            if not info.is_published():
                raise TimeoutError(f"message {info.mid} not acknowledged in {timeout} s")
    finally:
        client.disconnect()
        client.loop_stop()
