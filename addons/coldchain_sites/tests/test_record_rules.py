from datetime import UTC, datetime

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ColdchainCase


@tagged("post_install", "-at_install")
class TestRecordRules(ColdchainCase):
    """A site-scoped operator sees their sites only, an operator with no site sees
    none, the "All sites" group (and quality) sees every site of its companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator_a = cls.operator  # site A only
        cls.no_site = new_test_user(
            cls.env, login="cold_test_no_site", groups="coldchain_sites.group_coldchain_operator"
        )
        cls.all_sites = new_test_user(
            cls.env,
            login="cold_test_all_sites",
            groups="coldchain_sites.group_coldchain_operator,"
            "coldchain_sites.group_coldchain_all_sites",
        )

    def test_site_scoped_operator(self):
        t0 = datetime(2025, 5, 1, tzinfo=UTC)
        self.insert_readings([(self.sensor_a, t0, 4.0), (self.sensor_b, t0, 5.0)])
        ours = self.sensor_a | self.sensor_a2 | self.sensor_b
        domain = [("id", "in", ours.ids)]
        Sensor = self.env["coldchain.sensor"]
        self.assertEqual(
            Sensor.with_user(self.operator_a).search(domain), self.sensor_a | self.sensor_a2
        )
        self.assertEqual(Sensor.with_user(self.all_sites).search(domain), ours)
        self.assertEqual(Sensor.with_user(self.quality).search(domain), ours)

        gateways = (
            self.env["coldchain.gateway"]
            .with_user(self.operator_a)
            .search([("id", "in", (self.gateway_a | self.gateway_b).ids)])
        )
        self.assertEqual(gateways, self.gateway_a)

        Reading = self.env["coldchain.reading"]
        reading_domain = [("sensor_id", "in", ours.ids)]
        self.assertEqual(
            Reading.with_user(self.operator_a).search(reading_domain).sensor_id, self.sensor_a
        )
        self.assertEqual(
            Reading.with_user(self.quality).search(reading_domain).sensor_id,
            self.sensor_a | self.sensor_b,
        )
        with self.assertRaises(AccessError):
            self.sensor_b.with_user(self.operator_a).read(["name"])

    def test_operator_with_no_site_sees_none(self):
        t0 = datetime(2025, 5, 1, tzinfo=UTC)
        self.insert_readings([(self.sensor_a, t0, 4.0), (self.sensor_b, t0, 5.0)])
        for model, domain in (
            ("coldchain.sensor", [("id", "in", (self.sensor_a | self.sensor_b).ids)]),
            ("coldchain.gateway", [("id", "in", (self.gateway_a | self.gateway_b).ids)]),
            ("coldchain.reading", [("sensor_id", "in", (self.sensor_a | self.sensor_b).ids)]),
            ("coldchain.calibration", [("id", "=", self.calibration.id)]),
        ):
            with self.subTest(model=model):
                self.assertFalse(self.env[model].with_user(self.no_site).search(domain))
                self.assertTrue(self.env[model].with_user(self.all_sites).search(domain))

    def test_widening_the_scope_applies_at_once(self):
        domain = [("id", "in", (self.sensor_a | self.sensor_b).ids)]
        Sensor = self.env["coldchain.sensor"].with_user(self.operator_a)
        self.assertEqual(Sensor.search(domain), self.sensor_a)
        self.operator_a.coldchain_warehouse_ids = self.site_a | self.site_b
        self.assertEqual(Sensor.search(domain), self.sensor_a | self.sensor_b)
        self.operator_a.group_ids += self.env.ref("coldchain_sites.group_coldchain_all_sites")
        self.operator_a.coldchain_warehouse_ids = False
        self.assertEqual(Sensor.search(domain), self.sensor_a | self.sensor_b)

    def test_quality_and_administrators_work_on_every_site(self):
        all_sites = self.env.ref("coldchain_sites.group_coldchain_all_sites")
        for xmlid in ("group_coldchain_quality", "group_coldchain_manager"):
            group = self.env.ref(f"coldchain_sites.{xmlid}")
            self.assertIn(all_sites, group.all_implied_ids, xmlid)
        self.assertNotIn(
            all_sites, self.env.ref("coldchain_sites.group_coldchain_operator").all_implied_ids
        )

    def test_rules_are_noupdate(self):
        rules = self.env["ir.rule"].search(
            [
                ("model_id.model", "=like", "coldchain.%"),
                ("model_id.model", "!=", "coldchain.disposition.wizard"),
            ]
        )
        data = self.env["ir.model.data"].search(
            [
                ("model", "=", "ir.rule"),
                ("res_id", "in", rules.ids),
                ("module", "=", "coldchain_sites"),
            ]
        )
        self.assertTrue(data)
        self.assertTrue(all(data.mapped("noupdate")))
        # every model carrying company data has a global company rule
        for model in (
            "coldchain.gateway",
            "coldchain.sensor",
            "coldchain.calibration",
            "coldchain.reading",
            "coldchain.dead.letter",
            "coldchain.monitoring.event",
            "coldchain.excursion",
            "coldchain.excursion.exposure",
            "coldchain.disposition",
        ):
            with self.subTest(model=model):
                company_rules = rules.filtered(
                    lambda r, m=model: r.model_id.model == m and not r.groups
                )
                self.assertTrue(company_rules)
                site_rules = rules.filtered(
                    lambda r, m=model: r.model_id.model == m and bool(r.groups)
                )
                self.assertEqual(set(site_rules.groups.mapped("name")), {"Operator", "All sites"})

    def test_operator_cannot_configure(self):
        with self.assertRaises(AccessError):
            self.sensor_a.with_user(self.operator).write({"expected_interval": 30})
        with self.assertRaises(AccessError):
            self.env["coldchain.gateway"].with_user(self.quality).create(
                {"name": "x", "code": "x", "warehouse_id": self.site_a.id}
            )
