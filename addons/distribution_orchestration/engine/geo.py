"""Distances between sites and customers (pure Python, no Odoo).

A *location* is ``(latitude, longitude)`` in decimal degrees (WGS 84), or None when
unknown.  ``0.0`` is a valid coordinate (the equator, the Greenwich meridian): a
location is missing only when it is None, never because a coordinate is zero.

Distances are great-circle distances in **kilometres** on a sphere of radius
:data:`EARTH_RADIUS_KM` (haversine formula), unless a transit table gives the real
road distance for a warehouse and delivery zone (see :func:`zone_rule_for`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from .common import is_number

#: Mean Earth radius (IUGG), kilometres.
EARTH_RADIUS_KM = 6371.0

Location = tuple[float, float]


class LocationError(ValueError):
    """A coordinate is not a number or out of range."""


def check_location(location: Location | None) -> Location | None:
    """Return ``location`` (None passes), or raise :class:`LocationError` if invalid."""
    if location is None:
        return None
    try:
        latitude, longitude = location
    except (TypeError, ValueError):
        raise LocationError(f"a location is (latitude, longitude), got {location!r}") from None
    if not is_number(latitude) or not -90.0 <= latitude <= 90.0:
        raise LocationError(f"latitude must be a number in [-90, 90], got {latitude!r}")
    if not is_number(longitude) or not -180.0 <= longitude <= 180.0:
        raise LocationError(f"longitude must be a number in [-180, 180], got {longitude!r}")
    return float(latitude), float(longitude)


def great_circle_km(origin: Location | None, destination: Location | None) -> float | None:
    """Great-circle distance in km between two locations; None when one is unknown."""
    origin, destination = check_location(origin), check_location(destination)
    if origin is None or destination is None:
        return None
    lat1, lon1 = map(math.radians, origin)
    lat2, lon2 = map(math.radians, destination)
    half = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(half, 1.0)))


def fmt_km(distance: float | None) -> str:
    """``1,234.5 km``, or ``unknown`` for None."""
    return "unknown" if distance is None else f"{distance:,.1f} km"


@dataclass(frozen=True)
class DeliveryZone:
    """Where a customer is delivered, as a transit table sees it.

    ``country`` and ``state`` are any identifiers (codes, database ids) compared for
    equality with the rules' own.
    """

    country: Hashable | None = None
    state: Hashable | None = None
    postcode: str | None = None


@dataclass(frozen=True)
class ZoneRule:
    """One row of a transit table: a warehouse to a delivery zone.

    A rule matches a zone when every criterion it sets matches: same country, same
    state, postcode starting with ``postcode_prefix`` (spaces and case ignored).
    Criteria left None match anything.

    Attributes:
        rule_id: identifier (final tie-breaker).
        warehouse_id: the shipping warehouse.
        distance_km: road distance to the zone, overrides the great-circle distance.
        lead_time_days: transit time, shown in explanations (None: not given).
        label: name used in explanations.
    """

    rule_id: int
    warehouse_id: int
    distance_km: float
    country: Hashable | None = None
    state: Hashable | None = None
    postcode_prefix: str | None = None
    lead_time_days: float | None = None
    label: str | None = None

    @property
    def specificity(self) -> tuple[int, int, int]:
        """More specific rules win: longer postcode prefix, then state, then country."""
        prefix = _postcode(self.postcode_prefix)
        return (len(prefix), self.state is not None, self.country is not None)

    def matches(self, zone: DeliveryZone) -> bool:
        if self.country is not None and self.country != zone.country:
            return False
        if self.state is not None and self.state != zone.state:
            return False
        prefix = _postcode(self.postcode_prefix)
        return not prefix or _postcode(zone.postcode).startswith(prefix)


def _postcode(value: str | None) -> str:
    return "".join((value or "").split()).upper()


def zone_rule_for(
    rules: Iterable[ZoneRule], warehouse_id: int, zone: DeliveryZone
) -> ZoneRule | None:
    """The most specific rule of ``warehouse_id`` matching ``zone`` (ties: lowest id)."""
    best: ZoneRule | None = None
    for rule in rules:
        if rule.warehouse_id != warehouse_id or not rule.matches(zone):
            continue
        if best is None or (rule.specificity, -rule.rule_id) > (best.specificity, -best.rule_id):
            best = rule
    return best


def site_distance(
    warehouse_id: int,
    warehouse_location: Location | None,
    customer_location: Location | None,
    zone: DeliveryZone | None = None,
    rules: Iterable[ZoneRule] = (),
) -> tuple[float | None, str]:
    """Distance in km from a warehouse to a customer, and where it comes from.

    The most specific matching transit-table rule wins (it is the real road distance);
    otherwise the great-circle distance between the two locations; None (with the
    reason) when either location is unknown.
    """
    rule = zone_rule_for(rules, warehouse_id, zone) if zone is not None else None
    if rule is not None:
        note = f"transit table ({rule.label or f'rule {rule.rule_id}'}"
        if rule.lead_time_days is not None:
            note += f", {rule.lead_time_days:g} day(s) in transit"
        return float(rule.distance_km), note + ")"
    if warehouse_location is None:
        return None, "no location set on the warehouse"
    if customer_location is None:
        return None, "the delivery address has no location"
    return great_circle_km(warehouse_location, customer_location), "great-circle"
