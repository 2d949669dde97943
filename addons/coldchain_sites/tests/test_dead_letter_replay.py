import hashlib
import json
from datetime import UTC, datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..engine import telemetry
from .common import ColdchainCase

INSERT_DEAD_LETTER = """
INSERT INTO coldchain_dead_letter (digest, topic, payload, item_index, reason_code,
                                   reason_text, gateway_id, received_at, payload_size)
VALUES (%s, %s, %s, %s, %s, 'test', %s, %s, %s) RETURNING id
"""


@tagged("post_install", "-at_install")
class TestDeadLetterReplay(ColdchainCase):
    """A sensor enrolled while the service ran: its readings were dead-lettered
    ``unknown_sensor``; a cold-chain manager replays them once, logged; nobody else
    can, and nothing else is replayed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="cold_test_replay_manager",
            groups="coldchain_sites.group_coldchain_manager,coldchain_sites.group_coldchain_all_sites",
        )  # fmt: skip
        cls.received = datetime(2025, 6, 1, 12, 5, tzinfo=UTC)

    def dead_letter(self, items, item_index=None, reason="unknown_sensor", cut=False):
        payload = json.dumps({"seq": 1, "readings": items}).encode()
        topic = f"sites/{self.site_a.code}/gateways/{self.gateway_a.code}/telemetry"
        self.env.cr.execute(
            INSERT_DEAD_LETTER,
            [
                hashlib.sha256(payload + str(item_index).encode() + reason.encode()).digest(),
                topic,
                payload[:10] if cut else payload,
                item_index,
                reason,
                self.gateway_a.id,
                self.received,
                len(payload),
            ],
        )
        return self.env["coldchain.dead.letter"].browse(self.env.cr.fetchone()[0])

    def item(self, minute, value, code=None):
        return {"sensor": code or self.sensor_a.code, "ts": f"2025-06-01T12:0{minute}:00Z",
                "value": value}  # fmt: skip

    def stored(self):
        self.env.cr.execute(
            "SELECT value FROM coldchain_reading WHERE sensor_id = %s ORDER BY ts",
            [self.sensor_a.id],
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def test_manager_replays_once_and_it_is_logged(self):
        # one reading of a batch was dead-lettered (index 1); the others were stored
        letter = self.dead_letter([self.item(0, 4.0), self.item(1, 4.5)], item_index=1)
        self.assertTrue(letter.replayable)
        letter.with_user(self.manager).action_replay()
        self.assertEqual(self.stored(), [4.5])  # only that reading
        log = self.env["coldchain.dead.letter.replay"].search([("dead_letter_id", "=", letter.id)])
        self.assertRecordValues(
            log, [{"user_id": self.manager.id, "readings_valid": 1, "readings_stored": 1,
                   "reason_code": "unknown_sensor"}],
        )  # fmt: skip
        self.env.cr.execute("SELECT count(*) FROM coldchain_reading_pending")
        self.assertTrue(self.env.cr.fetchone()[0])  # queued for the excursion evaluation
        letter.invalidate_recordset()
        self.assertTrue(letter.replayed)
        self.assertFalse(letter.replayable)
        with self.assertRaises(UserError):
            letter.with_user(self.manager).action_replay()  # once
        with self.assertRaises(AccessError):
            log.write({"readings_stored": 0})
        with self.assertRaises(AccessError):
            log.sudo().unlink()

    def test_still_unknown_is_logged_and_stores_nothing(self):
        letter = self.dead_letter([self.item(2, 4.0, code="T-NOBODY")])
        letter.with_user(self.manager).action_replay()
        log = self.env["coldchain.dead.letter.replay"].search([("dead_letter_id", "=", letter.id)])
        self.assertEqual(log.readings_stored, 0)
        self.assertIn("unknown_sensor", log.outcome)

    def test_hostile_callers_are_refused(self):
        letter = self.dead_letter([self.item(3, 4.0)])
        for user in (self.operator, self.quality):
            with self.assertRaises(AccessError):
                letter.with_user(user).action_replay()
        with self.assertRaises(AccessError):  # the log is written by the action only
            self.env["coldchain.dead.letter.replay"].sudo().create(
                {"dead_letter_id": letter.id, "user_id": self.operator.id}
            )
        self.assertEqual(self.stored(), [])
        self.assertFalse(self.env["coldchain.dead.letter.replay"].search_count([]))

    def test_causes_a_configuration_does_not_fix_are_refused(self):
        bad = self.dead_letter([self.item(4, 4.0)], reason="non_numeric")
        cut = self.dead_letter([self.item(5, 4.0)], cut=True)
        for letter in (bad, cut):
            with self.assertRaises(UserError):
                letter.with_user(self.manager).action_replay()
        self.assertEqual(self.stored(), [])
        self.assertIn("unknown_sensor", telemetry.REPLAYABLE)
