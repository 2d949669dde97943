from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestWmsBridgeApp(HttpCase):
    """The WMS Bridge app is reachable by the integration team, and by nobody else."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.integration_user = new_test_user(
            cls.env, login="wms_tour_user", groups="wms_bridge.group_wms_bridge_user"
        )
        cls.outsider = new_test_user(cls.env, login="wms_outsider", groups="stock.group_stock_user")
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.env["stock.picking"].create(
            {
                "name": "TOUR/OUT/0001",
                "picking_type_id": warehouse.out_type_id.id,
                "location_id": warehouse.lot_stock_id.id,
                "location_dest_id": cls.env.ref("stock.stock_location_customers").id,
            }
        )

    def _visible_menus(self, user):
        menus = self.env["ir.ui.menu"].with_user(user).load_menus(debug=False)
        return {menu["xmlid"] for menu in menus.values() if menu.get("xmlid")}

    def test_menu_visible_to_group_only(self):
        root = "wms_bridge.wms_bridge_menu_root"
        self.assertIn(root, self._visible_menus(self.integration_user))
        self.assertNotIn(root, self._visible_menus(self.outsider))

    def test_jobs_menu_for_managers_only(self):
        jobs = "wms_bridge.wms_bridge_menu_jobs"
        self.assertNotIn(jobs, self._visible_menus(self.integration_user))
        manager = self.env.ref("wms_bridge.group_wms_bridge_manager")
        self.integration_user.group_ids = [(4, manager.id)]
        self.assertIn(jobs, self._visible_menus(self.integration_user))

    def test_tour_open_transfers(self):
        self.start_tour("/odoo", "wms_bridge_apps_tour", login=self.integration_user.login)
