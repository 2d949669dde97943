"""The "EDI framework storage" transport against a real SFTP server (OpenSSH's
sshd on loopback, key pair made by the test): send and receive, a server that is
down (retried, nothing lost) and a file that appears twice (processed once)."""

import json
import os
from datetime import date

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged

from .common import Simulated3PL, WmsBridgeCase, run_all_jobs
from .sftp_server import LoopbackSftpServer


@tagged("post_install", "-at_install")
class TestSftpTransport(WmsBridgeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = LoopbackSftpServer()
        cls.addClassCleanup(cls.server.cleanup)
        cls.server.start()
        storage = cls.env["fs.storage"].create(
            {
                "name": "3PL Reno SFTP",
                "code": "reno_sftp",
                "protocol": "sftp",
                "options": json.dumps(cls.server.options()),
                "directory_path": cls.server.data,
            }
        )
        cls.threepl.edi_backend_id.sudo().write(
            {
                "storage_id": storage.id,
                "output_dir_pending": "outbox",
                "input_dir_pending": "inbox",
                "input_dir_done": "done",
            }
        )
        cls.threepl.write({"transport": "storage", "timeout": 3})
        # the 3PL's side: reads our outbox and answers into our inbox, on the server
        cls.remote = Simulated3PL(cls.server.root, folder="data")

    def setUp(self):
        super().setUp()
        if self.server.process is None:
            self.server.start()
        for folder in ("inbox", "outbox", "done"):
            for name in os.listdir(self.server.path(folder)):
                os.unlink(self.server.path(folder, name))

    def _poll(self):
        with trap_jobs() as trap:
            received = self.threepl._poll_inbox()
            run_all_jobs(trap)
        return received

    def test_send_and_receive_over_sftp(self):
        picking = self._delivery([(self.milk, 24)])
        with trap_jobs() as trap:
            picking.action_assign()
            run_all_jobs(trap)
        order = picking.wms_order_exchange_id
        self.assertEqual(order.state, "sent", order.error_text)
        self.assertEqual(os.listdir(self.server.path("outbox")), [order.filename])
        self.assertEqual(self.remote.answer_940s(), [picking.name])
        received = self._poll()
        self.assertEqual(len(received), 2)
        self.assertEqual(set(received.mapped("state")), {"processed"})
        self.assertEqual(order.state, "acknowledged")
        self.assertEqual(picking.state, "done")
        # read files left the inbox for the done folder
        self.assertEqual(os.listdir(self.server.path("inbox")), [])
        self.assertEqual(len(os.listdir(self.server.path("done"))), 2)

    def test_server_down_retried_nothing_lost(self):
        picking = self._delivery([(self.milk, 24)])
        self.server.stop()
        with trap_jobs() as trap:
            picking.action_assign()
            trap.perform_enqueued_jobs()  # the first attempt only
        order = picking.wms_order_exchange_id
        self.assertEqual(order.state, "pending")
        self.assertEqual(order.retry_count, 1)
        self.assertTrue(order.next_retry)
        self.assertTrue(order.error_text)
        self.assertTrue(order.attachment_id)  # the payload waits
        # polling a server that is down: nothing received, nothing raised
        self.assertFalse(self.threepl._poll_inbox())
        self.server.start()
        with trap_jobs():
            order._job_send()  # the retry
        self.assertEqual(order.state, "sent", order.error_text)
        self.assertEqual(os.listdir(self.server.path("outbox")), [order.filename])

    def test_file_appearing_twice_processed_once(self):
        report = {
            "purpose": "00",
            "report_type": "DD",
            "ref": "INV-SFTP",
            "date": date(2024, 3, 15),
            "items": [{"product_ids": {"VN": "MILK-1L"}, "lot": "", "quantities": {"17": 37}}],
        }
        text = self.remote.send([("846", report)], name="stock.x12")
        self.remote.drop("stock-again.x12", text)  # the same interchange, a second time
        received = self._poll()
        self.assertEqual(len(received), 2)
        self.assertEqual(sorted(received.mapped("state")), ["duplicate", "processed"])
        reconciliations = self.env["wms.stock.reconciliation"].search(
            [("trading_partner_id", "=", self.threepl.id)]
        )
        self.assertEqual(len(reconciliations), 1)
        self.assertEqual(os.listdir(self.server.path("inbox")), [])
