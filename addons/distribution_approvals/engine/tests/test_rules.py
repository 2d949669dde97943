from datetime import datetime, timedelta

import pytest

from distribution_approvals.engine.rules import (
    Freeze,
    RuleValueError,
    differences,
    format_value,
    freeze_covering,
    parse_value,
    version_values,
)

T = datetime(2026, 12, 28, 12, 0)
POLICIES = [("home_then_nearest", "Home Site, Then Nearest"), ("nearest", "Nearest Warehouse")]


def test_parse_values_by_type():
    assert parse_value("boolean", "Yes") is True and parse_value("boolean", "off") is False
    assert parse_value("integer", " 12 ") == 12
    assert parse_value("float", "2,5") == 2.5
    assert parse_value("char", "  ") is False
    assert parse_value("selection", "nearest warehouse", POLICIES) == "nearest"
    assert parse_value("selection", "nearest", POLICIES) == "nearest"


@pytest.mark.parametrize(
    "ttype,text",
    [
        ("boolean", "maybe"),
        ("integer", "1.5"),
        ("float", "nan"),
        ("float", "ten"),
        ("many2one", "x"),
    ],
)
def test_bad_values_are_refused(ttype, text):
    with pytest.raises(RuleValueError):
        parse_value(ttype, text)


def test_selection_refusal_lists_the_choices():
    with pytest.raises(RuleValueError, match="Home Site, Then Nearest, Nearest Warehouse"):
        parse_value("selection", "cheapest", POLICIES)


def test_version_values_and_differences():
    current = {"tolerance_pct": 5.0, "due_hours": 24.0, "active": True}
    values = version_values(current, [("tolerance_pct", 2.5)])
    assert values == {"tolerance_pct": 2.5, "due_hours": 24.0, "active": True}
    assert differences(current, values) == [("tolerance_pct", 5.0, 2.5)]
    with pytest.raises(RuleValueError):
        version_values(current, [("code", "x")])
    assert (
        format_value(True) == "Yes" and format_value(2.50) == "2.5" and format_value(False) == "—"
    )


def test_freeze_covering_company_and_sites():
    company_wide = Freeze(1, 10, None, T, T + timedelta(days=3), "Month-end")
    north = Freeze(2, 10, 7, T + timedelta(days=10), T + timedelta(days=12), "North stocktake")
    other_company = Freeze(3, 11, None, T, T + timedelta(days=30), "Other")
    freezes = [company_wide, north, other_company]
    assert freeze_covering(freezes, 10, None, T + timedelta(days=1)) == company_wide
    assert freeze_covering(freezes, 10, 8, T + timedelta(days=1)) == company_wide
    # a site's freeze covers that site's rules and the company-wide rules
    assert freeze_covering(freezes, 10, 7, T + timedelta(days=11)) == north
    assert freeze_covering(freezes, 10, None, T + timedelta(days=11)) == north
    assert freeze_covering(freezes, 10, 8, T + timedelta(days=11)) is None
    assert freeze_covering(freezes, 10, None, T + timedelta(days=5)) is None
    # bounds are inclusive
    assert freeze_covering(freezes, 10, None, T + timedelta(days=3)) == company_wide


def test_site_may_tighten_not_loosen():
    from distribution_approvals.engine.rules import CHECK_BOUNDS, deviations

    enterprise = {
        "min_margin_pct": 10.0,
        "tolerance_pct": 5.0,
        "require_incoterm": False,
        "sequence": 10,
    }
    tighter = {
        "min_margin_pct": 12.0,
        "tolerance_pct": 0.0,
        "require_incoterm": True,
        "sequence": 20,
    }
    found = deviations(enterprise, tighter, CHECK_BOUNDS)
    assert [(d.field, d.within_bounds) for d in found] == [
        ("min_margin_pct", True),
        ("require_incoterm", True),
        ("sequence", True),  # no direction: free
        ("tolerance_pct", True),
    ]
    looser = {
        "min_margin_pct": 8.0,
        "tolerance_pct": 5.0,
        "require_incoterm": False,
        "sequence": 10,
    }
    (margin,) = deviations(enterprise, looser, CHECK_BOUNDS)
    assert (margin.field, margin.within_bounds, margin.rule) == ("min_margin_pct", False, "higher")
    assert deviations(enterprise, dict(enterprise), CHECK_BOUNDS) == []
    locked = deviations(enterprise, tighter, CHECK_BOUNDS, locked=True)
    assert locked and not any(d.within_bounds for d in locked)
