from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .governance import GROUP_MANAGER, require_group

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
        default=lambda self: self._default_distribution_pipeline_enabled(),
        help="Confirming a sales order runs the configured checks, then allocates it "
        "across warehouses and releases it, or puts it on hold. Off after installation: "
        "orders confirm as in standard Odoo until an administrator enables it.",
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

    @api.model
    def _default_distribution_pipeline_enabled(self):
        # sudo: a system parameter set in Settings, read for the default of a new company
        return bool(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("distribution_orchestration.pipeline_for_new_companies")
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
        # sudo: a company's default checks come with it, whoever creates the company
        self.env["distribution.check"].sudo()._create_defaults(companies)
        return companies

    def write(self, vals):
        """The company's orchestration settings are governance: only orchestration
        administrators change them (Settings, or any other caller)."""
        governed = [name for name in vals if name.startswith("distribution_")]
        if governed and any(
            company[name]
            != company._fields[name].convert_to_record(
                company._fields[name].convert_to_cache(vals[name], company), company
            )
            for company in self
            for name in governed
        ):
            require_group(
                self.env, [GROUP_MANAGER], self.env._("Changing the order pipeline's settings")
            )
        return super().write(vals)
