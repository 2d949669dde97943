from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import geo as engine_geo

COORDINATES = ("distribution_latitude", "distribution_longitude")


class StockWarehouse(models.Model):
    """A site as the allocation sees it: capacity, cost and its own location.

    The location is the warehouse's own (``distribution_latitude`` /
    ``distribution_longitude``), never its address record: a new warehouse shares the
    company's address unless the user sets another one, so moving that record would
    move every site.  ``distribution_has_location`` says explicitly whether the
    coordinates are set (0.0 is a valid coordinate: the equator, Greenwich); writing a
    coordinate sets it, unticking it forgets the location.
    """

    _inherit = "stock.warehouse"

    distribution_capacity_lines = fields.Integer(
        string="Picking Capacity (lines/day)",
        help="Order lines this site can pick per day; 0 means unlimited.",
    )
    distribution_cost = fields.Float(
        string="Relative Shipping Cost", help="Tie-breaker between equally near sites."
    )
    distribution_has_location = fields.Boolean(
        string="Location Set",
        copy=False,
        help="The site's coordinates below are set. A site without a location is never "
        "the nearest: allocation ranks it after every located site and says why.",
    )
    distribution_latitude = fields.Float(
        string="Latitude",
        digits=(10, 7),
        copy=False,
        help="Decimal degrees, -90 to 90 (WGS 84), of the site itself.",
    )
    distribution_longitude = fields.Float(
        string="Longitude",
        digits=(10, 7),
        copy=False,
        help="Decimal degrees, -180 to 180 (WGS 84), of the site itself.",
    )
    distribution_transit_rule_ids = fields.One2many(
        "distribution.transit.rule",
        "warehouse_id",
        string="Transit Table",
        help="Real distances (and transit times) to delivery zones; a matching row "
        "replaces the great-circle distance.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._distribution_location_vals(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._distribution_location_vals(vals))

    @api.model
    def _distribution_location_vals(self, vals):
        """Giving a coordinate sets the location, unless the caller says otherwise."""
        if "distribution_has_location" not in vals and any(name in vals for name in COORDINATES):
            return dict(vals, distribution_has_location=True)
        return vals

    @api.onchange("distribution_latitude", "distribution_longitude")
    def _onchange_distribution_coordinates(self):
        for warehouse in self:
            if warehouse.distribution_latitude or warehouse.distribution_longitude:
                warehouse.distribution_has_location = True

    @api.constrains(*COORDINATES)
    def _check_distribution_coordinates(self):
        for warehouse in self:
            try:
                engine_geo.check_location(
                    (warehouse.distribution_latitude, warehouse.distribution_longitude)
                )
            except engine_geo.LocationError as error:
                raise ValidationError(
                    self.env._(
                        "%(warehouse)s: invalid coordinates (%(error)s).",
                        warehouse=warehouse.display_name,
                        error=str(error),
                    )
                ) from None

    def _distribution_location(self):
        """``(latitude, longitude)`` of the site, or None when it has no location."""
        self.ensure_one()
        if not self.distribution_has_location:
            return None
        return (self.distribution_latitude, self.distribution_longitude)
