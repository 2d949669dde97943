from datetime import timedelta

from odoo import fields
from odoo.addons.coldchain_sites.models.governance import governed
from odoo.addons.distribution_orchestration.tests.common import DistributionCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestQuarantineUnavailableEverywhere(DistributionCase):
    """A quarantined lot is unavailable to promise in the pipeline, on the inventory
    status screen and to rebalancing: all three go through one definition."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.insulin = cls.env["product.product"].create(
            {
                "name": "Quarantine Insulin",
                "is_storable": True,
                "type": "consu",
                "tracking": "lot",
                "list_price": 50.0,
                "standard_price": 20.0,
            }
        )
        Lot = cls.env["stock.lot"]
        cls.held = Lot.create({"name": "QI-HELD", "product_id": cls.insulin.id})
        cls.clean = Lot.create({"name": "QI-CLEAN", "product_id": cls.insulin.id})
        Quant = cls.env["stock.quant"]
        # the customer's nearest site holds only the lot about to be quarantined
        Quant._update_available_quantity(
            cls.insulin, cls.wh_north.lot_stock_id, 200, lot_id=cls.held
        )
        Quant._update_available_quantity(
            cls.insulin, cls.wh_south.lot_stock_id, 30, lot_id=cls.clean
        )
        # as an excursion with product at risk does (the evaluation's governed path)
        governed(cls.held).write({"coldchain_hold": True})
        cls.company.distribution_allocation_policy = "nearest_first"

    def status_row(self, warehouse):
        Status = self.env["distribution.inventory.status"]
        Status._refresh()
        return Status.search(
            [("product_id", "=", self.insulin.id), ("warehouse_id", "=", warehouse.id)]
        )

    def test_pipeline_never_sources_from_a_quarantined_lot(self):
        self.check("stock_availability").active = False  # the allocation itself decides
        order = self.make_order([(self.insulin, 20)])
        order.action_confirm()
        self.assertEqual(order.distribution_state, "released")
        self.assertEqual(order.distribution_allocation_ids.warehouse_id, self.wh_south)
        self.assertEqual(order.picking_ids.move_line_ids.lot_id, self.clean)

    def test_order_beyond_the_clean_stock_goes_on_hold(self):
        order = self.make_order([(self.insulin, 40)])
        order.action_confirm()
        self.assertEqual(order.distribution_state, "on_hold")
        self.assertIn("30", order.distribution_hold_ids.explanation)

    def test_status_screen_shows_it_quarantined_and_agrees_with_the_pipeline(self):
        north = self.status_row(self.wh_north)
        self.assertRecordValues(
            north,
            [
                {
                    "on_hand": 200.0,
                    "unavailable": 200.0,
                    "usable": 0.0,
                    "available": 0.0,
                    "status": "stock_out",
                }
            ],
        )
        availability = self.env["sale.order"]._distribution_availability(
            self.insulin, self.wh_north | self.wh_south, fields.Datetime.now()
        )
        for warehouse in self.wh_north | self.wh_south:
            self.assertEqual(
                self.status_row(warehouse).available,
                availability.available(warehouse.id, self.insulin.id),
            )
        self.assertEqual(self.status_row(self.wh_south).available, 30.0)

    def test_rebalancing_never_moves_quarantined_stock(self):
        # south is below safety; north's 200 would be an excess if it were usable
        self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": self.insulin.id,
                "warehouse_id": self.wh_south.id,
                "location_id": self.wh_south.lot_stock_id.id,
                "product_min_qty": 50,
                "product_max_qty": 100,
            }
        )
        Suggestion = self.env["distribution.rebalance.suggestion"]
        self.assertFalse(Suggestion._suggest(self.insulin.ids))
        # released by a signed disposition: north is in excess again, south gets stock
        governed(self.held).write({"coldchain_hold": False})  # a signed disposition
        suggestion = Suggestion._suggest(self.insulin.ids)
        self.assertEqual(suggestion.from_warehouse_id, self.wh_north)
        self.assertEqual(suggestion.to_warehouse_id, self.wh_south)

    def test_lot_past_its_use_before_restriction_is_unavailable(self):
        governed(self.held).write({"coldchain_hold": False})  # a signed disposition
        governed(self.held).write(
            {"coldchain_use_before": fields.Datetime.now() - timedelta(hours=1)}
        )
        self.assertEqual(self.status_row(self.wh_north).unavailable, 200.0)
        governed(self.held).write(
            {"coldchain_use_before": fields.Datetime.now() + timedelta(days=30)}
        )
        self.assertEqual(self.status_row(self.wh_north).available, 200.0)
