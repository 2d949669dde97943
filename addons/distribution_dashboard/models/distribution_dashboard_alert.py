from odoo import api, fields, models
from odoo.exceptions import AccessError

from .distribution_dashboard_target import KPI_SELECTION

KEY_FIELDS = ("company_id", "warehouse_id", "kpi_code", "grain", "period_start", "value", "target")


class DistributionDashboardAlert(models.Model):
    """A KPI that missed its target at a site in one period: one record (and one
    activity for the site manager) per site, KPI and period, whatever the number
    of refreshes.  Written by the target check only; its figures never change."""

    _name = "distribution.dashboard.alert"
    _description = "KPI below target"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "period_start desc, id desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    warehouse_id = fields.Many2one("stock.warehouse", string="Site", required=True, readonly=True)
    kpi_code = fields.Selection(KPI_SELECTION, string="KPI", required=True, readonly=True)
    grain = fields.Selection(
        [("day", "Day"), ("week", "Week"), ("month", "Month")], required=True, readonly=True
    )
    period_start = fields.Date(required=True, readonly=True)
    value = fields.Float(readonly=True)
    target = fields.Float(readonly=True)

    _unique_period = models.Constraint(
        "UNIQUE (warehouse_id, kpi_code, grain, period_start)",
        "One alert per site, KPI and period.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(self.env._("KPI alerts are raised by the target check only."))
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) & set(KEY_FIELDS) and not self.env.su:
            raise AccessError(self.env._("A KPI alert's figures cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        if not self.env.su:
            raise AccessError(self.env._("KPI alerts are kept: they cannot be deleted."))
