from odoo.tests import HttpCase, new_test_user, tagged

from ..models.governance import governed
from .common import SignatureMixin, tables_containing

TOUR_PASSWORD = "Tour-Sign-Pass-7305"
TOUR_WRONG_PASSWORD = "Wrong-Tour-Guess-4821"


@tagged("post_install", "-at_install")
class TestColdChainApp(HttpCase):
    """The Cold Chain app is reachable by cold-chain users, and by nobody else."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator = new_test_user(
            cls.env,
            login="cold_tour_operator",
            groups="coldchain_sites.group_coldchain_operator,stock.group_stock_multi_locations",
        )
        cls.outsider = new_test_user(
            cls.env, login="cold_outsider", groups="stock.group_stock_user"
        )
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        zone = cls.env["stock.location"].create(
            {
                "name": "Tour Cold Room",
                "location_id": warehouse.lot_stock_id.id,
                "usage": "internal",
            }
        )
        # the tour operator works at this site (a user with no site sees none)
        cls.operator.coldchain_warehouse_ids = warehouse
        gateway = cls.env["coldchain.gateway"].create(
            {"name": "Tour gateway", "code": "TOUR-GW", "warehouse_id": warehouse.id}
        )
        cls.env["coldchain.sensor"].create(
            {
                "name": "Tour Sensor",
                "code": "TOUR-T1",
                "gateway_id": gateway.id,
                "location_id": zone.id,
            }
        )

    def _visible_menus(self, user):
        menus = self.env["ir.ui.menu"].with_user(user).load_menus(debug=False)
        return {menu["xmlid"] for menu in menus.values() if menu.get("xmlid")}

    def test_menu_visible_to_group_only(self):
        root = "coldchain_sites.coldchain_sites_menu_root"
        self.assertIn(root, self._visible_menus(self.operator))
        self.assertNotIn(root, self._visible_menus(self.outsider))

    def test_quality_implies_operator(self):
        quality = self.env.ref("coldchain_sites.group_coldchain_quality")
        self.assertIn(self.env.ref("coldchain_sites.group_coldchain_operator"), quality.implied_ids)

    def test_tour_open_zones(self):
        self.start_tour("/odoo", "coldchain_sites_apps_tour", login=self.operator.login)


@tagged("post_install", "-at_install")
class TestSignatureTour(SignatureMixin, HttpCase):
    """Quality signs a disposition in the web client; the typed passwords are not
    stored anywhere."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.quality = new_test_user(
            cls.env,
            login="cold_tour_quality",
            name="Tour Quality",
            groups="coldchain_sites.group_coldchain_quality,stock.group_production_lot",
            password=TOUR_PASSWORD,
        )
        product = cls.env["product.product"].create(
            {"name": "Tour vaccine", "is_storable": True, "tracking": "lot"}
        )
        cls.lot = cls.env["stock.lot"].create({"name": "TOUR-HELD", "product_id": product.id})
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, 3, lot_id=cls.lot
        )
        governed(cls.lot).write({"coldchain_hold": True})  # as an excursion at risk does

    def test_tour_sign_disposition(self):
        self.purge_signature_failures(self.quality)
        self.start_tour(
            f"/odoo/action-stock.action_production_lot_form/{self.lot.id}",
            "coldchain_sites_sign_tour",
            login=self.quality.login,
        )
        self.env.invalidate_all()
        self.assertFalse(self.lot.coldchain_hold)
        self.assertRecordValues(
            self.lot.coldchain_disposition_ids,
            [{"decision": "release", "signed_by": self.quality.id}],
        )
        self.assertEqual(self.signature_outcomes(self.quality), ["wrong_password"])
        self.env.flush_all()
        for secret in (TOUR_PASSWORD, TOUR_WRONG_PASSWORD):
            with self.subTest(secret=secret):
                self.assertEqual(tables_containing(self.env.cr, secret), [])
