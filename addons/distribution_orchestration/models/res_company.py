from odoo import api, fields, models

ALLOCATION_POLICIES = [
    ("home_then_nearest", "Home warehouse, then nearest"),
    ("fewest_shipments", "Fewest shipments"),
    ("nearest_with_stock", "Nearest with stock"),
    ("ship_complete", "Ship complete from one site, or backorder"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    distribution_pipeline_enabled = fields.Boolean(
        string="Governed Order Pipeline",
        default=True,
        help="Confirming a sales order runs the configured checks, then allocates it "
        "across warehouses and releases it, or puts it on hold.",
    )
    distribution_allocation_policy = fields.Selection(
        ALLOCATION_POLICIES, string="Allocation Policy", default="home_then_nearest", required=True
    )
    distribution_allow_split = fields.Boolean(
        string="Split Lines Across Warehouses",
        default=True,
        help="A line may be served by several warehouses when no single one can serve it.",
    )
    distribution_release_mode = fields.Selection(
        [("immediate", "Immediately"), ("batch", "In batches, by priority")],
        string="Release",
        default="immediate",
        required=True,
        help="Batch release lets orders that compete for scarce stock be released by "
        "priority score (scheduled action and button).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self.env["distribution.check"].sudo()._create_defaults(companies)
        return companies
