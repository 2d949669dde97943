from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    coldchain_warehouse_ids = fields.Many2many(
        "stock.warehouse",
        "coldchain_user_warehouse_rel",
        "user_id",
        "warehouse_id",
        string="Cold-chain sites",
        help="Sites whose gateways, sensors, readings and excursions a cold-chain user "
        "sees and acts on; empty: none.  Users of the group 'All sites' (quality and "
        "administrators included) work on every site of their companies.",
    )

    def write(self, vals):
        res = super().write(vals)
        if "coldchain_warehouse_ids" in vals:
            # record rules read this field: their cached domains are stale now
            self.env.registry.clear_cache()
        return res
