from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    distribution_warehouse_ids = fields.Many2many(
        "stock.warehouse",
        "distribution_user_warehouse_rel",
        "user_id",
        "warehouse_id",
        string="Sites",
        help="Sites whose orders this user sees. Empty: every site of their companies.",
    )
