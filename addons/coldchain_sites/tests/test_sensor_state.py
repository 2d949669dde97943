from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import ColdchainCase


@tagged("post_install", "-at_install")
class TestSensorState(ColdchainCase):
    """Registration rules and lifecycle of gateways and sensors."""

    def test_new_sensor_is_active_and_inherits_site(self):
        self.assertRecordValues(
            self.sensor_a,
            [
                {
                    "state": "active",
                    "warehouse_id": self.site_a.id,
                    "company_id": self.site_a.company_id.id,
                    "profile_id": self.profile.id,
                    "last_seen": False,
                }
            ],
        )
        self.assertEqual(self.gateway_a.topic_prefix, "sites/TSA/gateways/T-GWA/")
        self.assertEqual(self.site_a.coldchain_sensor_count, 2)
        self.assertEqual(self.gateway_a.sensor_count, 2)

    def test_retiring_a_gateway_retires_its_sensors(self):
        self.gateway_a.action_retire()
        self.assertEqual(set((self.sensor_a | self.sensor_a2).mapped("state")), {"retired"})
        self.assertEqual(self.sensor_b.state, "active")
        self.gateway_a.action_reactivate()
        self.assertEqual(self.gateway_a.state, "active")

    def test_zone_must_be_at_the_gateway_site(self):
        with self.assertRaises(ValidationError):
            self.sensor_a.location_id = self.zone_b

    def test_codes_are_topic_safe(self):
        with self.assertRaises(ValidationError):
            self.env["coldchain.sensor"].create(
                {"name": "bad", "code": "a/b#", "gateway_id": self.gateway_a.id}
            )

    def test_product_requirement_falls_back_to_category(self):
        category = self.env["product.category"].create(
            {"name": "Test cold category", "coldchain_profile_id": self.profile.id}
        )
        product = self.env["product.template"].create({"name": "Vaccine", "categ_id": category.id})
        self.assertEqual(product.coldchain_effective_profile_id, self.profile)
