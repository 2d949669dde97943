from odoo import fields, models

from .res_company import ALLOCATION_POLICIES


class ResPartner(models.Model):
    _inherit = "res.partner"

    distribution_tier = fields.Selection(
        [
            ("platinum", "Platinum"),
            ("gold", "Gold"),
            ("silver", "Silver"),
            ("bronze", "Bronze"),
            ("standard", "Standard"),
        ],
        string="Customer Tier",
        default="standard",
        help="Weighs in the release priority score when orders compete for stock.",
    )
    distribution_home_warehouse_id = fields.Many2one(
        "stock.warehouse", string="Home Warehouse", company_dependent=True
    )
    distribution_allocation_policy = fields.Selection(
        ALLOCATION_POLICIES,
        string="Allocation Policy Override",
        help="Empty: the company's policy.",
    )
    distribution_on_hold = fields.Boolean(
        string="Orders On Hold", help="Every new order of this customer goes on hold."
    )
    distribution_blocked = fields.Boolean(string="Customer Blocked")
    distribution_hold_note = fields.Char(string="Hold Reason")
    distribution_requires_reference = fields.Boolean(
        string="Requires Customer Reference",
        help="Orders without the customer's reference go on hold (required data check).",
    )
