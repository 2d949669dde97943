from odoo import fields, models


class StockLocation(models.Model):
    """A monitored zone: the temperature profile it is operated at, and its sensors."""

    _inherit = "stock.location"

    coldchain_profile_id = fields.Many2one(
        "coldchain.temperature.profile",
        string="Temperature profile",
        ondelete="restrict",
        help="The range this zone is operated at; a zone without a profile is not monitored.",
    )
    coldchain_sensor_ids = fields.One2many("coldchain.sensor", "location_id", string="Sensors")
