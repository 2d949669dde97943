"""Distances: great-circle km, explicit missing locations, transit tables."""

import pytest

from distribution_orchestration.engine.geo import (
    DeliveryZone,
    LocationError,
    ZoneRule,
    fmt_km,
    great_circle_km,
    site_distance,
    zone_rule_for,
)

PARIS = (48.8566, 2.3522)
LYON = (45.7640, 4.8357)


def test_great_circle_known_distance():
    assert great_circle_km(PARIS, LYON) == pytest.approx(391.5, abs=0.1)
    assert great_circle_km(PARIS, PARIS) == 0.0
    assert great_circle_km(LYON, PARIS) == great_circle_km(PARIS, LYON)


def test_zero_is_a_coordinate_not_a_missing_one():
    # Null Island to a point on the equator 1 degree east: 111.2 km
    assert great_circle_km((0.0, 0.0), (0.0, 1.0)) == pytest.approx(111.19, abs=0.01)
    assert great_circle_km((51.48, 0.0), (51.48, 0.0)) == 0.0  # Greenwich


def test_missing_location_gives_no_distance():
    assert great_circle_km(None, LYON) is None
    assert great_circle_km(PARIS, None) is None


@pytest.mark.parametrize("bad", [(91, 0), (0, 181), (float("nan"), 0), ("48", "2"), (1,)])
def test_bad_coordinates_are_refused(bad):
    with pytest.raises(LocationError):
        great_circle_km(bad, PARIS)


def test_format():
    assert fmt_km(1234.56) == "1,234.6 km"
    assert fmt_km(None) == "unknown"


def test_most_specific_zone_rule_wins():
    rules = [
        ZoneRule(1, warehouse_id=10, distance_km=500, country="FR"),
        ZoneRule(2, warehouse_id=10, distance_km=450, country="FR", state="ARA"),
        ZoneRule(3, warehouse_id=10, distance_km=430, country="FR", postcode_prefix="69"),
        ZoneRule(4, warehouse_id=10, distance_km=420, country="FR", postcode_prefix="690"),
        ZoneRule(5, warehouse_id=11, distance_km=5, country="FR", postcode_prefix="69001"),
    ]
    lyon = DeliveryZone(country="FR", state="ARA", postcode="69 002")
    assert zone_rule_for(rules, 10, lyon).rule_id == 4
    assert zone_rule_for(rules, 10, DeliveryZone("FR", "ARA", "38000")).rule_id == 2
    assert zone_rule_for(rules, 10, DeliveryZone("FR", None, "75001")).rule_id == 1
    assert zone_rule_for(rules, 10, DeliveryZone("BE", None, "69000")) is None
    assert zone_rule_for(rules, 11, lyon) is None  # 69002 does not start with 69001


def test_equal_rules_lowest_id_wins():
    rules = [ZoneRule(9, 1, 10, country="NL"), ZoneRule(3, 1, 20, country="NL")]
    assert zone_rule_for(rules, 1, DeliveryZone("NL")).rule_id == 3


def test_site_distance_sources():
    zone = DeliveryZone(country="FR", postcode="69002")
    rule = ZoneRule(1, 7, 470.0, country="FR", lead_time_days=2, label="Paris to Lyon")
    assert site_distance(7, PARIS, LYON, zone, [rule]) == (
        470.0,
        "transit table (Paris to Lyon, 2 day(s) in transit)",
    )
    # the table wins even without coordinates
    assert site_distance(7, None, None, zone, [rule])[0] == 470.0
    distance, note = site_distance(8, PARIS, LYON, zone, [rule])
    assert distance == pytest.approx(391.5, abs=0.1) and note == "great-circle"
    assert site_distance(8, None, LYON) == (None, "no location set on the warehouse")
    assert site_distance(8, PARIS, None) == (None, "the delivery address has no location")
