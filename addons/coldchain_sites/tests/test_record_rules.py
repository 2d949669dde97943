from datetime import UTC, datetime

from odoo.tests import new_test_user, tagged

from .common import ColdchainCase


@tagged("post_install", "-at_install")
class TestRecordRules(ColdchainCase):
    """An operator limited to site A sees nothing of site B; quality sees both."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator_a = new_test_user(
            cls.env, login="cold_test_operator_a", groups="coldchain_sites.group_coldchain_operator"
        )
        cls.operator_a.coldchain_warehouse_ids = cls.site_a

    def test_site_scoped_operator(self):
        t0 = datetime(2025, 5, 1, tzinfo=UTC)
        self.insert_readings([(self.sensor_a, t0, 4.0), (self.sensor_b, t0, 5.0)])
        ours = self.sensor_a | self.sensor_a2 | self.sensor_b
        domain = [("id", "in", ours.ids)]
        Sensor = self.env["coldchain.sensor"]
        self.assertEqual(
            Sensor.with_user(self.operator_a).search(domain), self.sensor_a | self.sensor_a2
        )
        self.assertEqual(Sensor.with_user(self.operator).search(domain), ours)
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

    def test_widening_the_scope_applies_at_once(self):
        domain = [("id", "in", (self.sensor_a | self.sensor_b).ids)]
        Sensor = self.env["coldchain.sensor"].with_user(self.operator_a)
        self.assertEqual(Sensor.search(domain), self.sensor_a)
        self.operator_a.coldchain_warehouse_ids = self.site_a | self.site_b
        self.assertEqual(Sensor.search(domain), self.sensor_a | self.sensor_b)

    def test_operator_cannot_configure(self):
        from odoo.exceptions import AccessError

        with self.assertRaises(AccessError):
            self.sensor_a.with_user(self.operator).write({"expected_interval": 30})
        with self.assertRaises(AccessError):
            self.env["coldchain.gateway"].with_user(self.quality).create(
                {"name": "x", "code": "x", "warehouse_id": self.site_a.id}
            )
