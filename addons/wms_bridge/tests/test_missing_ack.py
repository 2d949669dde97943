from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged

from .common import WmsBridgeCase, run_all_jobs


@tagged("post_install", "-at_install")
class TestMissingAck(WmsBridgeCase):
    def test_alert_after_partner_timeout(self):
        self.threepl.ack_timeout_hours = 4
        start = fields.Datetime.from_string("2024-03-15 08:00:00")
        with freeze_time(start):
            picking = self._delivery([(self.milk, 5)])
            with trap_jobs() as trap:
                picking.action_assign()
                run_all_jobs(trap)
        exchange = picking.wms_order_exchange_id
        self.assertEqual(exchange.state, "sent")
        with freeze_time(start + timedelta(hours=3)):
            self.assertFalse(self.Exchange._check_missing_acks())
        with freeze_time(start + timedelta(hours=5)):
            late = self.Exchange._check_missing_acks()
        self.assertEqual(late, exchange)
        self.assertTrue(exchange.ack_alert_sent)
        self.assertEqual(exchange.activity_ids.user_id, self.integration_user)
        self.assertIn("no acknowledgment", exchange.activity_ids.summary)
        # one alert only
        with freeze_time(start + timedelta(hours=9)):
            self.assertFalse(self.Exchange._check_missing_acks())
        # the dashboard shows it as the oldest unacknowledged exchange
        row = self.env["wms.exchange.report"].search([("id", "=", exchange.id)])
        self.assertEqual(row.unacked_count, 1)
        self.assertGreater(row.unacked_hours, 0)
