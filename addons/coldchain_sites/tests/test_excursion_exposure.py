from odoo.tests import tagged

from .excursion_common import ExcursionCase, naive


@tagged("post_install", "-at_install")
class TestExcursionExposure(ExcursionCase):
    """Excursion on sensor A from T0+30 to T0+60 min (12 °C, delay rule: product at risk)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.out_type = cls.site_a.out_type_id

    def exposure(self, excursion, lot=None, product=None):
        lines = excursion.exposure_ids.filtered(
            lambda x: (
                x.lot_id == (lot or self.env["stock.lot"])
                and (product is None or x.product_id == product)
            )
        )
        return lines

    def test_exposure_scenarios(self):
        left_before = self.lot("L-LEFT")
        arrived = self.lot("L-ARRIVED")
        partial = self.lot("L-PARTIAL")
        tolerant = self.lot("L-TOLERANT", self.tolerant_product)
        elsewhere = self.lot("L-SITE-B")
        self.move(-60, self.product, 10, self.supplier, self.zone_a, left_before)
        self.move(29, self.product, 10, self.zone_a, self.customer, left_before)  # 1 min before
        self.move(40, self.product, 4, self.supplier, self.zone_a, arrived)  # during
        self.move(-60, self.product, 10, self.supplier, self.shelf_a, partial)  # nested
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.out_type.id,
                "location_id": self.shelf_a.id,
                "location_dest_id": self.customer.id,
            }
        )
        self.move(45, self.product, 6, self.shelf_a, self.customer, partial, picking=picking)
        self.move(-60, self.tolerant_product, 3, self.supplier, self.zone_a, tolerant)
        self.move(-60, self.untracked, 7, self.supplier, self.zone_a)
        self.move(-60, self.product, 5, self.supplier, self.zone_b, elsewhere)
        # moves inside the zone change nothing
        self.move(50, self.untracked, 7, self.zone_a, self.shelf_a)

        self.insert_readings(self.warm_spell())
        self.evaluate(95)
        excursion = self.excursions(self.rule_delay)
        self.assertEqual(excursion.severity, "product_risk")

        self.assertFalse(self.exposure(excursion, left_before))
        self.assertFalse(self.exposure(excursion, elsewhere))
        self.assertRecordValues(
            self.exposure(excursion, arrived),
            [{"quantity": 4, "exposure_s": 1200, "first_at": naive(40), "hold": True}],
        )
        self.assertRecordValues(
            self.exposure(excursion, partial),
            [{"quantity": 10, "exposure_s": 1800, "tolerant": False, "hold": True}],
        )
        self.assertRecordValues(
            self.exposure(excursion, tolerant),
            [{"quantity": 3, "tolerant": True, "at_risk": False, "hold": False}],
        )
        self.assertRecordValues(
            self.exposure(excursion, product=self.untracked),
            [{"quantity": 7, "exposure_s": 1800, "at_risk": True, "hold": False}],
        )
        self.assertEqual(excursion.picking_ids, picking)
        self.assertIn(excursion, picking.coldchain_excursion_ids)
        self.assertEqual(picking.coldchain_excursion_count, 2)  # instant and delay rules
        self.assertTrue(arrived.coldchain_hold)
        self.assertTrue(partial.coldchain_hold)
        self.assertFalse(tolerant.coldchain_hold)
        self.assertFalse(left_before.coldchain_hold)
        self.assertEqual(arrived.coldchain_exposure_count, 2)

        # the instant rule (operator action) lists the same goods but holds nothing
        instant = self.excursions(self.rule_instant)
        self.assertEqual(instant.severity, "operator")
        self.assertTrue(self.exposure(instant, arrived))
        self.assertFalse(instant.exposure_ids.filtered("hold"))

    def test_open_excursion_exposes_up_to_now(self):
        lot = self.lot("L-OPEN")
        self.move(-60, self.product, 2, self.supplier, self.zone_a, lot)
        self.insert_readings(self.warm_spell(back_at=None))
        self.evaluate(90)
        excursion = self.excursions(self.rule_delay)
        self.assertTrue(excursion.is_open)
        self.assertRecordValues(
            self.exposure(excursion, lot), [{"exposure_s": 3600, "last_at": naive(90)}]
        )
        self.assertTrue(lot.coldchain_hold)
