from odoo import fields, models


class ColdchainServiceTier(models.Model):
    """Service level of a site: how fast excursions must be seen and acknowledged."""

    _name = "coldchain.service.tier"
    _description = "Cold-chain service tier"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    detect_minutes = fields.Integer(
        string="Max. time to detect (min)",
        required=True,
        default=15,
        help="Longest acceptable delay between an excursion starting and its alert.",
    )
    acknowledge_minutes = fields.Integer(
        string="Max. time to acknowledge (min)",
        required=True,
        default=30,
        help="Longest acceptable delay between an alert and its acknowledgement.",
    )
    availability_target = fields.Float(
        string="Monitoring availability (%)",
        required=True,
        default=99.5,
        digits=(5, 2),
        help="Share of time every sensor of the site must be reporting.",
    )
    warehouse_ids = fields.One2many("stock.warehouse", "coldchain_tier_id", string="Sites")

    _detect_positive = models.Constraint(
        "CHECK (detect_minutes > 0 AND acknowledge_minutes > 0)",
        "SLA delays must be positive.",
    )
    _availability_range = models.Constraint(
        "CHECK (availability_target > 0 AND availability_target <= 100)",
        "Availability is a percentage between 0 and 100.",
    )
