from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.governance import governed
from .excursion_common import ExcursionCase


@tagged("post_install", "-at_install")
class TestExcursionQuarantine(ExcursionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.held = cls.env["stock.lot"].create({"name": "Q-HELD", "product_id": cls.product.id})
        cls.good = cls.env["stock.lot"].create({"name": "Q-GOOD", "product_id": cls.product.id})

    def setUp(self):
        super().setUp()
        self.move(-60, self.product, 5, self.supplier, self.zone_a, self.held)
        self.insert_readings(self.warm_spell())
        self.evaluate(95)
        self.assertTrue(self.held.coldchain_hold)
        # arrives after the excursion: not exposed
        self.move(100, self.product, 3, self.supplier, self.zone_a, self.good)

    def outgoing(self, qty):
        move = self.env["stock.move"].create(
            {
                "product_id": self.product.id,
                "product_uom_qty": qty,
                "product_uom": self.product.uom_id.id,
                "location_id": self.site_a.lot_stock_id.id,
                "location_dest_id": self.customer.id,
            }
        )
        move._action_confirm()
        move._action_assign()
        return move

    def test_held_lot_is_not_reserved(self):
        move = self.outgoing(8)
        self.assertEqual(move.quantity, 3)
        self.assertEqual(move.move_line_ids.lot_id, self.good)
        self.assertEqual(move.state, "partially_available")

    def test_held_lot_cannot_be_shipped(self):
        move = self.outgoing(3)
        move.move_line_ids.lot_id = self.held
        move.picked = True
        with self.assertRaisesRegex(UserError, "cold-chain hold"):
            move._action_done()

    def test_held_lot_cannot_be_shipped_with_a_context_key(self):
        """The retired context key of the disposition's scrap grants nothing."""
        move = self.outgoing(3)
        move.move_line_ids.lot_id = self.held
        move.picked = True
        move = move.with_context(coldchain_sites_disposition=True, coldchain_sites_governed=True)
        with self.assertRaisesRegex(UserError, "cold-chain hold"):
            move._action_done()

    def test_released_lot_is_reserved_again(self):
        governed(self.held).coldchain_hold = False
        move = self.outgoing(8)
        self.assertEqual(move.quantity, 8)
