from odoo.tests import HttpCase, new_test_user, tagged


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
