from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import DistributionCase


@tagged("post_install", "-at_install")
class TestPipeline(DistributionCase):
    def test_passing_order_is_released_from_two_warehouses(self):
        order = self.make_order([(self.product, 12)])
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.distribution_state, "released")
        allocation = {(a.warehouse_id, a.quantity) for a in order.distribution_allocation_ids}
        self.assertEqual(allocation, {(self.wh_north, 6.0), (self.wh_south, 6.0)})
        deliveries = order.picking_ids
        self.assertEqual(len(deliveries), 2, "one picking per warehouse")
        self.assertEqual(
            {
                p.picking_type_id.warehouse_id: sum(p.move_ids.mapped("product_uom_qty"))
                for p in deliveries
            },
            {self.wh_north: 6.0, self.wh_south: 6.0},
        )
        self.assertEqual(
            {p.location_id for p in deliveries},
            {self.wh_north.lot_stock_id, self.wh_south.lot_stock_id},
        )
        events = order.distribution_log_ids.mapped("event")
        for event in ("submit", "check", "allocate", "release"):
            self.assertIn(event, events)
        self.assertIn("Test North", order.distribution_customer_status)

    def test_single_site_when_home_has_enough(self):
        order = self.make_order([(self.product, 4), (self.product_b, 10)])
        order.action_confirm()
        self.assertEqual(order.picking_ids.picking_type_id.warehouse_id, self.wh_north)
        self.assertEqual(len(order.picking_ids), 1)

    def test_shipping_states_follow_the_deliveries(self):
        order = self.make_order([(self.product, 12)])
        order.action_confirm()
        north, south = order.picking_ids.sorted(lambda p: p.picking_type_id.warehouse_id.code)
        north.move_ids.picked = True
        north._action_done()
        self.assertEqual(order.distribution_state, "partially_shipped")
        south.move_ids.picked = True
        south._action_done()
        self.assertEqual(order.distribution_state, "shipped")

    def test_submitting_twice_is_refused(self):
        order = self.make_order([(self.product, 1)])
        order.action_confirm()
        with self.assertRaisesRegex(UserError, "already confirmed"):
            order.action_distribution_submit()
        self.assertEqual(len(order.picking_ids), 1, "nothing allocated twice")

    def test_pipeline_disabled_confirms_plainly(self):
        self.company.distribution_pipeline_enabled = False
        order = self.make_order([(self.product, 12)])
        order.action_confirm()
        self.assertFalse(order.distribution_log_ids)
        self.assertEqual(order.distribution_state, "released")
        self.assertEqual(len(order.picking_ids), 1)

    def test_policy_override_is_governed_and_logged(self):
        order = self.make_order([(self.product, 8)])
        with self.assertRaises(AccessError):  # field restricted to managers
            order.with_user(self.sales_user).distribution_policy_override = "ship_complete"
        order.with_user(self.manager).distribution_policy_override = "ship_complete"
        self.assertIn("override", order.distribution_log_ids.mapped("event"))
        order.action_confirm()
        # ship complete: only the south site has the 8 alone (home would split 6 + 2)
        self.assertEqual(
            order.picking_ids.picking_type_id.warehouse_id,
            self.wh_south,
            "\n".join(filter(None, order.distribution_log_ids.mapped("message"))),
        )

    def test_batch_release_gives_scarce_stock_by_priority(self):
        self.company.distribution_release_mode = "batch"
        self.check("stock_availability").active = False  # both may go, stock decides
        gold = self.env["res.partner"].create(
            {
                "name": "Gold Hospital",
                "street": "2 Main Street",
                "distribution_tier": "gold",
                "partner_latitude": 52.1,
                "partner_longitude": 5.1,
            }
        )
        standard = self.make_order([(self.product, 16)])
        urgent = self.make_order([(self.product, 16)], partner=gold)
        (standard | urgent).action_confirm()
        self.assertEqual(set((standard | urgent).mapped("distribution_state")), {"allocated"})
        self.assertGreater(urgent.distribution_release_score, standard.distribution_release_score)
        (standard | urgent).with_user(self.manager).action_distribution_release_batch()
        self.assertEqual(sum(urgent.distribution_allocation_ids.mapped("quantity")), 16)
        self.assertEqual(sum(standard.distribution_allocation_ids.mapped("quantity")), 0)
        self.assertEqual(urgent.distribution_state, "released")

    def test_log_cannot_be_changed(self):
        order = self.make_order([(self.product, 1)])
        order.action_confirm()
        entry = order.distribution_log_ids[:1]
        with self.assertRaises(UserError):
            entry.sudo().write({"message": "nothing happened"})
        with self.assertRaises(UserError):
            entry.sudo().unlink()

    def test_site_restricted_user_sees_only_their_sites(self):
        north_order = self.make_order([(self.product, 1)])
        south_order = self.make_order([(self.product, 1)], warehouse_id=self.wh_south.id)
        all_sites = self.env.ref("distribution_orchestration.group_orchestration_all_sites")
        self.sales_user.write(
            {"distribution_warehouse_ids": self.wh_north.ids, "group_ids": [(3, all_sites.id)]}
        )
        visible = (
            self.env["sale.order"]
            .with_user(self.sales_user)
            .search([("id", "in", (north_order | south_order).ids)])
        )
        self.assertEqual(visible, north_order)
