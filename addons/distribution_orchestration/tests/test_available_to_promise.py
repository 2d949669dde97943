"""One definition of available-to-promise: the inventory status screen and the order
pipeline agree on the same data; the views follow the definition when it changes."""

from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from ..engine.atp import available_to_promise
from ..models.distribution_inventory_status import POSITION_VIEW
from .test_inventory_status import InventoryStatusFixture


@tagged("post_install", "-at_install")
class TestAvailableToPromise(InventoryStatusFixture, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_inventory_network()
        cls.products = cls.env["product.product"]
        # (on hand, reserved, safety stock) at site A and site B
        cases = [
            ((100, 30, 20), (5, 0, 0)),
            ((10, 0, 25), (40, 40, 0)),  # A: a deficit; B: everything reserved
            ((0, 0, 5), (12, 2, 10)),
            ((7, 3, 0), (0, 0, 0)),
        ]
        for index, figures in enumerate(cases):
            product = cls.make_product(f"ATP {index}")
            cls.products |= product
            for warehouse, (on_hand, reserved, safety) in zip(
                (cls.wh_a, cls.wh_b), figures, strict=True
            ):
                if on_hand:
                    cls.set_stock(product, warehouse, on_hand, reserved=reserved)
                if safety:
                    cls.set_safety(product, warehouse, safety)
        # stock in another internal location of site A counts at site A, for both
        cls.shelf = cls.env["stock.location"].create(
            {"name": "Shelf", "location_id": cls.wh_a.view_location_id.id, "usage": "internal"}
        )
        cls.env["stock.quant"]._update_available_quantity(cls.products[0], cls.shelf, 6)

    def pipeline_availability(self):
        order = self.env["sale.order"]
        warehouses = self.wh_a | self.wh_b
        return order._distribution_availability(self.products, warehouses, fields.Datetime.now())

    def test_screen_and_pipeline_agree(self):
        availability = self.pipeline_availability()
        rows = self.status_rows(self.products, self.user)
        self.assertEqual(len(rows), 7, "every product and site with figures")
        for row in rows:
            with self.subTest(product=row.product_id.name, site=row.warehouse_id.code):
                pipeline = availability.available(row.warehouse_id.id, row.product_id.id)
                self.assertAlmostEqual(row.available, pipeline)
                expected = available_to_promise(
                    row.on_hand, row.reserved, row.safety_stock, row.unavailable
                )
                self.assertAlmostEqual(row.available, expected.now)
                self.assertAlmostEqual(row.usable, expected.usable_now)
        first_a = rows.filtered(
            lambda r: r.product_id == self.products[0] and r.warehouse_id == self.wh_a
        )
        self.assertRecordValues(
            first_a, [{"on_hand": 106.0, "reserved": 30.0, "usable": 76.0, "available": 56.0}]
        )

    def test_live_view_and_positions_read_the_same_figures(self):
        live = self.env["distribution.inventory.status"]._live_rows(
            SQL("product_id IN %s", tuple(self.products.ids)),
            ["warehouse_id", "product_id", "on_hand", "reserved", "unavailable", "safety_stock"],
        )
        positions = self.env["distribution.inventory.status"]._stock_positions(
            self.products.ids, (self.wh_a | self.wh_b).ids
        )
        self.assertEqual(
            {
                (row["warehouse_id"], row["product_id"]): (
                    row["on_hand"],
                    row["reserved"],
                    row["unavailable"],
                    row["safety_stock"],
                )
                for row in live
            },
            {key: tuple(figures) for key, figures in positions.items()},
        )

    def test_a_stale_definition_is_rebuilt_at_registry_load(self):
        Status = self.env["distribution.inventory.status"]
        cr = self.env.cr
        cr.execute(SQL("COMMENT ON VIEW %s IS 'stale'", SQL.identifier(POSITION_VIEW)))
        Status._register_hook()
        cr.execute("SELECT obj_description(%s::regclass, 'pg_class')", [POSITION_VIEW])
        self.assertEqual(cr.fetchone()[0], Status._definition_fingerprint())
        self.assertEqual(len(self.status_rows(self.products, self.user)), 7)
