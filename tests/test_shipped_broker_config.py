"""The Mosquitto configurations we ship keep readings and confine gateways.

Mosquitto's defaults lose QoS 1 messages twice over (``max_queued_messages
1000`` per client, ``persistence false``): these tests prove our files change
both, on a real broker of the test's own, and that the production ACL confines
each gateway to its own topics.
"""

from __future__ import annotations

import getpass
import subprocess

import pytest
from support import MOSQUITTO_CONFIG, Collector, free_port, publish_all

pytestmark = pytest.mark.mqtt


@pytest.fixture
def production_broker(broker_factory, tmp_path_factory):
    """The production mosquitto.conf + acl with two gateways and the ingest user."""
    passwd = tmp_path_factory.mktemp("auth") / "passwd"
    users = {"G1": "g1-secret", "G2": "g2-secret", "coldchain-ingest": "ingest-secret"}
    for index, (user, password) in enumerate(users.items()):
        flags = ["-c"] if index == 0 else []
        subprocess.run(["mosquitto_passwd", *flags, "-b", str(passwd), user, password], check=True)
    port = free_port()
    text = (MOSQUITTO_CONFIG / "mosquitto.conf").read_text()
    text = (
        text.replace("/mosquitto/data/", "@WORKDIR@/")
        .replace("/mosquitto/auth/passwd", str(passwd))
        .replace("/mosquitto/config/acl", str(MOSQUITTO_CONFIG / "acl"))
        .replace("listener 1883 0.0.0.0", f"listener {port} 127.0.0.1")
    )
    # The image runs Mosquitto as its own user; here it must keep the test's user.
    text += f"\nuser {getpass.getuser()}\n"
    return broker_factory(config_text=text, port=port), users


def test_production_acl_confines_gateways_to_their_topics(production_broker):
    broker, users = production_broker
    ingest = Collector(
        broker.host,
        broker.port,
        "ingest",
        username="coldchain-ingest",
        password=users["coldchain-ingest"],
    ).start("sites/#", qos=1)
    publish_all(
        broker.host,
        broker.port,
        "gw-G1",
        [
            ("sites/S1/gateways/G1/sensors/T1/telemetry", b"own topic"),
            ("sites/S1/gateways/G2/sensors/T1/telemetry", b"another gateway's topic"),
            ("sites/S1/other", b"outside the scheme"),
        ],
        username="G1",
        password=users["G1"],
    )
    publish_all(
        broker.host,
        broker.port,
        "gw-G2",
        [("sites/S2/gateways/G2/status", b"G2 status")],
        username="G2",
        password=users["G2"],
    )
    received = ingest.wait_for(2, timeout=10)
    ingest.stop()
    assert sorted(received) == [
        ("sites/S1/gateways/G1/sensors/T1/telemetry", b"own topic"),
        ("sites/S2/gateways/G2/status", b"G2 status"),
    ]


def test_production_broker_refuses_anonymous_and_wrong_password(production_broker):
    broker, _users = production_broker
    anonymous = Collector(broker.host, broker.port, "anon").start()
    assert anonymous.reason_code.is_failure
    anonymous.stop()
    wrong = Collector(broker.host, broker.port, "wrong", username="G1", password="nope").start()
    assert wrong.reason_code.is_failure
    wrong.stop()


@pytest.fixture(params=["development", "production"])
def any_shipped_broker(request, broker_factory):
    """Each shipped configuration, with the credentials its clients need."""
    if request.param == "development":
        return broker_factory(), {}, {}
    broker, users = request.getfixturevalue("production_broker")
    ingest = {"username": "coldchain-ingest", "password": users["coldchain-ingest"]}
    gateway = {"username": "G1", "password": users["G1"]}
    return broker, ingest, gateway


def test_offline_persistent_session_keeps_backlog_across_broker_restart(any_shipped_broker):
    """2,500 QoS 1 messages for an offline consumer survive a broker restart."""
    broker, ingest_auth, gateway_auth = any_shipped_broker
    topic_filter = "sites/+/gateways/+/sensors/+/telemetry"
    consumer = Collector(broker.host, broker.port, "ingest-test", clean=False, **ingest_auth)
    consumer.start(topic_filter, qos=1)
    consumer.stop()  # offline now; the broker queues for its persistent session

    count = 2500  # more than Mosquitto's default queue limit of 1000
    items = [
        (f"sites/S1/gateways/G1/sensors/T{i % 7}/telemetry", f'{{"seq": {i}}}'.encode())
        for i in range(count)
    ]
    publish_all(broker.host, broker.port, "gateway-G1", items, **gateway_auth)
    broker.restart()  # SIGTERM: the broker writes its persistence file

    consumer = Collector(broker.host, broker.port, "ingest-test", clean=False, **ingest_auth)
    received = consumer.start().wait_for(count, timeout=30)
    consumer.stop()
    sequences = sorted(int(payload.decode()[8:-1]) for _, payload in received)
    assert sequences == list(range(count))
