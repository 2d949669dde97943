from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestDashboardTour(HttpCase):
    def test_drilldown_tour(self):
        env = self.env
        site = env["stock.warehouse"].create({"name": "Tour Dashboard Site", "code": "TDS"})
        customer = env["res.partner"].create({"name": "Tour Dashboard Customer"})
        product = env["product.product"].create({"name": "Tour Goods", "type": "consu"})
        order = env["sale.order"].create(
            {
                "partner_id": customer.id,
                "warehouse_id": site.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 2})],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking._action_done()
        env["distribution.dashboard"]._refresh()
        self.start_tour(
            "/odoo/action-distribution_dashboard.distribution_dashboard_action",
            "distribution_dashboard_drilldown_tour",
            login="admin",
        )
