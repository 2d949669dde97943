from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL

from ..engine.stock_status import StatusParams, stock_status


class InventoryStatusFixture:
    """Two sites of one company, storable products, helpers to set known figures."""

    @classmethod
    def setup_inventory_network(cls):
        env = cls.env
        cls.company = env.company
        cls.company.write(
            {
                "distribution_status_horizon_days": 14,
                "distribution_demand_days": 30,
                "distribution_excess_days_of_cover": 90.0,
                "distribution_rebalance_target_days": 30.0,
            }
        )
        Warehouse = env["stock.warehouse"]
        cls.wh_a = Warehouse.create({"name": "Status Site A", "code": "ISA"})
        cls.wh_b = Warehouse.create({"name": "Status Site B", "code": "ISB"})
        cls.category = env["product.category"].create({"name": "Status Vaccines"})
        cls.supplier_location = env.ref("stock.stock_location_suppliers")
        cls.customer_location = env.ref("stock.stock_location_customers")
        cls.user = new_test_user(
            env,
            login="inv_status_user",
            groups="distribution_orchestration.group_orchestration_user,"
            "distribution_orchestration.group_orchestration_all_sites",
        )

    @classmethod
    def make_product(cls, name):
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "consu",
                "is_storable": True,
                "categ_id": cls.category.id,
            }
        )

    @classmethod
    def set_stock(cls, product, warehouse, on_hand, reserved=0.0):
        Quant = cls.env["stock.quant"]
        Quant._update_available_quantity(product, warehouse.lot_stock_id, on_hand)
        if reserved:
            Quant._update_reserved_quantity(product, warehouse.lot_stock_id, reserved)

    @classmethod
    def set_safety(cls, product, warehouse, minimum):
        return cls.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": product.id,
                "warehouse_id": warehouse.id,
                "location_id": warehouse.lot_stock_id.id,
                "product_min_qty": minimum,
                "product_max_qty": max(minimum * 2, 1),
            }
        )

    @classmethod
    def make_move(cls, product, source, destination, quantity, days, state):
        """A move of known quantity ``days`` from now (negative: in the past)."""
        return cls.env["stock.move"].create(
            {
                "product_id": product.id,
                "product_uom": product.uom_id.id,
                "product_uom_qty": quantity,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "date": fields.Datetime.now() + timedelta(days=days),
                "state": state,
            }
        )

    @classmethod
    def deliver(cls, product, warehouse, quantity, days_ago):
        """A done delivery to a customer ``days_ago`` days ago (recent demand)."""
        return cls.make_move(
            product, warehouse.lot_stock_id, cls.customer_location, quantity, -days_ago, "done"
        )

    def refresh_status(self):
        """The list reads a snapshot: recompute it after changing the fixtures."""
        self.env["distribution.inventory.status"]._refresh()

    def status_rows(self, products, user=None):
        self.refresh_status()
        Status = self.env["distribution.inventory.status"]
        if user:
            Status = Status.with_user(user)
        return Status.search([("product_id", "in", products.ids)])

    def row(self, product, warehouse, user=None):
        rows = self.status_rows(product, user).filtered(lambda r: r.warehouse_id == warehouse)
        self.assertEqual(len(rows), 1, "one row per product and warehouse")
        return rows


@tagged("post_install", "-at_install")
class TestInventoryStatus(InventoryStatusFixture, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_inventory_network()
        # the fully described product at site A
        cls.product = cls.make_product("Status Vaccine")
        cls.set_stock(cls.product, cls.wh_a, 100, reserved=30)
        cls.set_safety(cls.product, cls.wh_a, 20)
        a_stock = cls.wh_a.lot_stock_id
        cls.make_move(cls.product, cls.supplier_location, a_stock, 50, 5, "assigned")
        cls.make_move(cls.product, cls.supplier_location, a_stock, 70, 20, "assigned")  # beyond
        cls.make_move(cls.product, a_stock, cls.customer_location, 30, 3, "confirmed")
        cls.make_move(cls.product, a_stock, cls.customer_location, 5, -2, "confirmed")  # overdue
        cls.make_move(cls.product, a_stock, cls.customer_location, 8, 1, "cancel")  # ignored
        cls.make_move(cls.product, a_stock, cls.customer_location, 9, 1, "draft")  # ignored
        cls.deliver(cls.product, cls.wh_a, 60, days_ago=10)
        cls.deliver(cls.product, cls.wh_a, 90, days_ago=40)  # outside the demand window
        # a done transfer to another site is not customer demand, an open one is outgoing
        cls.make_move(cls.product, a_stock, cls.wh_b.lot_stock_id, 1000, -5, "done")
        cls.make_move(cls.product, a_stock, cls.wh_b.lot_stock_id, 4, 2, "assigned")

    def test_figures_of_a_row(self):
        self.assertRecordValues(
            self.row(self.product, self.wh_a, self.user),
            [
                {
                    "company_id": self.company.id,
                    "categ_id": self.category.id,
                    "on_hand": 100.0,
                    "reserved": 30.0,
                    "unavailable": 0.0,
                    "usable": 70.0,
                    "available": 50.0,  # to promise: 70 usable - 20 safety stock
                    "incoming": 50.0,
                    "outgoing": 39.0,
                    "projected": 111.0,
                    "safety_stock": 20.0,
                    "demand_per_day": 2.0,
                    "days_of_cover": 35.0,
                    "status": "healthy",
                    "horizon_days": 14,
                }
            ],
        )

    def test_transfer_between_sites_is_incoming_at_destination(self):
        row_b = self.row(self.product, self.wh_b, self.user)
        self.assertRecordValues(
            row_b,
            [{"on_hand": 0.0, "incoming": 4.0, "outgoing": 0.0, "demand_per_day": 0.0}],
        )
        self.assertEqual(row_b.status, "stock_out")
        self.assertFalse(row_b.days_of_cover, "no demand: no days of cover")

    def test_parameters_apply_at_next_refresh(self):
        self.company.write({"distribution_status_horizon_days": 30, "distribution_demand_days": 60})
        self.assertRecordValues(
            self.row(self.product, self.wh_a, self.user),
            [{"incoming": 120.0, "demand_per_day": 2.5, "days_of_cover": 28.0}],
        )

    def test_status_boundaries(self):
        cases = {
            # name: (on hand, reserved, safety, delivered in the window, expected status)
            "stock_out_all_reserved": (10, 10, 0, 0, "stock_out"),
            "stock_out_nothing": (0, 0, 5, 0, "stock_out"),
            "below_safety": (5, 0, 10, 30, "below_safety"),
            "at_safety_is_healthy": (10, 0, 10, 30, "healthy"),
            "cover_at_threshold_is_healthy": (90, 0, 0, 30, "healthy"),
            "cover_above_threshold_is_excess": (91, 0, 0, 30, "excess"),
            "no_demand_above_safety_is_excess": (11, 0, 10, 0, "excess"),
            "no_demand_at_safety_is_healthy": (10, 0, 10, 0, "healthy"),
        }
        products = self.env["product.product"]
        for name, (on_hand, reserved, safety, delivered, _status) in cases.items():
            product = self.make_product(name)
            products |= product
            if on_hand:
                self.set_stock(product, self.wh_b, on_hand, reserved=reserved)
            if safety:
                self.set_safety(product, self.wh_b, safety)
            if delivered:
                self.deliver(product, self.wh_b, delivered, days_ago=3)
        rows = self.status_rows(products, self.user)
        status_by_name = {row.product_id.name: row.status for row in rows}
        self.assertEqual(status_by_name, {name: case[-1] for name, case in cases.items()})

    def test_view_agrees_with_engine(self):
        for index, (on_hand, reserved, safety, delivered) in enumerate(
            [(0, 0, 0, 3), (7, 2, 6, 0), (45, 0, 5, 15), (1000, 10, 50, 6), (3, 3, 1, 9)]
        ):
            product = self.make_product(f"Agreement {index}")
            if on_hand:
                self.set_stock(product, self.wh_a, on_hand, reserved=reserved)
            if safety:
                self.set_safety(product, self.wh_a, safety)
            if delivered:
                self.deliver(product, self.wh_a, delivered, days_ago=1)
        self.refresh_status()
        rows = self.env["distribution.inventory.status"].search(
            [("warehouse_id", "in", (self.wh_a | self.wh_b).ids)]
        )
        self.assertGreaterEqual(len(rows), 6)
        params = StatusParams(excess_days_of_cover=90.0)
        for row in rows:
            expected = stock_status(
                row.on_hand,
                reserved=row.reserved,
                incoming=row.incoming,
                outgoing=row.outgoing,
                safety_stock=row.safety_stock,
                demand_per_day=row.demand_per_day,
                params=params,
            )
            with self.subTest(product=row.product_id.name, warehouse=row.warehouse_id.code):
                self.assertEqual(row.status, expected.status.value)
                self.assertAlmostEqual(row.usable, expected.usable)
                self.assertAlmostEqual(row.available, expected.available_to_promise)
                self.assertAlmostEqual(row.projected, expected.projected)
                if expected.days_of_cover is None:
                    self.assertFalse(row.days_of_cover)
                else:
                    self.assertAlmostEqual(row.days_of_cover, expected.days_of_cover, places=6)

    def test_only_storable_products_and_sites_with_figures(self):
        consumable = self.env["product.product"].create(
            {"name": "Status Leaflet", "type": "consu", "is_storable": False}
        )
        self.make_move(
            consumable, self.wh_a.lot_stock_id, self.customer_location, 5, 1, "confirmed"
        )
        idle = self.make_product("Status Idle")
        self.assertFalse(self.status_rows(consumable | idle, self.user))
        self.set_safety(idle, self.wh_b, 3)
        self.assertEqual(self.status_rows(idle, self.user).warehouse_id, self.wh_b)

    def test_company_rule(self):
        other_company = self.env["res.company"].create({"name": "Status Other Company"})
        other_site = self.env["stock.warehouse"].search([("company_id", "=", other_company.id)])
        self.assertTrue(other_site, "a company gets its warehouse")
        self.set_stock(self.product.with_company(other_company), other_site, 12)
        Status = self.env["distribution.inventory.status"]
        self.refresh_status()
        everywhere = Status.sudo().search([("product_id", "=", self.product.id)])
        self.assertIn(other_company, everywhere.company_id)
        seen = self.status_rows(self.product, self.user)
        self.assertEqual(seen.company_id, self.company)
        self.assertNotIn(other_site, seen.warehouse_id)

    def test_drill_down_to_quants_and_moves(self):
        row = self.row(self.product, self.wh_a, self.user)
        action = row.action_open_quants()
        quants = self.env["stock.quant"].with_user(self.user).search(action["domain"])
        self.assertEqual(sum(quants.mapped("quantity")), 100.0)
        self.assertEqual(quants.location_id.warehouse_id, self.wh_a)
        action = row.action_open_moves()
        moves = self.env["stock.move"].with_user(self.user).search(action["domain"])
        self.assertEqual(moves.product_id, self.product)
        self.assertEqual(len(moves), 10, "every move in or out of site A's locations")

    def test_snapshot_equals_live_view(self):
        Status = self.env["distribution.inventory.status"].with_user(self.user)
        self.refresh_status()
        self.make_move(
            self.product, self.supplier_location, self.wh_a.lot_stock_id, 11, 1, "confirmed"
        )
        live = Status._live_rows(
            SQL("product_id = %s AND warehouse_id = %s", self.product.id, self.wh_a.id),
            ["incoming", "available", "status"],
        )
        self.assertEqual(live, [{"incoming": 61.0, "available": 50.0, "status": "healthy"}])
        stale = Status.search([("product_id", "=", self.product.id)])
        self.assertEqual(stale.filtered(lambda r: r.warehouse_id == self.wh_a).incoming, 50.0)
        self.assertEqual(self.row(self.product, self.wh_a, self.user).incoming, 61.0)

    def test_plain_user_cannot_write(self):
        row = self.row(self.product, self.wh_a, self.user)
        with self.assertRaises(AccessError):
            row.write({"on_hand": 1.0})
