from odoo import api, fields, models

from ..engine.kpi import KPIS

KPI_SELECTION = [(kpi.code, kpi.label) for kpi in KPIS]


class DistributionDashboardTarget(models.Model):
    _name = "distribution.dashboard.target"
    _description = "KPI target (per site, or the network default)"
    _order = "kpi_code, warehouse_id"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    kpi_code = fields.Selection(KPI_SELECTION, string="KPI", required=True)
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="Site",
        help="Empty: the default for every site without its own target.",
    )
    target = fields.Float(required=True)
    better = fields.Char(compute="_compute_better", string="Good When")
    active = fields.Boolean(default=True)

    _unique_kpi_site = models.Constraint(
        "UNIQUE NULLS NOT DISTINCT (company_id, kpi_code, warehouse_id)",
        "One target per KPI and site (and one network default per KPI).",
    )

    @api.depends("kpi_code")
    def _compute_better(self):
        by_code = {kpi.code: kpi for kpi in KPIS}
        for target in self:
            kpi = by_code.get(target.kpi_code)
            target.better = (
                ("at least the target" if kpi.better == "higher" else "at most the target")
                if kpi
                else False
            )

    @api.model
    def _targets_by_site(self, company):
        """{kpi code: {warehouse id or False: target}} for ``company``."""
        result = {}
        for target in self.search([("company_id", "=", company.id)]):
            result.setdefault(target.kpi_code, {})[target.warehouse_id.id] = target.target
        return result

    @staticmethod
    def _target_for(targets, code, warehouse_id):
        by_site = targets.get(code, {})
        return by_site.get(warehouse_id, by_site.get(False))
