from odoo import fields, models


class ColdchainTemperatureProfile(models.Model):
    """A storage range (°C, optionally % RH) reused by zones, products, categories, lots."""

    _name = "coldchain.temperature.profile"
    _description = "Temperature profile"
    _order = "temp_min, temp_max, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Short stable identifier, e.g. 2-8C.")
    active = fields.Boolean(default=True)
    temp_min = fields.Float(string="Min. (°C)", required=True, digits=(5, 1))
    temp_max = fields.Float(string="Max. (°C)", required=True, digits=(5, 1))
    humidity_min = fields.Float(string="Min. humidity (% RH)", digits=(5, 1))
    humidity_max = fields.Float(string="Max. humidity (% RH)", digits=(5, 1))
    mkt_dh_r = fields.Float(
        string="MKT ΔH/R (K)",
        default=10000.0,
        digits=(8, 1),
        help="Activation energy over the gas constant used for the mean kinetic "
        "temperature of this profile (10,000 K: ΔH = 83.144 kJ/mol).",
    )
    note = fields.Text()

    _code_uniq = models.Constraint("UNIQUE (code)", "A temperature profile code must be unique.")
    _range = models.Constraint(
        "CHECK (temp_min < temp_max)", "The minimum temperature must be below the maximum."
    )
    _mkt_dh_r_positive = models.Constraint(
        "CHECK (mkt_dh_r IS NULL OR mkt_dh_r > 0)", "ΔH/R must be positive."
    )
    _humidity = models.Constraint(
        "CHECK (coalesce(humidity_min, 0) >= 0 AND coalesce(humidity_max, 0) <= 100"
        " AND (humidity_max IS NULL OR humidity_max = 0"
        " OR coalesce(humidity_min, 0) < humidity_max))",
        "Humidity is a range of percentages with its minimum below its maximum.",
    )

    def _compute_display_name(self):
        for profile in self:
            profile.display_name = (
                f"{profile.name} ({profile.temp_min:g} … {profile.temp_max:g} °C)"
            )
