from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import geo as engine_geo


class DistributionTransitRule(models.Model):
    """One row of a warehouse's transit table: the real distance (and transit time) from
    the warehouse to a delivery zone (country, optionally state, optionally postcode
    prefix).  When a row matches the delivery address it replaces the great-circle
    distance in the allocation; the most specific row wins (longer postcode prefix,
    then state, then country; see :func:`..engine.geo.zone_rule_for`)."""

    _name = "distribution.transit.rule"
    _description = "Transit Table Row"
    _order = "warehouse_id, country_id, state_id, zip_prefix, id"

    warehouse_id = fields.Many2one("stock.warehouse", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(
        related="warehouse_id.company_id", store=True, index=True, readonly=True
    )
    country_id = fields.Many2one("res.country", required=True)
    state_id = fields.Many2one("res.country.state", domain="[('country_id', '=?', country_id)]")
    zip_prefix = fields.Char(
        string="Postcode Prefix",
        help="Delivery postcodes starting with this (spaces and case ignored). Empty: the "
        "whole state or country.",
    )
    distance_km = fields.Float(
        string="Distance (km)",
        required=True,
        digits=(10, 1),
        help="Road distance to the zone; replaces the great-circle distance.",
    )
    lead_time_days = fields.Float(
        string="Transit Time (days)", digits=(6, 1), help="Shown in the explanations."
    )
    active = fields.Boolean(default=True)

    _zone_unique = models.UniqueIndex(
        "(warehouse_id, country_id, COALESCE(state_id, 0), COALESCE(zip_prefix, '')) WHERE active",
        "A warehouse has one transit table row per delivery zone.",
    )

    @api.constrains("distance_km", "lead_time_days", "state_id", "country_id")
    def _check_transit(self):
        for rule in self:
            if rule.distance_km < 0 or rule.lead_time_days < 0:
                raise ValidationError(self.env._("Transit distances and times cannot be negative."))
            if rule.state_id and rule.state_id.country_id != rule.country_id:
                raise ValidationError(
                    self.env._(
                        "%(state)s is not in %(country)s.",
                        state=rule.state_id.name,
                        country=rule.country_id.name,
                    )
                )

    @api.depends("warehouse_id", "country_id", "state_id", "zip_prefix")
    def _compute_display_name(self):
        for rule in self:
            zone = " / ".join(
                filter(None, (rule.country_id.code, rule.state_id.code, rule.zip_prefix))
            )
            rule.display_name = f"{rule.warehouse_id.code or ''} → {zone}"

    def _engine_rules(self):
        """The rows as engine rules (country and state by id)."""
        return [
            engine_geo.ZoneRule(
                rule_id=rule.id,
                warehouse_id=rule.warehouse_id.id,
                distance_km=rule.distance_km,
                country=rule.country_id.id or None,
                state=rule.state_id.id or None,
                postcode_prefix=rule.zip_prefix or None,
                lead_time_days=rule.lead_time_days or None,
                label=rule.display_name,
            )
            for rule in self
        ]
