"""The demo's roles, as hostile callers over real HTTP JSON-RPC, across the addons.

Each role is created with exactly the groups the demo gives it (``DEMO_USERS``),
plus a portal user; each tries what a technical user of that role would try by
reading the code, and the records are re-read as the superuser afterwards.  The
addons' own suites go deeper per model; this one proves the demo's role set.
"""

from odoo.addons.coldchain_sites.tests.excursion_common import ExcursionCase
from odoo.addons.distribution_orchestration.tests.common import DistributionNetworkMixin
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged

from ..models.demo_network import DEMO_USERS

PASSWORD = "Demo-Role-Hostile-7731"
REFUSED = ("odoo.exceptions.AccessError", "odoo.exceptions.UserError")


@tagged("post_install", "-at_install")
class TestDemoRolesAreHostileCallers(ExcursionCase, DistributionNetworkMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cold_product = cls.product
        cls.setup_distribution_network()
        cls.roles = {}
        for login, name, groups in DEMO_USERS:
            cls.roles[login] = new_test_user(
                cls.env,
                login=f"role_{login}",
                name=name,
                password=PASSWORD,
                groups=",".join(("base.group_user", *groups)),
            )
        # the demo's site manager works at one site, in both addons
        site = cls.roles["site"]
        site.distribution_warehouse_ids = cls.wh_north
        site.coldchain_warehouse_ids = cls.site_a
        cls.roles["warehouse"].coldchain_warehouse_ids = cls.site_a | cls.site_b
        cls.roles["portal"] = new_test_user(
            cls.env, login="role_portal", password=PASSWORD, groups="base.group_portal"
        )

    def setUp(self):
        super().setUp()
        # an order on hold at each site
        self.customer.distribution_on_hold = True
        self.order_north = self.make_order([(self.product, 2)])
        self.order_south = self.make_order([(self.product, 2)], warehouse_id=self.wh_south.id)
        (self.order_north | self.order_south).action_confirm()
        # a lot held by an excursion at cold site A, another excursion at site B
        self.held = self.lot("ROLE-HELD", self.cold_product)
        self.move(-60, self.cold_product, 5, self.supplier, self.zone_a, self.held)
        self.insert_readings(self.warm_spell() + self.readings(self.sensor_b, 0, 90, 5, 12.0))
        self.evaluate(95)
        self.exc_a = self.excursions(self.rule_delay)
        self.exc_b = self.excursions(self.rule_delay, self.sensor_b)
        self.assertTrue(self.held.coldchain_hold)

    def call(self, role, model, method, *args, **kwargs):
        self.authenticate(self.roles[role].login, PASSWORD)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def assertRefused(self, role, model, method, *args, **kwargs):
        with self.assertRaises(JsonRpcException, msg=f"{role}: {model}.{method}") as caught:
            self.call(role, model, method, *args, **kwargs)
        self.assertIn(caught.exception.args[0], REFUSED, f"{role}: {model}.{method}")
        self.env.invalidate_all()

    def assertUnchanged(self):
        self.env.invalidate_all()
        self.assertEqual(self.order_north.distribution_stage, "on_hold")
        self.assertEqual(self.order_north.state, "draft")
        self.assertEqual(self.order_north.distribution_hold_ids.mapped("state"), ["open"])
        self.assertTrue(self.held.coldchain_hold)
        self.assertEqual(self.exc_a.state, "open")
        self.assertFalse(self.held.coldchain_disposition_ids)

    def test_no_role_steps_around_the_order_pipeline(self):
        order = self.order_north
        hold = order.distribution_hold_ids
        for role in self.roles:
            self.assertRefused(
                role, "sale.order", "write", order.ids, {"distribution_stage": "allocated"}
            )
            self.assertRefused(role, "distribution.hold", "write", hold.ids, {"state": "released"})
            self.assertRefused(role, "distribution.log", "unlink", order.distribution_log_ids.ids)
        for role in ("sales", "warehouse", "quality", "integration", "portal"):
            self.assertRefused(role, "distribution.hold", "action_release", hold.ids)
            self.assertRefused(
                role,
                "res.partner",
                "write",
                self.customer.ids,
                {"distribution_blocked": True},
            )
        # a context key of old confirms nothing: the order is checked again and stays
        # on hold, with the same single hold
        self.call(
            "sales",
            "sale.order",
            "action_confirm",
            order.ids,
            context={"distribution_skip_pipeline": True},
        )
        self.assertUnchanged()

    def test_no_role_steps_around_the_cold_chain(self):
        for role in self.roles:
            self.assertRefused(role, "stock.lot", "write", self.held.ids, {"coldchain_hold": False})
            self.assertRefused(
                role, "coldchain.excursion", "write", self.exc_a.ids, {"state": "closed"}
            )
            self.assertRefused(role, "coldchain.excursion", "unlink", self.exc_a.ids)
        for role in ("sales", "credit", "warehouse", "integration", "site", "portal"):
            self.assertRefused(role, "coldchain.excursion", "action_close", self.exc_a.ids)
            self.assertRefused(
                role,
                "coldchain.disposition.wizard",
                "create",
                {"lot_id": self.held.id, "decision": "release", "reason": "fine"},
            )
        self.assertUnchanged()

    def test_the_site_manager_sees_and_acts_on_their_site_only(self):
        found = self.call(
            "site",
            "sale.order",
            "search_read",
            [["id", "in", (self.order_north | self.order_south).ids]],
            fields=["id"],
        )
        self.assertEqual([row["id"] for row in found], self.order_north.ids)
        self.assertRefused(
            "site",
            "distribution.hold",
            "action_release",
            self.order_south.distribution_hold_ids.ids,
        )
        found = self.call(
            "site",
            "coldchain.excursion",
            "search_read",
            [["id", "in", (self.exc_a | self.exc_b).ids]],
            fields=["id"],
        )
        self.assertEqual([row["id"] for row in found], self.exc_a.ids)
        self.assertRefused("site", "coldchain.excursion", "action_acknowledge", self.exc_b.ids)
        self.env.invalidate_all()
        self.assertEqual(self.exc_b.state, "open")
        self.assertEqual(self.order_south.distribution_stage, "on_hold")
        # and does what the role is for, at their site
        self.call("site", "coldchain.excursion", "action_acknowledge", self.exc_a.ids)
        self.call(
            "site",
            "distribution.hold",
            "action_release",
            self.order_north.distribution_hold_ids.ids,
        )
        self.env.invalidate_all()
        self.assertEqual(self.exc_a.state, "acknowledged")
        self.assertEqual(self.order_north.distribution_stage, "released")
