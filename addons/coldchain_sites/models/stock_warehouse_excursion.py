# pylint: disable=consider-merging-classes-inherited
# (stock_warehouse.py belongs to the telemetry feature; excursions add their own fields)
from odoo import fields, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    coldchain_escalation_partner_ids = fields.Many2many(
        "res.partner",
        "coldchain_warehouse_escalation_rel",
        "warehouse_id",
        "partner_id",
        string="Escalation contacts",
        help="Alerted when an excursion is not acknowledged within the site's service "
        "tier; empty: the cold-chain quality users.",
    )
