from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged

from .common import LoopbackEndpoint, WmsBridgeCase, jobs_named, run_all_jobs


@tagged("post_install", "-at_install")
class TestHttpTransport(WmsBridgeCase):
    """HTTP POST to a real loopback endpoint: retry on 500 and timeouts, park on 400."""

    def _http_partner(self, endpoint):
        self.threepl.write(
            {"transport": "http", "http_url": endpoint.url, "timeout": 1.0, "max_retries": 2}
        )

    def _endpoint(self, script):
        endpoint = LoopbackEndpoint(script, sleep=2.5)
        self.addCleanup(endpoint.stop)
        self._http_partner(endpoint)
        return endpoint

    def _send_940(self):
        picking = self._delivery([(self.milk, 5)])
        with trap_jobs() as trap:
            picking.action_assign()
            self.assertEqual(len(jobs_named(trap, "_job_send")), 1)
            trap.perform_enqueued_jobs()
            return picking.wms_order_exchange_id, trap

    def test_500_then_200_is_retried_with_backoff(self):
        endpoint = self._endpoint([500, 200])
        picking = self._delivery([(self.milk, 5)])
        with trap_jobs() as trap:
            picking.action_assign()
            exchange = picking.wms_order_exchange_id
            trap.perform_enqueued_jobs()  # first attempt: HTTP 500
            self.assertEqual(exchange.state, "pending")
            self.assertEqual(exchange.retry_count, 1)
            self.assertIn("HTTP 500", exchange.error_text)
            self.assertTrue(exchange.next_retry)
            self.assertEqual(len(jobs_named(trap, "_job_send")), 1)
            trap.assert_enqueued_job(exchange._job_send, properties={"eta": exchange.next_retry})
            trap.perform_enqueued_jobs()  # retry: HTTP 200
        self.assertEqual(exchange.state, "sent")
        self.assertEqual(len(endpoint.received), 2)
        self.assertTrue(endpoint.received[1][1].startswith(b"ISA"))

    def test_400_is_parked(self):
        self._endpoint([400])
        exchange, _trap = self._send_940()
        self.assertEqual(exchange.state, "parked")
        self.assertIn("HTTP 400", exchange.error_text)
        self.assertTrue(exchange.activity_ids)

    def test_timeout_is_transient(self):
        # Odoo's test harness raises requests' timeouts to 10 s: the endpoint
        # answers after 10.5 s, so the call really times out once.
        endpoint = LoopbackEndpoint(["sleep", 200], sleep=10.5)
        self.addCleanup(endpoint.stop)
        self._http_partner(endpoint)
        picking = self._delivery([(self.milk, 5)])
        with trap_jobs() as trap:
            picking.action_assign()
            exchange = picking.wms_order_exchange_id
            trap.perform_enqueued_jobs()
            self.assertEqual(exchange.state, "pending")
            self.assertEqual(exchange.retry_count, 1)
            self.assertIn("timeout", exchange.error_text)
            trap.perform_enqueued_jobs()
        self.assertEqual(exchange.state, "sent")

    def test_transient_failures_parked_after_max_retries(self):
        self._endpoint([500, 503, 502])
        self.threepl.max_retries = 1
        picking = self._delivery([(self.milk, 5)])
        with trap_jobs() as trap:
            picking.action_assign()
            exchange = picking.wms_order_exchange_id
            run_all_jobs(trap)
        self.assertEqual(exchange.state, "parked")
        self.assertEqual(exchange.retry_count, 2)
        self.assertIn("Gave up after 2 attempts", exchange.error_text)
        # after a fix, Retry sends again
        exchange.trading_partner_id.transport = "directory"
        with trap_jobs() as trap:
            exchange.action_retry()
            trap.perform_enqueued_jobs()
        self.assertEqual(exchange.state, "sent")

    def test_secret_from_environment_only(self):
        self._endpoint([200])
        self.threepl.write(
            {"http_auth": "bearer", "http_secret_env": "WMS_BRIDGE_SECRET_TEST_UNSET"}
        )
        exchange, _trap = self._send_940()
        self.assertEqual(exchange.state, "parked")
        self.assertIn("WMS_BRIDGE_SECRET_TEST_UNSET", exchange.error_text)
        self.assertIn("not set", exchange.error_text)
