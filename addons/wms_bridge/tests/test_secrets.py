"""Partner secrets and outbound URLs: what may be named, what may be saved, and
where a secret may never appear (logs, records, messages)."""

import base64
import logging
import os
from unittest.mock import patch

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from ..engine.credentials import REDACTED, SECRET_ENV_PREFIX
from ..tools.settings import settings_from_values
from .common import LoopbackEndpoint, WmsBridgeCase, run_all_jobs
from .test_inbound_http import inventory_interchange

SERVER_SECRETS = (
    "PGPASSWORD",
    "DB_PASSWORD",
    "MQTT_INGEST_PASSWORD",
    "COLDCHAIN_MQTT_PASSWORD",
    "ODOO_ADMIN_PASSWD",
    "HOME",
    "wms_bridge_secret_west",
    "WMS_BRIDGE_SECRET_",
    "WMS_BRIDGE_SECRET_west",
    "WMS_BRIDGE_SECRET_WEST\n",
    "XWMS_BRIDGE_SECRET_WEST",
)


@tagged("post_install", "-at_install")
class TestSecretReferences(WmsBridgeCase):
    """A partner may only name WMS_BRIDGE_SECRET_* variables, holding usable values."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="wms_secret_manager", groups="wms_bridge.group_wms_bridge_manager"
        )

    def test_server_secrets_cannot_be_named(self):
        partner = self.threepl.with_user(self.manager)
        for name in SERVER_SECRETS:
            for field in ("http_secret_env", "inbound_secret_env"):
                with self.assertRaisesWith(ValidationError, SECRET_ENV_PREFIX):
                    partner.write({field: name})
        with self.assertRaisesWith(ValidationError, SECRET_ENV_PREFIX):
            self.env["wms.trading.partner"].with_user(self.manager).create(
                {
                    "name": "Exfiltration 3PL",
                    "partner_id": self.threepl_contact.id,
                    "drop_folder": "x",
                    "inbound_code": "exfil",
                    "inbound_secret_env": "PGPASSWORD",
                }
            )
        self.assertFalse(self.threepl.http_secret_env)
        self.assertFalse(self.threepl.inbound_secret_env)
        partner.write({"inbound_secret_env": "WMS_BRIDGE_SECRET_3PL_WEST_2"})

    def test_unusable_values_refused_on_save_and_reported(self):
        partner = self.threepl.with_user(self.manager)
        values = {
            "WMS_BRIDGE_SECRET_NEWLINE": ("s3cret-from-a-file\n", "whitespace", "newline"),
            "WMS_BRIDGE_SECRET_ACCENT": ("sécret", "not_printable_ascii", "printable ASCII"),
        }
        with patch.dict(os.environ, {name: value for name, (value, _s, _m) in values.items()}):
            for name, (value, _status, message) in values.items():
                with self.assertRaisesWith(ValidationError, message) as caught:
                    partner.write({"inbound_secret_env": name})
                self.assertIn(name, str(caught.exception))
                self.assertNotIn(value.strip(), str(caught.exception))
            # saved while the value was fine, then the server's value went wrong:
            # the form says so to administrators
            with patch.dict(os.environ, {"WMS_BRIDGE_SECRET_LATER": "fine"}):
                partner.write({"inbound_secret_env": "WMS_BRIDGE_SECRET_LATER"})
                partner.invalidate_recordset(["inbound_secret_status"])
                self.assertEqual(partner.inbound_secret_status, "ok")
            with patch.dict(os.environ, {"WMS_BRIDGE_SECRET_LATER": "fine\n"}):
                partner.invalidate_recordset(["inbound_secret_status"])
                self.assertEqual(partner.inbound_secret_status, "whitespace")
            partner.invalidate_recordset(["inbound_secret_status"])
            self.assertEqual(partner.inbound_secret_status, "unset")
        # integration users do not see secret statuses
        with self.assertRaises(AccessError):
            self.threepl.with_user(self.integration_user).read(["inbound_secret_status"])

    def test_outbound_secret_problem_parks_with_its_reason(self):
        endpoint = LoopbackEndpoint([200])
        self.addCleanup(endpoint.stop)
        self.threepl.write(
            {
                "transport": "http",
                "http_url": endpoint.url,
                "http_auth": "bearer",
                "http_secret_env": "WMS_BRIDGE_SECRET_OUT",
            }
        )
        with patch.dict(os.environ, {"WMS_BRIDGE_SECRET_OUT": "t0ken\r\n"}):
            picking = self._delivery([(self.milk, 5)])
            with trap_jobs() as trap:
                picking.action_assign()
                run_all_jobs(trap)
        exchange = picking.wms_order_exchange_id
        self.assertEqual(exchange.state, "parked")
        self.assertIn("WMS_BRIDGE_SECRET_OUT", exchange.error_text)
        self.assertIn("whitespace", exchange.error_text)
        self.assertNotIn("t0ken", exchange.error_text)
        self.assertFalse(endpoint.received, "nothing sent with an unusable secret")


@tagged("post_install", "-at_install")
class TestOutboundUrls(WmsBridgeCase):
    """https only (outside the test switch), no credentials in the URL, hosts of the
    company's allow-list; checked on save and again before sending."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="wms_url_manager", groups="wms_bridge.group_wms_bridge_manager"
        )

    def _switch(self, insecure):
        values = {"http_timeout": "2", "drop_root": self.drop_root}
        values["allow_insecure_http"] = "True" if insecure else "False"
        settings = patch(
            "odoo.addons.wms_bridge.models.wms_trading_partner.get_settings",
            return_value=settings_from_values(values),
        )
        settings.start()
        self.addCleanup(settings.stop)

    def test_https_required_outside_test_servers(self):
        self._switch(insecure=False)
        partner = self.threepl.with_user(self.manager)
        for url, message in (
            ("http://edi.3pl-west.example/in", "allow_insecure_http"),
            ("ftp://edi.3pl-west.example/in", "https://"),
            ("https://user:pw@edi.3pl-west.example/in", "user name or password"),
            ("https://edi.3pl-west.example/ in", "malformed"),
        ):
            with self.assertRaisesWith(ValidationError, message):
                partner.write({"transport": "http", "http_url": url})
        partner.write({"transport": "http", "http_url": "https://edi.3pl-west.example/in"})
        # a URL kept on a directory partner is checked too
        with self.assertRaisesWith(ValidationError, "allow_insecure_http"):
            partner.write({"transport": "directory", "http_url": "http://x.example/"})

    def test_allow_list_of_the_company(self):
        company = self.threepl.company_id
        with self.assertRaisesWith(ValidationError, "not host names"):
            company.wms_bridge_allowed_hosts = "https://edi.3pl-west.example/in"
        company.wms_bridge_allowed_hosts = "edi.3pl-west.example\n*.carrier.example"
        partner = self.threepl.with_user(self.manager)
        partner.write({"transport": "http", "http_url": "https://edi.3pl-west.example/in"})
        partner.write({"http_url": "https://api.carrier.example/edi"})
        with self.assertRaisesWith(ValidationError, "not on the allow-list"):
            partner.write({"http_url": "https://attacker.example/collect"})
        # the allow-list is the system administrators' (Settings), not the
        # integration administrators'
        with self.assertRaises(AccessError):
            company.with_user(self.manager).write({"wms_bridge_allowed_hosts": "attacker.example"})
        self.assertEqual(partner.http_url, "https://api.carrier.example/edi")

    def test_checked_again_before_sending(self):
        endpoint = LoopbackEndpoint([200])
        self.addCleanup(endpoint.stop)
        self.threepl.write({"transport": "http", "http_url": endpoint.url, "timeout": 1.0})
        # the allow-list changed since the URL was saved
        self.threepl.company_id.wms_bridge_allowed_hosts = "edi.3pl-west.example"
        picking = self._delivery([(self.milk, 5)])
        with trap_jobs() as trap:
            picking.action_assign()
            run_all_jobs(trap)
        exchange = picking.wms_order_exchange_id
        self.assertEqual(exchange.state, "parked")
        self.assertIn("not on the allow-list", exchange.error_text)
        self.assertFalse(endpoint.received)

    def test_redirects_are_not_followed(self):
        endpoint = LoopbackEndpoint(["redirect", 200])
        self.addCleanup(endpoint.stop)
        self.threepl.write({"transport": "http", "http_url": endpoint.url, "timeout": 1.0})
        picking = self._delivery([(self.milk, 5)])
        with trap_jobs() as trap:
            picking.action_assign()
            run_all_jobs(trap)
        exchange = picking.wms_order_exchange_id
        self.assertEqual(exchange.state, "parked")
        self.assertIn("redirects are not followed", exchange.error_text)
        self.assertEqual(len(endpoint.received), 1)


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


INBOUND_SECRET = "Kq8-inbound-SECRET-9f2c71"
OUTBOUND_SECRET = "Zr4-outbound-SECRET-0b8e55"


@tagged("post_install", "-at_install")
class TestSecretsNeverShown(WmsBridgeCase, HttpCase):
    """After successful and failed authentications and outbound calls, neither
    secret is in the captured log, nor anywhere in the database (every text column
    of every table: exchanges, messages, tracking, activities, jobs...), nor in a
    stored payload."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.threepl.write(
            {
                "inbound_code": "3pl-west-secrets",
                "inbound_auth": "basic",
                "inbound_username": "westedi",
                "inbound_secret_env": "WMS_BRIDGE_SECRET_TEST_IN",
                "http_auth": "basic",
                "http_username": "distribco",
                "http_secret_env": "WMS_BRIDGE_SECRET_TEST_OUT",
            }
        )

    def setUp(self):
        super().setUp()
        environ = patch.dict(
            os.environ,
            {
                "WMS_BRIDGE_SECRET_TEST_IN": INBOUND_SECRET,
                "WMS_BRIDGE_SECRET_TEST_OUT": OUTBOUND_SECRET,
            },
        )
        environ.start()
        self.addCleanup(environ.stop)
        self.capture = _Capture()
        root = logging.getLogger()
        root.addHandler(self.capture)
        self.addCleanup(root.removeHandler, self.capture)
        # the bridge's own loggers and the HTTP client's at their most talkative
        for name in ("odoo.addons.wms_bridge", "urllib3", "requests"):
            logger = logging.getLogger(name)
            self.addCleanup(logger.setLevel, logger.level)
            logger.setLevel(logging.DEBUG)

    def _post(self, authorization, code="3pl-west-secrets"):
        return self.url_open(
            f"/wms_bridge/inbound/{code}",
            data=inventory_interchange(811),
            headers={"Content-Type": "application/edi-x12", "Authorization": authorization},
            method="POST",
        )

    @staticmethod
    def _basic(user, secret):
        return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()

    def _forms(self):
        """Every form a secret takes on the wire."""
        return [
            INBOUND_SECRET,
            OUTBOUND_SECRET,
            base64.b64encode(f"westedi:{INBOUND_SECRET}".encode()).decode(),
            base64.b64encode(f"distribco:{OUTBOUND_SECRET}".encode()).decode(),
        ]

    def _tables_containing(self, text):
        cr = self.env.cr
        cr.execute(
            """
            SELECT c.table_name, array_agg(c.column_name::text)
              FROM information_schema.columns c
              JOIN information_schema.tables t
                ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
               AND c.data_type IN ('text', 'character varying', 'jsonb', 'json')
             GROUP BY c.table_name
            """
        )
        found = []
        for table, columns in cr.fetchall():
            condition = " OR ".join(f'"{column}"::text LIKE %s' for column in columns)
            cr.execute(
                f'SELECT 1 FROM "{table}" WHERE {condition} LIMIT 1',
                [f"%{text}%"] * len(columns),
            )
            if cr.fetchone():
                found.append(table)
        return found

    def test_no_secret_in_logs_records_or_payloads(self):
        # inbound: accepted, then refused (wrong secret, the right secret under the
        # wrong scheme, the right secret for an unknown code)
        ok = self._post(self._basic("westedi", INBOUND_SECRET))
        self.assertEqual(ok.status_code, 202, ok.text)
        for authorization, code in (
            (self._basic("westedi", "guess"), "3pl-west-secrets"),
            (f"Bearer {INBOUND_SECRET}", "3pl-west-secrets"),
            (self._basic("westedi", INBOUND_SECRET), "no-such-partner"),
        ):
            self.assertEqual(self._post(authorization, code).status_code, 401)
        # outbound: delivered, then refused by a far end quoting the credentials
        endpoint = LoopbackEndpoint([200, "echo"])
        self.addCleanup(endpoint.stop)
        self.threepl.write({"transport": "http", "http_url": endpoint.url, "timeout": 1.0})
        sent = self.Exchange
        for _attempt in range(2):
            picking = self._delivery([(self.milk, 2)])
            with trap_jobs() as trap:
                picking.action_assign()
                run_all_jobs(trap)
            sent |= picking.wms_order_exchange_id
        self.assertEqual(sent.mapped("state"), ["sent", "parked"])
        self.assertIn(f"refused: Basic {REDACTED}", sent[1].error_text)
        # the far end did get the secret: the test is not vacuous
        first_headers = endpoint.received[0][0]
        self.assertEqual(first_headers["Authorization"], f"Basic {self._forms()[3]}")
        self.env.flush_all()
        log = "\n".join(self.capture.lines)
        self.assertIn("refused (unknown code or credentials)", log)
        for form in self._forms():
            self.assertNotIn(form, log)
            self.assertEqual(self._tables_containing(form), [], form)
        exchanges = self.Exchange.search([("trading_partner_id", "=", self.threepl.id)])
        self.assertTrue(exchanges.attachment_id)
        for exchange in exchanges:
            for form in self._forms():
                self.assertNotIn(form.encode(), exchange._payload_bytes())
                self.assertNotIn(form, exchange.payload_text or "")
