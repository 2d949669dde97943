from odoo.addons.coldchain_sites.models.governance import governed
from odoo.addons.distribution_orchestration.tests.common import DistributionCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestQuarantineHoldsOrders(DistributionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vaccine = cls.env["product.product"].create(
            {
                "name": "Test Insulin",
                "is_storable": True,
                "type": "consu",
                "tracking": "lot",
                "list_price": 50.0,
                "standard_price": 20.0,
            }
        )
        cls.lot = cls.env["stock.lot"].create({"name": "INS-001", "product_id": cls.vaccine.id})
        cls.env["stock.quant"]._update_available_quantity(
            cls.vaccine, cls.wh_north.lot_stock_id, 10, lot_id=cls.lot
        )

    def hold(self, value):
        """Hold or release the lot the way the excursion evaluation and a signed
        disposition do (the hold field refuses anything else)."""
        governed(self.lot).write({"coldchain_hold": value})

    def test_order_needing_a_held_lot_goes_on_hold(self):
        self.hold(True)
        order = self.make_order([(self.vaccine, 4)])
        order.action_confirm()
        self.assertEqual(order.distribution_state, "on_hold")
        hold = order.distribution_hold_ids
        self.assertEqual(hold.check_code, "stock_availability")
        self.assertFalse(order.picking_ids, "nothing reserved from a quarantined lot")

    def test_released_lot_is_available_again(self):
        self.hold(True)
        order = self.make_order([(self.vaccine, 4)])
        order.action_confirm()
        self.hold(False)  # as a signed "release" disposition does
        order.distribution_hold_ids.with_user(self.manager).action_release()
        self.assertEqual(order.distribution_state, "released")
        self.assertEqual(order.picking_ids.move_line_ids.lot_id, self.lot)

    def test_lots_not_on_hold_are_allocated_normally(self):
        order = self.make_order([(self.vaccine, 4)])
        order.action_confirm()
        self.assertEqual(order.distribution_state, "released")
