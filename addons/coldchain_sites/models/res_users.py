from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    coldchain_warehouse_ids = fields.Many2many(
        "stock.warehouse",
        "coldchain_user_warehouse_rel",
        "user_id",
        "warehouse_id",
        string="Cold-chain sites",
        help="Sites whose gateways, sensors and readings a cold-chain operator sees; "
        "empty: every site of the operator's companies.  Quality and administrators "
        "always see every site.",
    )

    def write(self, vals):
        res = super().write(vals)
        if "coldchain_warehouse_ids" in vals:
            # record rules read this field: their cached domains are stale now
            self.env.registry.clear_cache()
        return res
