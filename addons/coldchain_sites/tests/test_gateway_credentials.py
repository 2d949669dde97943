"""Gateway broker credentials issued and revoked from Odoo, proven on a real Mosquitto.

A coldchain administrator issues a generated password (shown once, only its hash
kept), Odoo writes the broker's password and ACL files, and the broker -- the
repository's production configuration, TLS only, started by the test -- lets each
gateway publish only under its own site/gateway prefix; a revoked gateway cannot
connect.  Only administrators may issue, revoke or sync, checked in the methods:
hostile callers over JSON-RPC are refused and change nothing.
"""

import getpass
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from unittest.mock import patch

import paho.mqtt.client as mqtt

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged

from ..engine import telemetry_auth
from .common import ColdchainCase

REPOSITORY = Path(__file__).resolve().parents[3]
SHIPPED_CONF = REPOSITORY / "config" / "mosquitto" / "mosquitto.conf"
INGEST_PASSWORD = "ingest-test-secret-1234"


class CredentialCase(ColdchainCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="cold_test_broker_admin",
            groups="coldchain_sites.group_coldchain_manager",
        )

    def setUp(self):
        super().setUp()
        self.auth_dir = Path(tempfile.mkdtemp(prefix="coldchain-auth-"))
        self.addCleanup(shutil.rmtree, self.auth_dir, ignore_errors=True)
        self.settings = {
            "auth_dir": str(self.auth_dir),
            "pid_file": None,
            "service_user": "coldchain-ingest",
        }
        Gateway = type(self.env["coldchain.gateway"])
        patcher = patch.object(Gateway, "_broker_settings", lambda model: dict(self.settings))
        patcher.start()
        self.addCleanup(patcher.stop)
        environ = patch.dict(os.environ, {"COLDCHAIN_MQTT_PASSWORD": INGEST_PASSWORD})
        environ.start()
        self.addCleanup(environ.stop)

    def password_hash(self, gateway):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT mqtt_password_hash FROM coldchain_gateway WHERE id = %s", [gateway.id]
        )
        return self.env.cr.fetchone()[0]

    def issue(self, gateway, user=None):
        action = gateway.with_user(user or self.manager).action_issue_mqtt_credential()
        return action["context"]["default_password"]

    def file(self, name):
        return (self.auth_dir / name).read_text()


@tagged("post_install", "-at_install")
class TestGatewayCredentials(CredentialCase):
    def test_issue_shows_the_password_once_and_keeps_only_its_hash(self):
        action = self.gateway_a.with_user(self.manager).action_issue_mqtt_credential()
        password = action["context"]["default_password"]
        self.assertEqual(action["res_model"], "coldchain.gateway.credential.wizard")
        self.assertEqual(len(password), 32)
        stored = self.password_hash(self.gateway_a)
        self.assertTrue(stored.startswith("$7$"))
        self.assertTrue(telemetry_auth.verify_password(password, stored))
        self.assertRecordValues(
            self.gateway_a,
            [{"mqtt_credential_state": "active", "mqtt_credential_issued_by_id": self.manager.id}],
        )
        # the dialog never stores it, even when a client saves it
        wizard = (
            self.env["coldchain.gateway.credential.wizard"]
            .with_user(self.manager)
            .create({"gateway_id": self.gateway_a.id, "password": password})
        )
        self.assertFalse(wizard.password)
        # the password is nowhere in the database, the hash in no ORM field
        self.env.flush_all()
        for table, column in (
            ("coldchain_gateway_credential_wizard", "password"),
            ("mail_message", "body"),
            ("mail_tracking_value", "new_value_char"),
        ):
            self.env.cr.execute(
                f"SELECT count(*) FROM {table} WHERE {column}::text LIKE %s", [f"%{password}%"]
            )
            self.assertEqual(self.env.cr.fetchone()[0], 0, table)
        self.assertNotIn("mqtt_password_hash", self.env["coldchain.gateway"]._fields)
        # the broker files hold the hash and the gateway's own prefix
        self.assertIn(f"T-GWA:{stored}\n", self.file("passwd"))
        self.assertIn("user T-GWA\ntopic write sites/TSA/gateways/T-GWA/#\n", self.file("acl"))
        ingest = telemetry_auth.password_entry(self.file("passwd"), "coldchain-ingest")
        self.assertTrue(telemetry_auth.verify_password(INGEST_PASSWORD, ingest))

    def test_a_new_password_replaces_the_old_one_and_revoking_forgets_it(self):
        first = self.issue(self.gateway_a)
        second = self.issue(self.gateway_a)
        stored = self.password_hash(self.gateway_a)
        self.assertFalse(telemetry_auth.verify_password(first, stored))
        self.assertTrue(telemetry_auth.verify_password(second, stored))
        self.issue(self.gateway_b)
        self.gateway_a.with_user(self.manager).action_revoke_mqtt_credential()
        self.assertIsNone(self.password_hash(self.gateway_a))
        self.assertRecordValues(
            self.gateway_a,
            [
                {
                    "mqtt_credential_state": "revoked",
                    "mqtt_credential_revoked_by_id": self.manager.id,
                }
            ],
        )
        self.assertNotIn("T-GWA", self.file("passwd") + self.file("acl"))
        self.assertIn("user T-GWB\ntopic write sites/TSB/gateways/T-GWB/#", self.file("acl"))
        with self.assertRaises(UserError):  # nothing left to revoke
            self.gateway_a.with_user(self.manager).action_revoke_mqtt_credential()

    def test_retired_gateways_get_no_password_and_leave_the_files(self):
        self.issue(self.gateway_a)
        self.gateway_a.action_retire()
        self.env["coldchain.gateway"].with_user(self.manager).action_sync_broker_credentials()
        self.assertNotIn("T-GWA", self.file("passwd"))
        with self.assertRaises(UserError):
            self.issue(self.gateway_a)

    def test_only_coldchain_administrators_issue_revoke_and_sync(self):
        self.issue(self.gateway_a)
        before = self.password_hash(self.gateway_a)
        for user in (self.operator, self.quality):
            with self.assertRaises(AccessError):
                self.gateway_a.with_user(user).action_issue_mqtt_credential()
            with self.assertRaises(AccessError):
                self.gateway_a.with_user(user).action_revoke_mqtt_credential()
            with self.assertRaises(AccessError):
                self.env["coldchain.gateway"].with_user(user).action_sync_broker_credentials()
        self.assertEqual(self.password_hash(self.gateway_a), before)
        self.assertEqual(self.gateway_a.mqtt_credential_state, "active")

    def test_credential_fields_refuse_every_direct_write(self):
        for env in (self.env, self.env(user=self.manager)):  # superuser and administrator
            gateway = self.gateway_b.with_env(env)
            with self.assertRaises(AccessError):
                gateway.write({"mqtt_credential_state": "active"})
            with self.assertRaises(AccessError):
                gateway.with_context(coldchain_sites_broker_credential=True).write(
                    {"mqtt_credential_issued_by_id": self.manager.id}
                )
            with self.assertRaises(AccessError):
                env["coldchain.gateway"].create(
                    {"name": "Forged", "code": "T-FORGED", "warehouse_id": self.site_a.id,
                     "mqtt_credential_state": "active"}
                )  # fmt: skip
        self.assertEqual(self.gateway_b.mqtt_credential_state, "none")

    def test_sync_needs_its_directory_and_the_service_users_entry(self):
        Gateway = self.env["coldchain.gateway"].with_user(self.manager)
        self.settings["auth_dir"] = None
        with self.assertRaises(UserError):
            Gateway.action_sync_broker_credentials()
        self.assertEqual(self.issue(self.gateway_a).__class__, str)  # issuing still works
        self.settings["auth_dir"] = str(self.auth_dir)
        Gateway.action_sync_broker_credentials()
        entry = telemetry_auth.password_entry(self.file("passwd"), "coldchain-ingest")
        # without COLDCHAIN_MQTT_PASSWORD, the service's line of the current file is kept
        with patch.dict(os.environ, {}, clear=True):
            Gateway.action_sync_broker_credentials()
            self.assertEqual(
                telemetry_auth.password_entry(self.file("passwd"), "coldchain-ingest"), entry
            )
            (self.auth_dir / "passwd").unlink()
            with self.assertRaises(UserError):
                Gateway.action_sync_broker_credentials()


@tagged("post_install", "-at_install")
class TestGatewayCredentialsOnMosquitto(CredentialCase):
    """The files Odoo writes, read by the shipped production broker configuration."""

    def setUp(self):
        super().setUp()
        self.work = Path(tempfile.mkdtemp(prefix="coldchain-broker-"))
        self.addCleanup(shutil.rmtree, self.work, ignore_errors=True)
        self.certs = self._certificates(self.work / "certs")
        self.broker = None
        self.addCleanup(self._stop_broker)

    def _certificates(self, directory):
        directory.mkdir()

        def run(*args):
            subprocess.run(
                ["openssl", *args], check=True, capture_output=True, cwd=directory, timeout=60
            )

        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
            "-days", "2", "-subj", "/CN=coldchain test CA")  # fmt: skip
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=localhost")  # fmt: skip
        (directory / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.crt", "-days", "2",
            "-extfile", "san.cnf")  # fmt: skip
        return directory

    def _start_broker(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        text = SHIPPED_CONF.read_text()
        for old, new in {
            "persistence_location /mosquitto/data/": f"persistence_location {self.work}/",
            "/mosquitto/certs/": f"{self.certs}/",
            "/mosquitto/auth/": f"{self.auth_dir}/",
            "listener 8883 0.0.0.0": f"listener {self.port} 127.0.0.1",
        }.items():
            self.assertIn(old, text)
            text = text.replace(old, new)
        text += f"\nuser {getpass.getuser()}\npid_file {self.work}/mosquitto.pid\n"
        (self.work / "mosquitto.conf").write_text(text)
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        log = (self.work / "mosquitto.log").open("ab")
        self.broker = subprocess.Popen(
            [binary, "-c", str(self.work / "mosquitto.conf")], stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        self.assertTrue((self.work / "mosquitto.pid").exists())
        # from now on Odoo reloads this broker after writing its files
        self.settings["pid_file"] = str(self.work / "mosquitto.pid")

    def _stop_broker(self):
        if self.broker and self.broker.poll() is None:
            self.broker.send_signal(signal.SIGKILL)
            self.broker.wait(10)

    def _client(self, username, password, client_id):
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
        client.tls_set(ca_certs=str(self.certs / "ca.crt"), tls_version=ssl.PROTOCOL_TLS_CLIENT)
        client.username_pw_set(username, password)
        client.reconnect_delay_set(60, 60)  # one attempt per test step
        state = {"rc": None, "connected": threading.Event(), "messages": []}

        def on_connect(client_, userdata, flags, reason_code, properties):
            state["rc"] = reason_code
            state["connected"].set()

        client.on_connect = on_connect
        client.on_message = lambda c, u, message: state["messages"].append(
            (message.topic, message.payload)
        )
        client.connect("127.0.0.1", self.port, keepalive=30)
        client.loop_start()
        self.assertTrue(state["connected"].wait(10), "no CONNACK")
        self.addCleanup(client.loop_stop)
        return client, state

    def test_gateway_a_cannot_publish_under_b_and_a_revoked_gateway_cannot_connect(self):
        password_a = self.issue(self.gateway_a)
        password_b = self.issue(self.gateway_b)
        self._start_broker()
        ingest, ingest_state = self._client("coldchain-ingest", INGEST_PASSWORD, "t-ingest")
        self.assertFalse(ingest_state["rc"].is_failure)
        subscribed = threading.Event()
        ingest.on_subscribe = lambda *args: subscribed.set()
        ingest.subscribe("sites/#", qos=1)
        self.assertTrue(subscribed.wait(10))

        gateway_a, state_a = self._client("T-GWA", password_a, "t-gwa")
        self.assertFalse(state_a["rc"].is_failure)
        infos = [
            gateway_a.publish("sites/TSA/gateways/T-GWA/telemetry", b"A own", qos=1),
            gateway_a.publish("sites/TSB/gateways/T-GWB/telemetry", b"A as B", qos=1),
            gateway_a.publish("sites/TSA/gateways/T-GWB/telemetry", b"A as B at A", qos=1),
            gateway_a.publish("sites/TSB/gateways/T-GWA/telemetry", b"A at B", qos=1),
        ]
        for info in infos:
            info.wait_for_publish(10)
        gateway_b, _state_b = self._client("T-GWB", password_b, "t-gwb")
        gateway_b.publish("sites/TSB/gateways/T-GWB/telemetry", b"B own", qos=1).wait_for_publish(
            10
        )
        deadline = time.monotonic() + 10
        while len(ingest_state["messages"]) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        self.assertEqual(
            sorted(ingest_state["messages"]),
            [
                ("sites/TSA/gateways/T-GWA/telemetry", b"A own"),
                ("sites/TSB/gateways/T-GWB/telemetry", b"B own"),
            ],
        )
        # A's password does not open B's account
        _wrong, wrong_state = self._client("T-GWB", password_a, "t-wrong")
        self.assertTrue(wrong_state["rc"].is_failure)

        # revoked in Odoo: files rewritten, broker reloaded (SIGHUP), A is out
        self.gateway_a.with_user(self.manager).action_revoke_mqtt_credential()
        deadline = time.monotonic() + 10
        while gateway_a.is_connected() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse(gateway_a.is_connected(), "the revoked gateway stayed connected")
        _again, again_state = self._client("T-GWA", password_a, "t-gwa-again")
        self.assertTrue(again_state["rc"].is_failure)
        _b_again, b_again_state = self._client("T-GWB", password_b, "t-gwb-again")
        self.assertFalse(b_again_state["rc"].is_failure)


@tagged("post_install", "-at_install")
class TestGatewayCredentialsHostileRpc(CredentialCase, HttpCase):
    """Callers over real HTTP JSON-RPC: refused, and nothing changes."""

    def call(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def assertRefused(self, model, method, args, kwargs=None):
        with self.assertRaises(JsonRpcException) as caught:
            self.call(model, method, args, kwargs)
        self.assertIn(str(caught.exception).rsplit(".", 1)[-1], ("AccessError", "UserError"))

    def test_hostile_callers_cannot_issue_revoke_sync_or_forge(self):
        self.issue(self.gateway_a)
        before = self.password_hash(self.gateway_a)
        files = self.file("passwd"), self.file("acl")
        forged = {"context": {"coldchain_sites_broker_credential": True}}
        for user in (self.operator, self.quality):
            self.authenticate(user.login, user.login)
            self.assertRefused(
                "coldchain.gateway", "action_issue_mqtt_credential", [[self.gateway_a.id]]
            )
            self.assertRefused(
                "coldchain.gateway", "action_revoke_mqtt_credential", [[self.gateway_a.id]]
            )
            self.assertRefused("coldchain.gateway", "action_sync_broker_credentials", [])
            self.assertRefused(
                "coldchain.gateway",
                "write",
                [[self.gateway_a.id], {"mqtt_credential_state": "revoked"}],
                forged,
            )
        # an administrator cannot forge the credential fields either
        self.authenticate(self.manager.login, self.manager.login)
        self.assertRefused(
            "coldchain.gateway",
            "write",
            [[self.gateway_b.id], {"mqtt_credential_state": "active"}],
            forged,
        )
        fields_info = self.call("coldchain.gateway", "fields_get", [], {"attributes": ["type"]})
        self.assertNotIn("mqtt_password_hash", fields_info)
        self.env.invalidate_all()
        self.assertEqual(self.password_hash(self.gateway_a), before)
        self.assertRecordValues(
            self.gateway_a | self.gateway_b,
            [{"mqtt_credential_state": "active"}, {"mqtt_credential_state": "none"}],
        )
        self.assertEqual((self.file("passwd"), self.file("acl")), files)
