from odoo import fields, models
from odoo.tools import SQL

# engine/kpi.py:backlog_kpis: open goods lines of allocated, released or partially
# shipped orders, now (a plain view: the backlog is a snapshot).
BACKLOG_SQL = SQL(
    """
WITH open_order AS MATERIALIZED (
    -- the few open orders first (indexed state), then their lines by order
    SELECT id, company_id, warehouse_id, partner_id, date_order, commitment_date
      FROM sale_order
     WHERE state = 'sale'
       AND distribution_state IN ('allocated', 'released', 'partially_shipped')
)
SELECT l.id,
       so.company_id,
       so.warehouse_id,
       so.id AS order_id,
       so.partner_id,
       coalesce(rp.distribution_tier, 'standard') AS segment,
       l.product_id,
       l.product_uom_qty - l.qty_delivered AS open_qty,
       so.date_order AS confirmed_at,
       so.commitment_date AS promised_at,
       extract(epoch FROM (now() AT TIME ZONE 'UTC') - so.date_order) / 86400.0 AS age_days
  FROM open_order so
  JOIN sale_order_line l ON l.order_id = so.id
  JOIN res_partner rp ON rp.id = so.partner_id
  JOIN product_product pp ON pp.id = l.product_id
  JOIN product_template pt ON pt.id = pp.product_tmpl_id
 WHERE l.display_type IS NULL AND pt.type = 'consu'
   AND l.qty_delivered < l.product_uom_qty - 1e-9
"""
)


class DistributionDashboardBacklog(models.Model):
    _name = "distribution.dashboard.backlog"
    _inherit = ["distribution.dashboard.fact.mixin"]
    _description = "Backlog (open order lines)"
    _auto = False
    _order = "age_days desc"

    company_id = fields.Many2one("res.company", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", string="Site", readonly=True)
    order_id = fields.Many2one("sale.order", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    segment = fields.Char(readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    open_qty = fields.Float(readonly=True)
    confirmed_at = fields.Datetime(readonly=True)
    promised_at = fields.Datetime(string="Commitment", readonly=True)
    age_days = fields.Float(string="Age (days)", readonly=True, aggregator="avg")

    def _fact_query(self):
        return BACKLOG_SQL
