from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    distribution_vendor_risk = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High")],
        string="Vendor Risk",
        default="low",
        help="Purchase approval flows can route by it (purchase orders' Vendor Risk).",
    )
