from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    distribution_pipeline_enabled = fields.Boolean(
        related="company_id.distribution_pipeline_enabled", readonly=False
    )
    distribution_pipeline_for_new_companies = fields.Boolean(
        string="Enable for New Companies",
        config_parameter="distribution_orchestration.pipeline_for_new_companies",
        help="Companies created from now on start with the governed pipeline enabled.",
    )
    distribution_allocation_policy = fields.Selection(
        related="company_id.distribution_allocation_policy", readonly=False
    )
    distribution_allow_split = fields.Boolean(
        related="company_id.distribution_allow_split", readonly=False
    )
    distribution_max_shipments = fields.Integer(
        related="company_id.distribution_max_shipments", readonly=False
    )
    distribution_min_split_qty = fields.Float(
        related="company_id.distribution_min_split_qty", readonly=False
    )
    distribution_release_mode = fields.Selection(
        related="company_id.distribution_release_mode", readonly=False
    )
