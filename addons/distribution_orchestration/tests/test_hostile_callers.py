"""Every bypass a technical user could try over the wire, refused.

Each test logs in over real HTTP as one role and calls the models through
JSON-RPC (``/web/dataset/call_kw``, what the web client and most integrations
use) or XML-RPC (``/xmlrpc/2/object``), then re-reads the records as the
superuser to show nothing changed.
"""

from odoo.tests import new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .common import DistributionHttpCase

ACCESS = "odoo.exceptions.AccessError"
REFUSED = ("odoo.exceptions.AccessError", "odoo.exceptions.UserError")


@tagged("post_install", "-at_install")
class TestHostileCallers(DistributionHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        password = "Hostile-Pass-2026"
        cls.password = password
        for user in (cls.sales_user, cls.credit_user, cls.manager):
            user.password = password
        cls.plain_salesman = new_test_user(
            cls.env,
            login="hostile_plain_salesman",
            password=password,
            groups="sales_team.group_sale_salesman_all_leads",
        )
        cls.warehouse_user = new_test_user(
            cls.env, login="hostile_warehouse", password=password, groups="stock.group_stock_user"
        )
        cls.site_manager = new_test_user(
            cls.env,
            login="hostile_site_credit",
            password=password,
            groups="sales_team.group_sale_salesman_all_leads,"
            "distribution_orchestration.group_orchestration_credit",
        )
        cls.site_manager.distribution_warehouse_ids = cls.wh_north
        cls.portal = new_test_user(
            cls.env, login="hostile_portal", password=password, groups="base.group_portal"
        )
        cls.sysadmin = new_test_user(
            cls.env,
            login="hostile_sysadmin",
            password=password,
            groups="base.group_system,base.group_erp_manager",
        )

    # ------------------------------------------------------------------ helpers

    def call(self, user, model, method, *args, **kwargs):
        self.authenticate(user.login, self.password)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def assertRefused(self, user, model, method, *args, errors=REFUSED, **kwargs):
        with self.assertRaises(JsonRpcException) as caught:
            self.call(user, model, method, *args, **kwargs)
        self.assertIn(caught.exception.args[0] if caught.exception.args else "", errors)
        self.env.invalidate_all()

    def on_hold_order(self, user=None, warehouse=None):
        self.customer.distribution_on_hold = True
        values = {"warehouse_id": warehouse.id} if warehouse else {}
        order = self.make_order([(self.product, 2)], user=user, **values)
        order.action_confirm()
        self.customer.distribution_on_hold = False
        self.assertEqual(order.distribution_stage, "on_hold")
        return order

    # ------------------------------------------------------------------ the pipeline

    def test_context_key_does_not_skip_the_pipeline_over_jsonrpc(self):
        self.customer.distribution_on_hold = True
        order = self.make_order([(self.product, 2)])
        self.call(
            self.sales_user,
            "sale.order",
            "action_confirm",
            order.ids,
            context={"distribution_skip_pipeline": True, "distribution_release": True},
        )
        self.env.invalidate_all()
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.distribution_stage, "on_hold")
        self.assertFalse(order.picking_ids)

    def test_context_key_does_not_skip_the_pipeline_over_xmlrpc(self):
        self.customer.distribution_on_hold = True
        order = self.make_order([(self.product, 2)])
        self.xmlrpc_object.execute_kw(
            self.env.cr.dbname,
            self.sales_user.id,
            self.password,
            "sale.order",
            "action_confirm",
            [order.ids],
            {"context": {"distribution_skip_pipeline": True}},
        )
        self.env.invalidate_all()
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.distribution_stage, "on_hold")

    def test_stage_and_score_cannot_be_written(self):
        order = self.on_hold_order()
        for user in (self.sales_user, self.credit_user, self.manager, self.plain_salesman):
            self.assertRefused(
                user, "sale.order", "write", order.ids, {"distribution_stage": "allocated"}
            )
            self.assertRefused(
                user, "sale.order", "write", order.ids, {"distribution_release_score": 100}
            )
        self.assertRefused(
            self.sales_user,
            "sale.order",
            "create",
            {
                "partner_id": self.customer.id,
                "distribution_stage": "allocated",
                "order_line": [(0, 0, {"product_id": self.product.id, "product_uom_qty": 1})],
            },
        )
        self.assertRefused(
            self.sales_user, "sale.order", "action_distribution_release_batch", order.ids
        )
        self.assertEqual(order.distribution_stage, "on_hold")
        self.assertEqual(order.distribution_release_score, 0.0)
        self.assertEqual(order.state, "draft")

    def test_private_pipeline_steps_are_not_callable(self):
        order = self.on_hold_order()
        for method in ("_distribution_release", "_distribution_allocate", "_distribution_resume"):
            self.assertRefused(
                self.manager, "sale.order", method, order.ids, errors=(ACCESS, "builtins.Exception")
            )
        self.assertEqual(order.distribution_stage, "on_hold")

    def test_release_batch_refused_to_users_outside_the_pipeline(self):
        self.company.distribution_release_mode = "batch"
        order = self.make_order([(self.product, 2)])
        order.action_confirm()
        self.assertEqual(order.distribution_stage, "allocated")
        for user in (self.plain_salesman, self.warehouse_user, self.portal):
            self.assertRefused(user, "sale.order", "action_distribution_release_batch", order.ids)
        self.assertEqual(order.distribution_stage, "allocated")
        self.assertFalse(order.picking_ids)

    def test_policy_override_is_for_administrators(self):
        order = self.on_hold_order()
        for user in (self.sales_user, self.credit_user):
            self.assertRefused(
                user,
                "sale.order",
                "write",
                order.ids,
                {"distribution_policy_override": "fewest_shipments"},
            )
        self.assertFalse(order.sudo().distribution_policy_override)

    # ------------------------------------------------------------------ holds

    def test_holds_are_resolved_only_by_their_group_and_not_by_the_submitter(self):
        self.customer.credit_limit = 500.0
        order = self.make_order([(self.product, 12)], user=self.credit_user)
        order.action_confirm()
        hold = order.distribution_hold_ids
        self.assertEqual(hold.check_code, "credit_limit")
        self.assertRefused(self.sales_user, "distribution.hold", "action_release", hold.ids)
        self.assertRefused(self.plain_salesman, "distribution.hold", "action_release", hold.ids)
        self.assertRefused(self.credit_user, "distribution.hold", "action_release", hold.ids)
        for user in (self.credit_user, self.manager):
            self.assertRefused(user, "distribution.hold", "write", hold.ids, {"state": "released"})
        self.assertRefused(self.manager, "distribution.hold", "unlink", hold.ids)
        self.assertEqual(hold.state, "open")
        self.assertEqual(order.distribution_stage, "on_hold")
        # the legitimate path still works over the wire
        self.call(self.manager, "distribution.hold", "action_release", hold.ids, "Paid upfront")
        self.env.invalidate_all()
        self.assertEqual(order.distribution_stage, "released")

    def test_decision_log_cannot_be_changed(self):
        order = self.on_hold_order()
        entries = order.distribution_log_ids
        self.assertTrue(entries)
        self.assertRefused(
            self.manager, "distribution.log", "write", entries.ids, {"message": "nothing"}
        )
        self.assertRefused(self.manager, "distribution.log", "unlink", entries.ids)
        self.assertRefused(
            self.manager,
            "distribution.log",
            "create",
            {"order_id": order.id, "event": "release", "result": "passed"},
        )
        self.assertEqual(order.distribution_log_ids, entries)

    # ------------------------------------------------------------------ customers

    def test_customer_governance_fields_need_credit_control(self):
        self.customer.write({"distribution_on_hold": True, "distribution_blocked": True})
        logged = self.customer.distribution_partner_log_ids
        for user in (self.sales_user, self.plain_salesman):
            for vals in (
                {"distribution_on_hold": False},
                {"distribution_blocked": False},
                {"distribution_allocation_policy": "fewest_shipments"},
            ):
                self.assertRefused(user, "res.partner", "write", self.customer.ids, vals)
        self.assertTrue(self.customer.distribution_on_hold)
        self.assertTrue(self.customer.distribution_blocked)
        self.assertFalse(self.customer.distribution_allocation_policy)
        self.assertEqual(self.customer.distribution_partner_log_ids, logged)
        self.assertRefused(
            self.credit_user,
            "distribution.partner.log",
            "unlink",
            logged.ids,
        )
        self.call(
            self.credit_user,
            "res.partner",
            "write",
            self.customer.ids,
            {"distribution_on_hold": False},
        )
        self.env.invalidate_all()
        self.assertFalse(self.customer.distribution_on_hold)
        latest = self.customer.distribution_partner_log_ids[:1]
        self.assertEqual(latest.user_id, self.credit_user)
        self.assertEqual((latest.old_value, latest.new_value), ("Yes", "No"))

    def test_company_pipeline_switch_needs_the_orchestration_administrator(self):
        self.assertRefused(
            self.sysadmin,
            "res.company",
            "write",
            self.company.ids,
            {"distribution_pipeline_enabled": False},
        )
        self.assertTrue(self.company.distribution_pipeline_enabled)

    # ------------------------------------------------------------------ sites and companies

    def test_site_scoped_user_sees_and_resolves_only_their_sites(self):
        north = self.on_hold_order(warehouse=self.wh_north)
        south = self.on_hold_order(warehouse=self.wh_south)
        found = self.call(
            self.site_manager,
            "sale.order",
            "search_read",
            [["id", "in", (north | south).ids]],
            fields=["id"],
        )
        self.assertEqual([row["id"] for row in found], north.ids)
        self.assertRefused(
            self.site_manager, "sale.order", "read", south.ids, ["name"], errors=(ACCESS,)
        )
        self.assertRefused(
            self.site_manager,
            "distribution.hold",
            "action_release",
            south.distribution_hold_ids.ids,
            errors=(ACCESS,),
        )
        self.assertEqual(south.distribution_hold_ids.state, "open")
        self.site_manager.distribution_warehouse_ids = False
        found = self.call(
            self.site_manager,
            "distribution.hold",
            "search_read",
            [["order_id", "in", (north | south).ids]],
            fields=["id"],
        )
        self.assertEqual(found, [], "a pipeline user with no site sees none")

    def test_portal_and_warehouse_users_get_nothing(self):
        order = self.on_hold_order()
        for user in (self.portal, self.warehouse_user):
            self.assertRefused(
                user, "distribution.hold", "search_read", [], fields=["id"], errors=(ACCESS,)
            )
            self.assertRefused(
                user, "sale.order", "write", order.ids, {"distribution_stage": "released"}
            )
        self.assertEqual(order.distribution_stage, "on_hold")
