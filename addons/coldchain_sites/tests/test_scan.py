from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .excursion_common import ExcursionCase


class ScanFixture:
    """A held lot and a clean lot in zone A, an excursion ongoing in zone A."""

    def make_scan_fixture(self):
        self.held = self.lot("SCAN-HELD")
        self.clean = self.lot("SCAN-CLEAN")
        self.tolerated = self.lot("SCAN-TOL", self.tolerant_product)
        self.move(-60, self.product, 5, self.supplier, self.zone_a, self.held)
        self.move(-60, self.tolerant_product, 2, self.supplier, self.zone_a, self.tolerated)
        self.insert_readings(self.warm_spell(back_at=None))
        self.evaluate(80)
        # the clean lot arrives after the excursion's exposure was computed, at site B
        self.move(85, self.product, 3, self.supplier, self.zone_b, self.clean)
        self.zone_a.barcode = "SCAN-ZONE"


@tagged("post_install", "-at_install")
class TestScanScreen(ScanFixture, ExcursionCase):
    def setUp(self):
        super().setUp()
        self.make_scan_fixture()
        self.Scan = self.env["coldchain.scan"]

    def test_lot_statuses(self):
        self.assertTrue(self.held.coldchain_hold)
        red = self.Scan.scan("SCAN-HELD")
        self.assertEqual((red["kind"], red["status"]), ("lot", "red"))
        self.assertIn("On cold-chain hold", red["reasons"][0])
        amber = self.Scan.scan("SCAN-TOL")
        self.assertEqual(amber["status"], "amber")
        self.assertIn("tolerated", " ".join(amber["reasons"]))
        green = self.Scan.scan("SCAN-CLEAN")
        self.assertEqual(green["status"], "green")
        self.assertEqual(self.Scan.scan("NOPE-123")["kind"], "unknown")

    def test_zone_status_and_check(self):
        zone = self.Scan.scan("SCAN-ZONE")
        self.assertEqual((zone["kind"], zone["status"]), ("location", "red"))
        self.assertIn("Excursion in progress", zone["reasons"][0])
        self.assertEqual(zone["temperature"], 12.0)
        result = (
            self.env["coldchain.zone.check"]
            .with_user(self.operator)
            .confirm(self.zone_a.id, "door closed")
        )
        check = self.env["coldchain.zone.check"].browse(result["id"])
        self.assertRecordValues(
            check,
            [
                {
                    "checked_by": self.operator.id,
                    "status": "red",
                    "note": "door closed",
                    "warehouse_id": self.site_a.id,
                }
            ],
        )
        with self.assertRaises(UserError):
            check.write({"note": "edited"})
        with self.assertRaises(UserError):
            check.unlink()
        with self.assertRaises(AccessError):
            self.env["coldchain.zone.check"].create(
                {
                    "location_id": self.zone_a.id,
                    "warehouse_id": self.site_a.id,
                    "company_id": self.env.company.id,
                    "checked_by": self.env.uid,
                    "checked_at": "2025-06-01 00:00:00",
                }
            )

    def test_package_takes_the_worst_lot(self):
        package = self.env["stock.package"].create({"name": "SCAN-PACK"})
        quant = self.env["stock.quant"].search(
            [("lot_id", "=", self.tolerated.id), ("location_id", "=", self.zone_a.id)]
        )
        quant.package_id = package
        result = self.Scan.scan("SCAN-PACK")
        self.assertEqual((result["kind"], result["status"]), ("package", "amber"))

    def test_quarantine_moves_a_held_lot_through_the_governed_path(self):
        result = self.held.with_user(self.operator).action_coldchain_quarantine()
        self.assertEqual(result["moved"], 1)
        quarantine = self.site_a.coldchain_quarantine_location_id
        self.assertTrue(quarantine)
        quants = self.env["stock.quant"].search(
            [("lot_id", "=", self.held.id), ("quantity", ">", 0)]
        )
        self.assertEqual(quants.location_id, quarantine)
        self.assertTrue(self.held.coldchain_hold)  # still held: only a disposition releases

    def test_hostile_callers_are_refused(self):
        outsider = new_test_user(self.env, login="scan_outsider", groups="stock.group_stock_user")
        with self.assertRaises(AccessError):
            self.Scan.with_user(outsider).scan("SCAN-HELD")
        with self.assertRaises(AccessError):
            self.held.with_user(outsider).action_coldchain_quarantine()
        with self.assertRaises(AccessError):
            self.env["coldchain.zone.check"].with_user(outsider).confirm(self.zone_a.id)
        # an operator of site A acts on site B's lot or zone: refused on the server
        with self.assertRaises(AccessError):
            self.clean.with_user(self.operator).action_coldchain_quarantine()
        self.zone_b.coldchain_profile_id = self.profile
        with self.assertRaises(AccessError):
            self.env["coldchain.zone.check"].with_user(self.operator).confirm(self.zone_b.id)
        # and the sentinel cannot be faked from a context
        with self.assertRaises(AccessError):
            self.env["coldchain.zone.check"].with_context(coldchain_sites_governed=True).with_user(
                self.operator
            ).create(
                {
                    "location_id": self.zone_a.id,
                    "warehouse_id": self.site_a.id,
                    "company_id": self.env.company.id,
                    "checked_by": self.operator.id,
                    "checked_at": "2025-06-01 00:00:00",
                }
            )


@tagged("post_install", "-at_install")
class TestScanTour(ScanFixture, ExcursionCase, HttpCase):
    """Scans simulated on a phone-sized screen."""

    def test_scan_tour(self):
        excursions = self.env["coldchain.excursion"]
        self.make_scan_fixture()
        self.operator.group_ids = [(4, self.env.ref("stock.group_stock_multi_locations").id)]
        self.browser_size = "390x844"
        self.touch_enabled = True
        self.start_tour(
            "/odoo/action-coldchain_sites.coldchain_scan_screen_action",
            "coldchain_scan_tour",
            login=self.operator.login,
        )
        check = self.env["coldchain.zone.check"].search([("location_id", "=", self.zone_a.id)])
        self.assertEqual(check.note, "Door closed, alarm heard")
        self.assertEqual(check.checked_by, self.operator)
        self.assertEqual(
            self.env["stock.quant"]
            .search([("lot_id", "=", self.held.id), ("quantity", ">", 0)])
            .location_id,
            self.site_a.coldchain_quarantine_location_id,
        )
        acknowledged = excursions.search([("acknowledged_by", "=", self.operator.id)])
        self.assertEqual(len(acknowledged), 1)


@tagged("post_install", "-at_install")
class TestScanExposureWording(ExcursionCase):
    def test_exposed_but_not_at_risk_is_not_called_tolerated(self):
        # 10 minutes at 12 °C: the instant rule fires (operator), the 15-minute one not
        lot = self.lot("SCAN-BRIEF")
        self.move(-60, self.product, 4, self.supplier, self.zone_a, lot)
        rows = self.readings(self.sensor_a, 0, 30, 5, 5.0)
        rows += self.readings(self.sensor_a, 30, 40, 5, 12.0)
        rows += self.readings(self.sensor_a, 40, 70, 5, 5.0)
        self.insert_readings(rows)
        self.evaluate(75)
        self.assertTrue(lot.coldchain_exposure_ids)
        self.assertFalse(lot.coldchain_hold)
        result = self.env["coldchain.scan"].scan("SCAN-BRIEF")
        self.assertEqual(result["status"], "amber")
        why = " ".join(result["reasons"])
        self.assertIn("not at product risk", why)
        # its own range (2-8 °C) does not tolerate 12 °C: the screen must not say so
        self.assertNotIn("tolerated", why)
