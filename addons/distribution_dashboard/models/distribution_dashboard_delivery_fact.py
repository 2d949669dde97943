from odoo import fields, models
from odoo.tools import SQL

# engine/kpi.py:pick_to_ship_kpis: creation (release to the warehouse) to validation
DELIVERY_FACT_SQL = SQL(
    """
SELECT p.id,
       p.company_id,
       t.warehouse_id,
       p.sale_id AS order_id,
       coalesce(rp.distribution_tier, 'standard') AS segment,
       p.create_date AS created_at,
       p.date_done AS done_at,
       extract(epoch FROM p.date_done - p.create_date) / 3600.0 AS pick_to_ship_h
  FROM stock_picking p
  JOIN stock_picking_type t ON t.id = p.picking_type_id
  LEFT JOIN sale_order so ON so.id = p.sale_id
  LEFT JOIN res_partner rp ON rp.id = so.partner_id
 WHERE t.code = 'outgoing' AND p.state = 'done' AND p.date_done IS NOT NULL
"""
)


class DistributionDashboardDeliveryFact(models.Model):
    _name = "distribution.dashboard.delivery.fact"
    _inherit = ["distribution.dashboard.fact.mixin"]
    _description = "Delivery facts (pick to ship)"
    _auto = False
    _fact_materialized = True
    _order = "done_at desc"

    picking_id = fields.Many2one("stock.picking", compute="_compute_picking_id")
    company_id = fields.Many2one("res.company", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", string="Site", readonly=True)
    order_id = fields.Many2one("sale.order", readonly=True)
    segment = fields.Char(readonly=True)
    created_at = fields.Datetime(readonly=True)
    done_at = fields.Datetime(readonly=True)
    pick_to_ship_h = fields.Float(string="Pick to Ship (h)", readonly=True, aggregator="avg")

    def _compute_picking_id(self):
        for fact in self:
            fact.picking_id = fact.id

    def _fact_query(self):
        return DELIVERY_FACT_SQL

    def _fact_indexes(self):
        return ["warehouse_id", "company_id", "done_at"]
