from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine.stock_status import RebalanceParams, StatusParams


class ResCompany(models.Model):
    """Per-company parameters of the multi-site inventory status and rebalancing.

    The inventory status view reads these columns at query time (no view rebuild when
    they change): the horizon of incoming/outgoing moves, the demand window and the
    excess threshold in days of cover.
    """

    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    distribution_status_horizon_days = fields.Integer(
        string="Inventory Status Horizon (days)",
        default=14,
        help="Incoming and outgoing moves scheduled up to this many days ahead (overdue "
        "ones included) count in the inventory status.",
    )
    distribution_demand_days = fields.Integer(
        string="Demand Window (days)",
        default=30,
        help="Recent demand per day = quantity delivered to customers from the site "
        "over this many days, divided by the number of days.",
    )
    distribution_excess_days_of_cover = fields.Float(
        string="Excess Above (days of cover)",
        default=90.0,
        help="A site holding more than this many days of recent demand is in excess.",
    )
    distribution_rebalance_target_days = fields.Float(
        string="Rebalancing Target (days of cover)",
        default=30.0,
        help="Rebalancing brings a site below safety up to max(safety stock, demand per "
        "day x this many days), taking only what an excess site holds above the same target.",
    )

    @api.constrains(
        "distribution_status_horizon_days",
        "distribution_demand_days",
        "distribution_excess_days_of_cover",
        "distribution_rebalance_target_days",
    )
    def _check_distribution_inventory_parameters(self):
        for company in self:
            if company.distribution_status_horizon_days < 0:
                raise ValidationError(
                    self.env._("The inventory status horizon cannot be negative.")
                )
            if company.distribution_demand_days < 1:
                raise ValidationError(self.env._("The demand window must be at least one day."))
            if company.distribution_excess_days_of_cover <= 0:
                raise ValidationError(
                    self.env._("The excess threshold must be a positive number of days of cover.")
                )
            if company.distribution_rebalance_target_days < 0:
                raise ValidationError(self.env._("The rebalancing target cannot be negative."))

    def _distribution_status_params(self):
        """The engine's status thresholds for this company."""
        self.ensure_one()
        return StatusParams(excess_days_of_cover=float(self.distribution_excess_days_of_cover))

    def _distribution_rebalance_params(self):
        """The engine's rebalancing parameters for this company."""
        self.ensure_one()
        return RebalanceParams(
            target_days_of_cover=float(self.distribution_rebalance_target_days),
            status=self._distribution_status_params(),
        )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    distribution_status_horizon_days = fields.Integer(
        related="company_id.distribution_status_horizon_days", readonly=False
    )
    distribution_demand_days = fields.Integer(
        related="company_id.distribution_demand_days", readonly=False
    )
    distribution_excess_days_of_cover = fields.Float(
        related="company_id.distribution_excess_days_of_cover", readonly=False
    )
    distribution_rebalance_target_days = fields.Float(
        related="company_id.distribution_rebalance_target_days", readonly=False
    )
