from odoo import api, fields, models
from odoo.exceptions import ValidationError

ALLOCATION_POLICIES = [
    ("home_then_nearest", "Home warehouse, then nearest"),
    ("fewest_shipments", "Fewest shipments"),
    ("nearest_with_stock", "Nearest with stock"),
    ("nearest_first", "Nearest first, split allowed"),
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
    distribution_max_shipments = fields.Integer(
        string="Maximum Shipments per Order",
        default=0,
        help="At most this many warehouses ship one order, whatever the policy; what "
        "would need another warehouse is backordered. 0: no limit.",
    )
    distribution_min_split_qty = fields.Float(
        string="Minimum Quantity per Split",
        default=0.0,
        digits="Product Unit",
        help="When a line is split across warehouses, every part is at least this "
        "quantity (in the product's unit). A line served whole by one warehouse is not "
        "affected. 0: no minimum.",
    )
    distribution_release_mode = fields.Selection(
        [("immediate", "Immediately"), ("batch", "In batches, by priority")],
        string="Release",
        default="immediate",
        required=True,
        help="Batch release lets orders that compete for scarce stock be released by "
        "priority score (scheduled action and button).",
    )

    @api.constrains("distribution_max_shipments", "distribution_min_split_qty")
    def _check_distribution_split_limits(self):
        for company in self:
            if company.distribution_max_shipments < 0:
                raise ValidationError(
                    self.env._("The maximum number of shipments per order cannot be negative.")
                )
            if company.distribution_min_split_qty < 0:
                raise ValidationError(
                    self.env._("The minimum quantity per split cannot be negative.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self.env["distribution.check"].sudo()._create_defaults(companies)
        return companies
