from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from ..engine import coldchain_states as states

SCALE = 0.02


@tagged("post_install", "-at_install")
class TestDemoColdchainStates(TransactionCase):
    """After the demo load the cold chain shows excursions in every state, from the
    evaluation of the day's readings, and the quality user's work waiting."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["distribution.demo.network"].load_all(SCALE)
        cls.Excursion = cls.env["coldchain.excursion"]
        cls.quality = cls.env["res.users"].search([("login", "=", "quality")])
        cls.operator = cls.env["res.users"].search([("login", "=", "warehouse")])

    def on(self, code, **domain):
        sensor = self.env["coldchain.sensor"].search([("code", "=", code)])
        self.assertEqual(len(sensor), 1, code)
        return self.Excursion.search(
            [("sensor_id", "=", sensor.id), *[(k, "=", v) for k, v in domain.items()]]
        )

    def episode(self, purpose, **domain):
        return self.on(states.EPISODE_OF[purpose].sensor, **domain)

    def _counts(self):
        cr = self.env.cr
        cr.execute("SELECT count(*) FROM coldchain_reading")
        return {
            "readings": cr.fetchone()[0],
            "excursions": self.Excursion.search_count([]),
            "exposures": self.env["coldchain.excursion.exposure"].search_count([]),
            "dispositions": self.env["coldchain.disposition"].search_count([]),
            "calibrations": self.env["coldchain.calibration"].search_count([]),
            "held": self.env["stock.lot"].search_count([("coldchain_hold", "=", True)]),
            "states": sorted(self.Excursion.search([]).mapped("state")),
        }

    def test_readings_are_few_and_recent(self):
        counts = self._counts()
        self.assertGreater(counts["readings"], 5000)
        self.assertLess(counts["readings"], 8000)
        self.env.cr.execute("SELECT max(ts) FROM coldchain_reading")
        newest = self.env.cr.fetchone()[0].replace(tzinfo=None)
        self.assertLess(abs(newest - fields.Datetime.now()), timedelta(hours=1))

    def test_open_excursion_not_acknowledged(self):
        spike = self.episode("open")
        self.assertEqual(spike.mapped("state"), ["open"])
        self.assertEqual(spike.rule_code, "FREEZER-INSTANT")
        self.assertFalse(spike.acknowledged_by)
        self.assertFalse(spike.escalated_at)
        self.assertTrue(spike.alerted_at)

    def test_acknowledged_excursion_awaits_a_disposition(self):
        warm = self.episode("acknowledged", rule_code="2-8C-DELAY15")
        self.assertEqual(len(warm), 1)
        self.assertEqual(warm.state, "acknowledged")
        self.assertEqual(warm.acknowledged_by, self.operator)
        self.assertEqual(warm.severity, "product_risk")
        held = warm.exposure_ids.filtered("hold").lot_id
        self.assertTrue(held, "exposed lots of Lyon's chilled zone are held")
        self.assertTrue(all(held.mapped("coldchain_hold")))
        # no disposition decided on this one yet (some lots have one of the first spell)
        self.assertFalse(
            self.env["coldchain.disposition"].search([("excursion_ids", "in", warm.ids)])
        )
        # what the quality user finds: the excursion, its exposed lots on hold to sign
        # (the instant rule's excursion of the same spell lists the same lots)
        as_quality = self.Excursion.with_user(self.quality).search(
            [("state", "=", "acknowledged"), ("exposure_ids.lot_hold", "=", True)]
        )
        self.assertEqual(as_quality, self.episode("acknowledged"))
        self.assertIn(warm, as_quality)
        lots = self.env["stock.lot"].with_user(self.quality).search([("coldchain_hold", "=", True)])
        self.assertEqual(lots, held)

    def test_closed_excursion_has_a_signed_disposition(self):
        closed = self.episode("closed")
        self.assertEqual(sorted(closed.mapped("rule_code")), ["2-8C-DELAY15", "2-8C-INSTANT"])
        self.assertEqual(set(closed.mapped("state")), {"closed"})
        self.assertEqual(closed.closed_by, self.quality)
        risk = closed.filtered(lambda e: e.severity == "product_risk")
        released = risk.exposure_ids.filtered("hold").lot_id
        self.assertTrue(released, "the first warm spell at Lyon exposed lots")
        # released then; the lots held now are held again by the second spell
        again = self.episode("acknowledged", rule_code="2-8C-DELAY15").exposure_ids
        self.assertLessEqual(released.filtered("coldchain_hold"), again.filtered("hold").lot_id)
        dispositions = released.coldchain_disposition_ids
        self.assertEqual(len(dispositions), len(released))
        self.assertEqual(set(dispositions.mapped("decision")), {"release"})
        self.assertEqual(dispositions.signed_by, self.quality)
        self.assertTrue(all(dispositions.mapped("signature_meaning")))
        self.assertEqual(dispositions.excursion_ids, risk)

    def test_escalated_door_and_monitoring_lost(self):
        escalated = self.episode("escalated")
        self.assertEqual(len(escalated), 1)
        self.assertEqual(escalated.state, "open")
        self.assertTrue(escalated.escalated_at)
        # only that one was escalated
        self.assertEqual(self.Excursion.search([("escalated_at", "!=", False)]), escalated)
        door = self.episode("door")
        self.assertEqual((door.kind, door.side, door.state), ("door", "open", "open"))
        self.assertFalse(door.exposure_ids)
        silent = self.episode("silent")
        self.assertEqual(len(silent), 1)
        self.assertEqual(
            (silent.category, silent.is_open, silent.state),
            ("monitoring_lost", False, "acknowledged"),
        )
        self.assertGreaterEqual(silent.duration_s, 20 * 60)

    def test_no_other_excursion(self):
        purposes = {e.sensor for e in states.EPISODES}
        others = self.Excursion.search([("sensor_id.code", "not in", list(purposes))])
        self.assertFalse(others, others.mapped("display_name"))

    def test_calibrations_due_and_overdue(self):
        today = fields.Date.context_today(self.env["coldchain.sensor"])
        sensors = self.env["coldchain.sensor"].search([("kind", "=", "temperature")])
        soon = sensors.filtered(
            lambda s: (
                s.calibration_due_date
                and today <= s.calibration_due_date <= today + timedelta(days=7)
            )
        )
        self.assertEqual(soon.mapped("code"), ["LYS-CHILL-T2"])
        self.assertEqual(soon.calibration_status, "due")
        overdue = sensors.filtered(lambda s: s.calibration_status == "expired")
        self.assertEqual(overdue.mapped("code"), ["RTM-FREEZE-T1"])
        self.assertLess(overdue.calibration_due_date, today)

    def test_loading_again_creates_nothing(self):
        before = self._counts()
        self.env["distribution.demo.network"].load_all(SCALE)
        self.env["distribution.demo.network"].load_stage(
            "coldchain_states", SCALE, fields.Datetime.now() + timedelta(hours=3)
        )
        self.assertEqual(self._counts(), before)
