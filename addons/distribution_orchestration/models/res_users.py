from odoo import api, fields, models

from .governance import GROUP_ALL_SITES, GROUP_USER


class ResUsers(models.Model):
    _inherit = "res.users"

    distribution_warehouse_ids = fields.Many2many(
        "stock.warehouse",
        "distribution_user_warehouse_rel",
        "user_id",
        "warehouse_id",
        string="Sites",
        help="Sites whose orders, holds and stock this pipeline user sees. A pipeline "
        "user with no site sees none, unless they are in 'All Sites'.",
    )
    distribution_site_scoped = fields.Boolean(
        compute="_compute_distribution_site_scoped",
        help="Pipeline user without 'All Sites': record rules limit them to their sites.",
    )

    @api.depends("group_ids", "distribution_warehouse_ids")
    def _compute_distribution_site_scoped(self):
        for user in self:
            user.distribution_site_scoped = user.has_group(GROUP_USER) and not user.has_group(
                GROUP_ALL_SITES
            )

    def write(self, vals):
        result = super().write(vals)
        if "distribution_warehouse_ids" in vals:
            # record rules read the sites: their cached domains are stale now
            self.env.registry.clear_cache()
        return result

    def _get_default_warehouse_id(self):
        """A site-scoped user's new orders start at one of their own sites."""
        warehouse = super()._get_default_warehouse_id()
        if self.distribution_site_scoped and self.distribution_warehouse_ids:
            own = self.distribution_warehouse_ids.filtered(
                lambda w: w.company_id == self.env.company
            )
            if own and warehouse not in own:
                return own[:1]
        return warehouse
