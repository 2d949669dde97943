from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .test_inventory_status import InventoryStatusFixture


@tagged("post_install", "-at_install")
class TestRebalancing(InventoryStatusFixture, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_inventory_network()
        cls.manager = new_test_user(
            cls.env,
            login="inv_rebalance_manager",
            groups="distribution_orchestration.group_orchestration_manager",
        )
        # site A below safety: 5 available, safety 20, 1 per day -> target max(20, 30) = 30
        cls.product = cls.make_product("Rebalanced Vaccine")
        cls.set_stock(cls.product, cls.wh_a, 5)
        cls.set_safety(cls.product, cls.wh_a, 20)
        cls.deliver(cls.product, cls.wh_a, 30, days_ago=5)
        # site B in excess: 200 available, nobody asked for it recently
        cls.set_stock(cls.product, cls.wh_b, 200)
        # a product short at A with no site in excess: nothing to suggest
        cls.short_only = cls.make_product("Short Everywhere")
        cls.set_safety(cls.short_only, cls.wh_a, 10)
        cls.set_stock(cls.short_only, cls.wh_b, 8)
        cls.set_safety(cls.short_only, cls.wh_b, 10)

    def suggest(self, user, products=None):
        Suggestion = self.env["distribution.rebalance.suggestion"].with_user(user)
        return Suggestion._suggest((products or self.product | self.short_only).ids)

    def test_suggestion_from_excess_to_below_safety(self):
        suggestions = self.suggest(self.user)
        self.assertRecordValues(
            suggestions,
            [
                {
                    "company_id": self.company.id,
                    "product_id": self.product.id,
                    "from_warehouse_id": self.wh_b.id,
                    "to_warehouse_id": self.wh_a.id,
                    "quantity": 25.0,
                    "from_available": 200.0,
                    "to_available": 5.0,
                    "to_safety_stock": 20.0,
                    "picking_id": False,
                }
            ],
        )
        self.assertIn("Status Site B", suggestions.explanation)
        self.assertIn("Below Safety", suggestions.explanation)

    def test_menu_action_recomputes_the_users_suggestions(self):
        Suggestion = self.env["distribution.rebalance.suggestion"].with_user(self.user)
        first = Suggestion.browse(Suggestion.action_open_suggestions()["domain"][0][2])
        products = first.product_id
        self.assertIn(self.product, products)
        second = Suggestion.browse(Suggestion.action_open_suggestions()["domain"][0][2])
        self.assertFalse(first.exists(), "open suggestions are replaced, not piled up")
        self.assertEqual(second.product_id, products)

    def test_status_list_button_limits_to_selected_products(self):
        rows = self.status_rows(self.short_only, self.user)
        self.assertEqual(len(rows), 2, "short at both sites")
        action = self.env.ref(
            "distribution_orchestration.distribution_inventory_status_action_rebalance"
        )
        result = (
            action.with_user(self.user)
            .with_context(active_model="distribution.inventory.status", active_ids=rows.ids)
            .run()
        )
        self.assertFalse(
            self.env["distribution.rebalance.suggestion"].browse(result["domain"][0][2])
        )

    def test_one_click_transfer(self):
        suggestion = self.suggest(self.manager)
        self.assertEqual(len(suggestion), 1)
        action = suggestion.action_create_transfer()
        picking = suggestion.picking_id
        self.assertEqual(action["res_id"], picking.id)
        self.assertRecordValues(
            picking,
            [
                {
                    "picking_type_id": self.wh_b.int_type_id.id,
                    "location_id": self.wh_b.lot_stock_id.id,
                    "location_dest_id": self.wh_a.lot_stock_id.id,
                    "company_id": self.company.id,
                    "state": "assigned",
                }
            ],
        )
        self.assertRecordValues(
            picking.move_ids,
            [{"product_id": self.product.id, "product_uom_qty": 25.0, "quantity": 25.0}],
        )
        # the transfer shows at once in the status: reserved at B, incoming at A
        self.env.invalidate_all()
        self.assertRecordValues(
            self.row(self.product, self.wh_b, self.user),
            [{"reserved": 25.0, "available": 175.0, "outgoing": 25.0}],
        )
        self.assertEqual(self.row(self.product, self.wh_a, self.user).incoming, 25.0)
        picking.button_validate()
        self.env.invalidate_all()
        self.assertEqual(self.row(self.product, self.wh_a, self.user).on_hand, 30.0)
        self.assertEqual(self.row(self.product, self.wh_a, self.user).status, "healthy")

    def test_plain_user_cannot_create_transfers(self):
        suggestion = self.suggest(self.user)
        with self.assertRaises(AccessError):
            suggestion.action_create_transfer()
        self.assertFalse(suggestion.picking_id)
