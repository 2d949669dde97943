from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCountRequest(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.site = env["stock.warehouse"].create(
            {
                "name": "Count Site",
                "code": "CNT",
                "distribution_count_threshold_value": 100.0,
                "distribution_count_threshold_pct": 10.0,
            }
        )
        cls.product = env["product.product"].create(
            {"name": "Counted Item", "is_storable": True, "standard_price": 10.0}
        )
        Quant = env["stock.quant"]
        Quant._update_available_quantity(cls.product, cls.site.lot_stock_id, 100)
        cls.quant = Quant.search(
            [("product_id", "=", cls.product.id), ("location_id", "=", cls.site.lot_stock_id.id)]
        )
        cls.counter = new_test_user(env, login="appr_counter", groups="stock.group_stock_user")
        cls.inventory_manager = new_test_user(
            env, login="appr_inv_manager", groups="stock.group_stock_manager"
        )

    def count(self, quantity):
        self.quant.inventory_quantity = quantity
        return self.quant

    def on_hand(self):
        return self.quant.quantity

    def test_below_threshold_applies_directly(self):
        self.count(99).with_user(self.inventory_manager).action_apply_inventory()
        self.assertEqual(self.on_hand(), 99)

    def test_above_threshold_only_through_approved_request(self):
        quant = self.count(80)
        with self.assertRaises(UserError):
            quant.with_user(self.inventory_manager).action_apply_inventory()
        with self.assertRaises(UserError):
            quant.sudo().with_context(distribution_approvals_governed=True)._apply_inventory()
        self.assertEqual(self.on_hand(), 100)

        action = quant.with_user(self.counter).action_distribution_request_adjustment()
        request = self.env["distribution.count.request"].search(action["domain"])
        self.assertRecordValues(
            request,
            [
                {
                    "warehouse_id": self.site.id,
                    "user_id": self.counter.id,
                    "value_total": 200.0,
                    "worst_pct": 20.0,
                    "needs_approval": True,
                    "state": "draft",
                }
            ],
        )
        self.assertEqual(request.line_ids.counted_qty, 80)
        with self.assertRaises(UserError):
            request.with_user(self.counter).action_apply()
        request.with_user(self.counter).request_validation()
        with self.assertRaises(AccessError):
            request.with_user(self.counter).validate_tier()  # four eyes
        request.with_user(self.inventory_manager).validate_tier()
        # what was approved is applied, not a count changed afterwards
        self.quant.inventory_quantity = 10
        request.with_user(self.counter).action_apply()
        self.assertEqual(request.state, "applied")
        self.assertEqual(self.on_hand(), 80)
        log = self.env["distribution.approval.log"].search(
            [("res_model", "=", request._name), ("res_id", "=", request.id)], order="id"
        )
        self.assertEqual(log.mapped("event"), ["request", "approve", "apply"])

    def test_request_below_threshold_applies_without_approval(self):
        quant = self.count(98)
        action = quant.with_user(self.counter).action_distribution_request_adjustment()
        request = self.env["distribution.count.request"].search(action["domain"])
        self.assertFalse(request.needs_approval)
        self.assertFalse(request.need_validation)
        request.with_user(self.counter).action_apply()
        self.assertEqual(self.on_hand(), 98)

    def test_hostile_callers(self):
        quant = self.count(80)
        Request = self.env["distribution.count.request"].with_user(self.counter)
        with self.assertRaises(AccessError):
            Request.create({"company_id": self.env.company.id, "warehouse_id": self.site.id})
        action = quant.with_user(self.counter).action_distribution_request_adjustment()
        request = Request.search(action["domain"])
        with self.assertRaises(AccessError):
            request.write({"needs_approval": False})
        with self.assertRaises(AccessError):
            request.line_ids.write({"counted_qty": 99})
        outsider = new_test_user(self.env, login="appr_count_outsider", groups="base.group_user")
        with self.assertRaises(AccessError):
            request.with_user(outsider).action_apply()
        self.assertEqual(self.on_hand(), 100)
