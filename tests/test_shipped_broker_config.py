"""The Mosquitto configurations we ship keep readings, confine gateways and bound size.

Mosquitto's defaults lose QoS 1 messages twice over (``max_queued_messages
1000`` per client, ``persistence false``): these tests prove our files change
both, on a real broker of the test's own.  The production file listens with TLS
only, and its password and ACL files are the ones Odoo writes (same engine
functions): each gateway may publish only under its own site and gateway prefix,
a revoked gateway cannot connect, and packets beyond the service's limit are
refused.
"""

from __future__ import annotations

import re
import socket
import ssl
import time

import pytest
from broker_helpers import (
    INGEST_USER,
    ProductionBroker,
    connect_result,
    make_certificates,
    production_config,
    publish_tls,
    tls_collector,
)
from support import MOSQUITTO_CONFIG, Collector, free_port, publish_all

from coldchain_sites.engine import telemetry, telemetry_auth
from coldchain_sites.services.ingest.settings import Settings

pytestmark = pytest.mark.mqtt


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def production_broker(broker_factory, certificates, tmp_path):
    """The production mosquitto.conf with gateways G1 (site S1), G2 (site S2) and the
    ingestion service's user, their files written as Odoo writes them."""
    auth_dir = tmp_path / "auth"
    auth_dir.mkdir()
    setup = ProductionBroker(certs=certificates, auth_dir=auth_dir)
    setup.write_auth({"G1": ("S1", "g1-secret"), "G2": ("S2", "g2-secret")}, "ingest-secret")
    port = free_port()
    return broker_factory(config_text=production_config(port, setup), port=port), setup


def _conf(name: str) -> dict[str, str]:
    settings = {}
    for line in (MOSQUITTO_CONFIG / name).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _sep, value = line.partition(" ")
            settings.setdefault(key, value.strip())
    return settings


def test_production_listens_with_tls_only_and_limits_match_the_service():
    prod, dev = _conf("mosquitto.conf"), _conf("mosquitto.dev.conf")
    listeners = re.findall(
        r"^listener .*$", (MOSQUITTO_CONFIG / "mosquitto.conf").read_text(), re.M
    )
    assert listeners == ["listener 8883 0.0.0.0"]
    assert {"cafile", "certfile", "keyfile"} <= set(prod) and prod["allow_anonymous"] == "false"
    defaults = Settings()
    for conf in (prod, dev):
        assert int(conf["max_packet_size"]) == telemetry.MAX_PAYLOAD + 1024
        assert defaults.limits.max_payload_bytes == telemetry.MAX_PAYLOAD
        assert int(conf["max_inflight_bytes"]) == defaults.queue_bytes
        assert int(conf["max_inflight_messages"]) >= 2 * defaults.batch_rows
        assert conf["persistence"] == "true"
    for key in ("autosave_interval", "max_queued_messages", "max_queued_bytes"):
        assert prod[key] == dev[key], key


def test_gateway_publishes_only_under_its_own_site_and_gateway(production_broker):
    broker, setup = production_broker
    ingest = tls_collector(broker, setup, "ingest", INGEST_USER).start("sites/#", qos=1)
    publish_tls(
        broker,
        setup,
        "G1",
        [
            ("sites/S1/gateways/G1/sensors/T1/telemetry", b"own topic"),
            ("sites/S2/gateways/G2/sensors/T1/telemetry", b"gateway B's topic"),
            ("sites/S1/gateways/G2/telemetry", b"gateway B's id at my site"),
            ("sites/S2/gateways/G1/telemetry", b"my id at another site"),
            ("sites/S1/other", b"outside the scheme"),
        ],
    )
    publish_tls(broker, setup, "G2", [("sites/S2/gateways/G2/status", b"G2 status")])
    received = ingest.wait_for(2, timeout=10)
    ingest.stop()
    assert sorted(received) == [
        ("sites/S1/gateways/G1/sensors/T1/telemetry", b"own topic"),
        ("sites/S2/gateways/G2/status", b"G2 status"),
    ]


def test_anonymous_wrong_password_and_plain_mqtt_are_refused(production_broker):
    broker, setup = production_broker
    assert connect_result(broker, setup, "G1").is_failure is False
    assert connect_result(broker, setup, "G1", password="nope").is_failure
    assert connect_result(broker, setup, "nobody", password="x").is_failure
    anonymous = tls_collector(broker, setup, "anon", None).start()
    assert anonymous.reason_code.is_failure
    anonymous.stop()
    # plain MQTT on the TLS port: the broker never answers a CONNECT in clear
    with socket.create_connection((broker.host, broker.port), timeout=5) as sock:
        sock.sendall(b"\x10\x10\x00\x04MQTT\x04\x02\x00\x1e\x00\x04anon")
        sock.settimeout(5)
        try:
            answer = sock.recv(4)
        except (ConnectionResetError, TimeoutError):
            answer = b""
    assert not answer.startswith(b"\x20"), "a CONNACK came back in clear text"
    # and a client that does not trust the broker's certificate does not connect
    context = ssl.create_default_context()
    with (
        socket.create_connection((broker.host, broker.port), timeout=5) as sock,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        context.wrap_socket(sock, server_hostname="localhost")


def test_revoked_gateway_cannot_connect_and_is_disconnected(production_broker):
    broker, setup = production_broker
    connected = tls_collector(broker, setup, "g1-online", "G1").start()
    assert not connected.reason_code.is_failure
    # G1 revoked: the files are written without it and the broker reloads them
    setup.write_auth({"G2": ("S2", "g2-secret")}, "ingest-secret")
    telemetry_auth.reload_broker(broker.workdir / "mosquitto.pid")
    for _ in range(50):
        if not connected.client.is_connected():
            break
        time.sleep(0.1)
    assert not connected.client.is_connected(), "a revoked gateway stayed connected"
    connected.stop()
    assert connect_result(broker, setup, "G1", password="g1-secret").is_failure
    assert not connect_result(broker, setup, "G2").is_failure


def test_packets_beyond_the_services_limit_are_refused(production_broker):
    broker, setup = production_broker
    ingest = tls_collector(broker, setup, "ingest", INGEST_USER).start("sites/#", qos=1)
    topic = "sites/S1/gateways/G1/telemetry"
    publish_tls(broker, setup, "G1", [(topic, b"x" * telemetry.MAX_PAYLOAD)])
    with pytest.raises(TimeoutError):  # disconnected: never acknowledged
        publish_tls(broker, setup, "G1", [(topic, b"y" * (telemetry.MAX_PAYLOAD + 2048))], 5)
    received = ingest.wait_for(1, timeout=10)
    ingest.stop()
    assert [len(payload) for _topic, payload in received] == [telemetry.MAX_PAYLOAD]


@pytest.fixture(params=["development", "production"])
def any_shipped_broker(request, broker_factory):
    """Each shipped configuration, with a consumer and a publisher factory."""
    if request.param == "development":
        broker = broker_factory()

        def consumer(client_id):
            return Collector(broker.host, broker.port, client_id, clean=False)

        def publish(items):
            publish_all(broker.host, broker.port, "gateway-G1", items)

        return broker, consumer, publish
    broker, setup = request.getfixturevalue("production_broker")

    def consumer(client_id):
        return tls_collector(broker, setup, client_id, INGEST_USER, clean=False)

    def publish(items):
        publish_tls(broker, setup, "G1", items)

    return broker, consumer, publish


def test_offline_persistent_session_keeps_backlog_across_broker_restart(any_shipped_broker):
    """2,500 QoS 1 messages for an offline consumer survive a broker restart."""
    broker, consumer, publish = any_shipped_broker
    topic_filter = "sites/+/gateways/+/sensors/+/telemetry"
    first = consumer("ingest-test")
    first.start(topic_filter, qos=1)
    first.stop()  # offline now; the broker queues for its persistent session

    count = 2500  # more than Mosquitto's default queue limit of 1000
    items = [
        (f"sites/S1/gateways/G1/sensors/T{i % 7}/telemetry", f'{{"seq": {i}}}'.encode())
        for i in range(count)
    ]
    publish(items)
    broker.restart()  # SIGTERM: the broker writes its persistence file

    again = consumer("ingest-test")
    received = again.start().wait_for(count, timeout=30)
    again.stop()
    sequences = sorted(int(payload.decode()[8:-1]) for _, payload in received)
    assert sequences == list(range(count))
