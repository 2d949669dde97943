from odoo import fields, models
from odoo.tools import SQL

# engine/kpi.py:hold_resolution_kpis: resolved = released or rejected (a hold cleared
# on resubmission was not resolved by anyone and does not count).  A plain view: holds
# are few and the figure must be current.
HOLD_FACT_SQL = SQL(
    """
SELECT h.id,
       h.company_id,
       h.warehouse_id,
       h.order_id,
       coalesce(rp.distribution_tier, 'standard') AS segment,
       h.reason_code AS reason,
       h.state,
       h.create_date AS created_at,
       CASE WHEN h.state IN ('released', 'rejected') THEN h.resolved_at END AS resolved_at,
       CASE WHEN h.state IN ('released', 'rejected')
            THEN extract(epoch FROM h.resolved_at - h.create_date) / 3600.0 END
           AS resolution_h
  FROM distribution_hold h
  JOIN sale_order so ON so.id = h.order_id
  JOIN res_partner rp ON rp.id = so.partner_id
"""
)


class DistributionDashboardHoldFact(models.Model):
    _name = "distribution.dashboard.hold.fact"
    _inherit = ["distribution.dashboard.fact.mixin"]
    _description = "Hold facts (resolution time by reason)"
    _auto = False
    _order = "created_at desc"

    hold_id = fields.Many2one("distribution.hold", compute="_compute_hold_id")
    company_id = fields.Many2one("res.company", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", string="Site", readonly=True)
    order_id = fields.Many2one("sale.order", readonly=True)
    segment = fields.Char(readonly=True)
    reason = fields.Char(readonly=True)
    state = fields.Char(readonly=True)
    created_at = fields.Datetime(readonly=True)
    resolved_at = fields.Datetime(readonly=True)
    resolution_h = fields.Float(string="Resolution (h)", readonly=True, aggregator="avg")

    def _compute_hold_id(self):
        for fact in self:
            fact.hold_id = fact.id

    def _fact_query(self):
        return HOLD_FACT_SQL
