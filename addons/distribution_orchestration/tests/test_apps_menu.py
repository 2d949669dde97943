from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestDistributionApp(HttpCase):
    """The Distribution app is reachable by its users, and by nobody else."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env,
            login="dist_tour_user",
            groups="distribution_orchestration.group_orchestration_user",
        )
        cls.outsider = new_test_user(cls.env, login="dist_outsider", groups="base.group_user")
        cls.env["stock.warehouse"].create({"name": "Tour Hub Rotterdam", "code": "TRHR"})

    def _visible_root_menus(self, user):
        menus = self.env["ir.ui.menu"].with_user(user).load_menus(debug=False)
        return {menu["xmlid"] for menu in menus.values() if menu.get("xmlid")}

    def test_menu_visible_to_group_only(self):
        root = "distribution_orchestration.distribution_orchestration_menu_root"
        self.assertIn(root, self._visible_root_menus(self.user))
        self.assertNotIn(root, self._visible_root_menus(self.outsider))

    def test_group_hierarchy(self):
        manager = self.env.ref("distribution_orchestration.group_orchestration_manager")
        credit = self.env.ref("distribution_orchestration.group_orchestration_credit")
        user = self.env.ref("distribution_orchestration.group_orchestration_user")
        self.assertIn(credit, manager.implied_ids)
        self.assertIn(user, credit.implied_ids)
        self.assertIn(self.env.ref("base.user_admin"), manager.all_user_ids)

    def test_tour_open_network(self):
        self.start_tour("/odoo", "distribution_orchestration_apps_tour", login=self.user.login)
