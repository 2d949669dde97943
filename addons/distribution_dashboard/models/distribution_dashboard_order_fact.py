from odoo import fields, models
from odoo.tools import SQL

# The per-order facts of engine/kpi.py:order_facts, in SQL (same definitions: a goods
# line is a line without display type whose product is goods; a shipment is a done
# outgoing delivery of the order; shipped = a shipment and no open delivery left; a
# line is in full when its first shipment carried the whole ordered quantity).
ORDER_FACT_SQL = SQL(
    """
WITH goods_line AS (
    SELECT l.id, l.order_id, l.product_uom_qty AS qty
      FROM sale_order_line l
      JOIN product_product pp ON pp.id = l.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
     WHERE l.display_type IS NULL AND pt.type = 'consu'
), first_category AS (
    SELECT DISTINCT ON (l.order_id) l.order_id, pt.categ_id
      FROM sale_order_line l
      JOIN product_product pp ON pp.id = l.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
     WHERE l.display_type IS NULL AND pt.type = 'consu'
     ORDER BY l.order_id, l.id
), delivery AS (
    SELECT p.id, p.sale_id AS order_id, p.state, p.date_done
      FROM stock_picking p
      JOIN stock_picking_type t ON t.id = p.picking_type_id
     WHERE t.code = 'outgoing' AND p.sale_id IS NOT NULL AND p.state != 'cancel'
), delivery_by_order AS (
    SELECT order_id,
           count(*) FILTER (WHERE state != 'done') AS open_deliveries,
           max(date_done) FILTER (WHERE state = 'done') AS last_done,
           (array_agg(id ORDER BY date_done, id) FILTER (WHERE state = 'done'))[1]
               AS first_picking_id
      FROM delivery
     GROUP BY order_id
), first_qty AS (
    SELECT m.sale_line_id AS line_id, sum(m.quantity) AS qty
      FROM stock_move m
      JOIN delivery_by_order d ON d.first_picking_id = m.picking_id
     WHERE m.state = 'done' AND m.sale_line_id IS NOT NULL
     GROUP BY m.sale_line_id
), line_fact AS (
    SELECT gl.order_id,
           count(*) AS line_count,
           count(*) FILTER (WHERE coalesce(fq.qty, 0) >= gl.qty - 1e-9) AS lines_in_full
      FROM goods_line gl
      LEFT JOIN first_qty fq ON fq.line_id = gl.id
     GROUP BY gl.order_id
), base AS (
    SELECT so.id,
           so.company_id,
           so.warehouse_id,
           so.partner_id,
           coalesce(rp.distribution_tier, 'standard') AS segment,
           so.date_order AS confirmed_at,
           so.commitment_date AS promised_at,
           (d.last_done IS NOT NULL AND d.open_deliveries = 0) AS shipped,
           d.last_done,
           fc.categ_id AS category_id,
           coalesce(lf.line_count, 0) AS line_count,
           coalesce(lf.lines_in_full, 0) AS lines_in_full,
           EXISTS (SELECT 1 FROM distribution_hold h WHERE h.order_id = so.id) AS had_hold
      FROM sale_order so
      JOIN res_partner rp ON rp.id = so.partner_id
      LEFT JOIN delivery_by_order d ON d.order_id = so.id
      LEFT JOIN line_fact lf ON lf.order_id = so.id
      LEFT JOIN first_category fc ON fc.order_id = so.id
     WHERE so.state = 'sale'
)
SELECT id, company_id, warehouse_id, partner_id, segment, confirmed_at, promised_at,
       shipped, category_id,
       CASE WHEN shipped THEN last_done END AS shipped_at,
       CASE WHEN shipped THEN extract(epoch FROM last_done - confirmed_at) / 3600.0 END
           AS cycle_h,
       line_count,
       lines_in_full,
       CASE WHEN shipped AND promised_at IS NOT NULL THEN last_done <= promised_at END
           AS on_time,
       CASE WHEN shipped AND promised_at IS NOT NULL
            THEN last_done <= promised_at AND lines_in_full = line_count END AS otif,
       had_hold
  FROM base
"""
)


class DistributionDashboardOrderFact(models.Model):
    _name = "distribution.dashboard.order.fact"
    _inherit = ["distribution.dashboard.fact.mixin"]
    _description = "Order facts (cycle time, fill, on time)"
    _auto = False
    _fact_materialized = True
    _order = "confirmed_at desc"
    _rec_name = "order_id"

    order_id = fields.Many2one("sale.order", compute="_compute_order_id")
    company_id = fields.Many2one("res.company", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", string="Site", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    segment = fields.Char(readonly=True)
    confirmed_at = fields.Datetime(readonly=True)
    promised_at = fields.Datetime(string="Commitment", readonly=True)
    shipped = fields.Boolean(readonly=True)
    shipped_at = fields.Datetime(readonly=True)
    cycle_h = fields.Float(string="Cycle Time (h)", readonly=True, aggregator="avg")
    category_id = fields.Many2one("product.category", string="Category (first line)", readonly=True)
    line_count = fields.Integer(string="Lines", readonly=True)
    lines_in_full = fields.Integer(readonly=True)
    on_time = fields.Boolean(readonly=True)
    otif = fields.Boolean(string="OTIF", readonly=True)
    had_hold = fields.Boolean(string="Had a Hold", readonly=True)

    def _compute_order_id(self):
        for fact in self:
            fact.order_id = fact.id

    def _fact_query(self):
        return ORDER_FACT_SQL

    def _fact_indexes(self):
        return ["warehouse_id", "company_id", "shipped_at", "confirmed_at"]
