"""The shipped production Mosquitto configuration on a broker of the test's own.

The production file listens with TLS only and reads its password and ACL files from
an auth directory written by Odoo; here a throw-away CA and server certificate are
made with the ``openssl`` CLI, the files are written with the same engine functions
Odoo uses (``coldchain_sites.engine.telemetry_auth``), and the paths and port of the
shipped file are pointed at the test's directories.  Clients connect with TLS,
verifying the server against the throw-away CA.
"""

from __future__ import annotations

import getpass
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
from support import MOSQUITTO_CONFIG, Collector

from coldchain_sites.engine import telemetry_auth as auth

INGEST_USER = "coldchain-ingest"


def make_certificates(directory: Path) -> Path:
    """A CA and a server certificate for 127.0.0.1/localhost; returns the directory."""
    directory.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "2", "-subj", "/CN=coldchain test CA")  # fmt: skip
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")  # fmt: skip
    (directory / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.cnf")  # fmt: skip
    return directory


@dataclass
class ProductionBroker:
    """Where the pieces of a production broker of a test live, and its users."""

    certs: Path
    auth_dir: Path
    passwords: dict[str, str] = field(default_factory=dict)  # username -> password
    sites: dict[str, str] = field(default_factory=dict)  # gateway -> site

    @property
    def ca_file(self) -> str:
        return str(self.certs / "ca.crt")

    def write_auth(self, gateways: dict[str, tuple[str, str]], ingest_password: str) -> None:
        """Password and ACL files for ``{gateway: (site, password)}`` and the service."""
        access = [
            auth.GatewayAccess(code, site, auth.hash_password(password))
            for code, (site, password) in gateways.items()
        ]
        auth.write_files(
            self.auth_dir,
            {
                auth.PASSWORD_FILE: auth.render_password_file(
                    INGEST_USER, auth.hash_password(ingest_password), access
                ),
                auth.ACL_FILE: auth.render_acl_file(INGEST_USER, access),
            },
        )
        self.passwords = {code: password for code, (_site, password) in gateways.items()}
        self.passwords[INGEST_USER] = ingest_password
        self.sites = {code: site for code, (site, _password) in gateways.items()}


def production_config(port: int, setup: ProductionBroker, workdir_token: str = "@WORKDIR@") -> str:
    """The shipped mosquitto.conf, unchanged but for its paths, port and user."""
    text = (MOSQUITTO_CONFIG / "mosquitto.conf").read_text()
    replacements = {
        "persistence_location /mosquitto/data/": f"persistence_location {workdir_token}/",
        "/mosquitto/certs/": f"{setup.certs}/",
        "/mosquitto/auth/": f"{setup.auth_dir}/",
        "listener 8883 0.0.0.0": f"listener {port} 127.0.0.1",
    }
    for old, new in replacements.items():
        assert old in text, f"the shipped mosquitto.conf no longer has {old!r}"
        text = text.replace(old, new)
    # The image runs Mosquitto as its own user; here it must keep the test's user,
    # and write its pid where a test (or Odoo's sync) can signal it.
    return text + f"\nuser {getpass.getuser()}\npid_file {workdir_token}/mosquitto.pid\n"


def tls_client(client_id: str, ca_file: str, *, clean: bool = True, username=None, password=None):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean)
    client.tls_set(ca_certs=ca_file, tls_version=ssl.PROTOCOL_TLS_CLIENT)
    if username:
        client.username_pw_set(username, password)
    return client


def tls_collector(broker, setup: ProductionBroker, client_id: str, user: str | None, **kwargs):
    """A :class:`support.Collector` speaking TLS (not started)."""
    password = setup.passwords.get(user) if user else None
    collector = Collector(
        broker.host, broker.port, client_id, username=user, password=password, **kwargs
    )
    collector.client.tls_set(ca_certs=setup.ca_file, tls_version=ssl.PROTOCOL_TLS_CLIENT)
    return collector


def connect_result(broker, setup: ProductionBroker, user: str, password: str | None = None):
    """The CONNACK reason code a user gets (with its password unless one is given)."""
    result, done = [], threading.Event()
    client = tls_client(
        f"probe-{user}-{time.monotonic_ns()}",
        setup.ca_file,
        username=user,
        password=setup.passwords.get(user) if password is None else password,
    )

    def on_connect(client_, userdata, flags, reason_code, properties):
        result.append(reason_code)
        done.set()

    client.on_connect = on_connect
    client.connect(broker.host, broker.port, keepalive=30)
    client.loop_start()
    try:
        if not done.wait(10):
            raise TimeoutError("no CONNACK")
    finally:
        client.disconnect()
        client.loop_stop()
    return result[0]


def publish_tls(
    broker, setup: ProductionBroker, user: str, items: list[tuple[str, bytes]], timeout=60
) -> None:
    """Publish every (topic, payload) at QoS 1 as ``user`` and wait for each PUBACK."""
    client = tls_client(
        f"pub-{user}-{time.monotonic_ns()}",
        setup.ca_file,
        username=user,
        password=setup.passwords[user],
    )
    client.max_queued_messages_set(0)
    client.max_inflight_messages_set(100)
    client.connect(broker.host, broker.port, keepalive=30)
    client.loop_start()
    try:
        infos = [client.publish(topic, payload, qos=1) for topic, payload in items]
        deadline = time.monotonic() + timeout
        for info in infos:
            info.wait_for_publish(max(0.1, deadline - time.monotonic()))
            if not info.is_published():
                raise TimeoutError(f"message {info.mid} not acknowledged in {timeout} s")
    finally:
        client.disconnect()
        client.loop_stop()
