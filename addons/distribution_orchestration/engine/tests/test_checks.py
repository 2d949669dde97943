"""Order checks: pass and fail of each, with the exact figures in the explanation."""

import json
from datetime import date

import pytest

from distribution_orchestration.engine.allocation import Availability, IncomingSupply, OrderLine
from distribution_orchestration.engine.checks import (
    CheckCode,
    CheckConfig,
    CreditParams,
    MarginParams,
    OrderFacts,
    PricedLine,
    PriceFloorParams,
    QuantityAnomalyParams,
    RequiredDataParams,
    StockAvailabilityParams,
    check_credit,
    check_customer_hold,
    check_margin,
    check_price_floor,
    check_quantity_anomaly,
    check_required_data,
    check_stock_availability,
    failed,
    run_checks,
)

# --- credit -------------------------------------------------------------------------------


def test_credit_fails_with_exact_figures():
    result = check_credit(5000, 3000, 4400, 10000)
    assert not result.passed
    assert result.check == "credit_limit"
    assert result.reason_code == "credit_limit_exceeded"
    assert result.explanation == (
        "Credit exposure 12,400.00 > limit 10,000.00 (receivables 5,000.00 + uninvoiced "
        "orders 3,000.00 + this order 4,400.00)."
    )
    assert result.details == {"exposure": 12400.0, "allowed": 10000.0, "excess": 2400.0}
    assert result.inputs == {
        "receivable": 5000.0,
        "uninvoiced": 3000.0,
        "order_amount": 4400.0,
        "credit_limit": 10000.0,
        "tolerance_pct": 0.0,
    }


def test_credit_equal_to_limit_passes():
    result = check_credit(5000, 3000, 2000, 10000)
    assert result.passed and result.reason_code == "credit_ok"
    assert result.explanation.startswith("Credit exposure 10,000.00 <= limit 10,000.00")


@pytest.mark.parametrize("limit", [None, 0, 0.0])
def test_credit_no_limit_passes(limit):
    result = check_credit(1e6, 1e6, 1e6, limit)
    assert result.passed and result.reason_code == "credit_no_limit"
    assert "No credit limit set; exposure 3,000,000.00" in result.explanation


def test_credit_tolerance():
    params = CreditParams(tolerance_pct=5)
    assert check_credit(0, 0, 10500, 10000, params).passed
    result = check_credit(0, 0, 10500.01, 10000, params)
    assert not result.passed
    assert "exposure 10,500.01 > limit 10,000.00 + 5.00% tolerance = 10,500.00" in (
        result.explanation
    )


def test_credit_bad_input():
    with pytest.raises(ValueError, match="credit_limit"):
        check_credit(0, 0, 0, -1)
    with pytest.raises(ValueError, match="receivable"):
        check_credit(None, 0, 0, 10)


# --- customer hold ------------------------------------------------------------------------


def test_customer_hold():
    assert check_customer_hold(False, False).passed
    on_hold = check_customer_hold(True, False, "unpaid invoices")
    assert (on_hold.passed, on_hold.reason_code) == (False, "customer_on_hold")
    assert on_hold.explanation == "Customer is on hold: unpaid invoices."
    blocked = check_customer_hold(True, True)
    assert (blocked.passed, blocked.reason_code) == (False, "customer_blocked")
    assert blocked.explanation == "Customer is blocked."


# --- required data ------------------------------------------------------------------------


def test_required_data_missing_items_listed():
    result = check_required_data(
        delivery_address=42,
        incoterm=None,
        payment_term="  ",
        customer_reference=None,
        requires_customer_reference=True,
    )
    assert not result.passed and result.reason_code == "required_data_missing"
    assert result.explanation == (
        "Missing required data: incoterm, payment terms, customer reference."
    )
    assert result.details == {"missing": ["incoterm", "payment_term", "customer_reference"]}


def test_required_data_customer_reference_only_when_required():
    kwargs = {"delivery_address": 1, "incoterm": "EXW", "payment_term": 3, "customer_reference": ""}
    assert check_required_data(**kwargs, requires_customer_reference=False).passed
    assert not check_required_data(**kwargs, requires_customer_reference=True).passed
    params = RequiredDataParams(require_incoterm=False)
    result = check_required_data(
        delivery_address=False,
        incoterm=None,
        payment_term=3,
        customer_reference=None,
        params=params,
    )
    assert result.explanation == "Missing required data: delivery address."


# --- margin -------------------------------------------------------------------------------


LINES = [
    PricedLine(1, 7, quantity=10, unit_price=50, unit_cost=46),
    PricedLine(2, 8, quantity=5, unit_price=100, unit_cost=92),
]


def test_margin_fails_below_minimum():
    result = check_margin(LINES, MarginParams(min_margin_pct=10))
    # revenue 1000, cost 920, margin 80 -> 8 %
    assert not result.passed and result.reason_code == "margin_below_minimum"
    assert result.explanation == (
        "Margin 8.00% < minimum 10.00% (revenue 1,000.00, cost 920.00, margin 80.00)."
    )
    assert result.details["margin_pct"] == pytest.approx(8.0)


def test_margin_passes_at_minimum():
    result = check_margin(LINES, MarginParams(min_margin_pct=8))
    assert result.passed and result.reason_code == "margin_ok"
    assert result.explanation.startswith("Margin 8.00% >= minimum 8.00%")


def test_margin_without_revenue_fails():
    result = check_margin([PricedLine(1, 7, 1, 0, 5)])
    assert not result.passed and result.reason_code == "margin_no_revenue"
    assert "revenue 0.00, cost 5.00, margin -5.00" in result.explanation


# --- price floor --------------------------------------------------------------------------


def test_price_floor_fails_per_line_with_figures():
    lines = [
        PricedLine(12, 7, 1, unit_price=8.5, floor_price=9.0),
        PricedLine(13, 8, 1, unit_price=10, floor_price=9.0),
        PricedLine(14, 9, 1, unit_price=1),
    ]
    result = check_price_floor(lines)
    assert not result.passed and result.reason_code == "price_below_floor"
    assert result.explanation == (
        "Price below floor: line 12 (product 7): unit price 8.50 < floor 9.00."
    )
    assert result.details["checked_lines"] == 2
    assert result.details["failures"][0]["line_id"] == 12


def test_price_floor_tolerance_and_pass():
    line = [PricedLine(1, 7, 1, unit_price=8.6, floor_price=9.0, label="Widget")]
    assert not check_price_floor(line).passed
    tolerant = check_price_floor(line, PriceFloorParams(tolerance_pct=5))  # allowed 8.55
    assert tolerant.passed and tolerant.reason_code == "price_floor_ok"
    strict = check_price_floor(line, PriceFloorParams(tolerance_pct=2))  # allowed 8.82
    assert strict.explanation == (
        "Price below floor: Widget (product 7): unit price 8.60 < floor 9.00 "
        "- 2.00% tolerance = 8.82."
    )


# --- quantity anomaly ---------------------------------------------------------------------


def test_quantity_anomaly_rule_and_figures():
    history = {7: [10, 40, 50, 30, 0], 8: [5, 5], 9: [10, 10, 10]}
    result = check_quantity_anomaly([(7, 100), (7, 21), (8, 500), (9, 30)], history)
    # product 7: 121 > 3 x median(10, 30, 40, 50) = 3 x 35 = 105; zero ignored
    # product 8: only 2 past orders, not judged; product 9: 30 == 3 x 10, not above
    assert not result.passed and result.reason_code == "quantity_anomaly"
    assert result.explanation == (
        "Unusual quantity: product 7: quantity 121 > 3 x median 35 = 105 (history of 4 orders)."
    )
    assert result.details["not_judged"] == [8]
    assert [item["product_id"] for item in result.details["anomalies"]] == [7]


def test_quantity_anomaly_passes_and_reports_not_judged():
    result = check_quantity_anomaly({7: 30, 8: 1000}, {7: [10, 10, 10], 8: [1]})
    assert result.passed and result.reason_code == "quantity_ok"
    assert result.explanation == (
        "Quantities within the customer's usual range. Not judged (fewer than 3 past orders): "
        "product(s) 8."
    )


def test_quantity_anomaly_min_quantity_and_params():
    history = {7: [1, 1, 1]}
    assert not check_quantity_anomaly({7: 4}, history).passed
    assert check_quantity_anomaly({7: 4}, history, QuantityAnomalyParams(min_quantity=10)).passed
    assert check_quantity_anomaly({7: 4}, history, QuantityAnomalyParams(factor=5)).passed
    assert check_quantity_anomaly({7: 4}, history, QuantityAnomalyParams(min_history=4)).passed
    with pytest.raises(ValueError):
        check_quantity_anomaly({7: 4}, history, QuantityAnomalyParams(factor=0))


# --- stock availability -------------------------------------------------------------------


def network():
    incoming = [IncomingSupply(2, 7, 10, date(2025, 3, 10))]
    return Availability({(1, 7): 12, (2, 7): 0, (1, 8): 3}, incoming)


def test_stock_availability_by_promised_date_cumulative():
    availability = network()
    lines = [
        OrderLine(1, 7, 10, date(2025, 3, 5)),
        OrderLine(2, 7, 10, date(2025, 3, 12)),
        OrderLine(3, 8, 3),
    ]
    result = check_stock_availability(lines, availability)
    assert result.passed and result.reason_code == "stock_ok"
    # nothing consumed
    assert availability.available(1, 7) == 12
    early = [OrderLine(1, 7, 10, date(2025, 3, 5)), OrderLine(2, 7, 10, date(2025, 3, 9))]
    result = check_stock_availability(early, availability)
    assert not result.passed and result.reason_code == "stock_unavailable"
    assert result.explanation == (
        "Not enough stock in the network: product 7: needs 20 by 2025-03-09, "
        "network has 12 available."
    )


def test_stock_availability_unknown_product_warehouse_filter_and_no_incoming():
    availability = network()
    result = check_stock_availability([OrderLine(1, 99, 1), OrderLine(2, 8, 0)], availability)
    assert not result.passed
    assert "product 99 is not stocked or expected anywhere" in result.explanation
    only_two = check_stock_availability(
        [OrderLine(1, 7, 5, date(2025, 3, 12))], availability, warehouse_ids=[2]
    )
    assert only_two.passed
    no_incoming = check_stock_availability(
        [OrderLine(1, 7, 5, date(2025, 3, 12))],
        availability,
        warehouse_ids=[2],
        params=StockAvailabilityParams(include_incoming=False),
    )
    assert not no_incoming.passed
    assert "needs 5 by today, network has 0 available" in no_incoming.explanation


# --- runner -------------------------------------------------------------------------------


def facts(**overrides):
    values = {
        "order_id": "SO1",
        "receivable": 5000,
        "uninvoiced": 3000,
        "order_amount": 4400,
        "credit_limit": 10000,
        "delivery_address": 5,
        "incoterm": "EXW",
        "payment_term": 1,
        "priced_lines": LINES,
        "quantity_history": {7: [10, 10, 10]},
        "stock_lines": [OrderLine(1, 7, 10), OrderLine(2, 8, 5)],
        "availability": network(),
    }
    values.update(overrides)
    return OrderFacts(**values)


def test_runner_evaluates_configured_checks_in_order_and_returns_all():
    configs = [
        CheckConfig("customer_hold", key=1),
        CheckConfig(CheckCode.CREDIT_LIMIT, key=2),
        CheckConfig("required_data", key=3),
        CheckConfig("min_margin", MarginParams(5), key=4),
        CheckConfig("price_floor", key=5),
        CheckConfig("quantity_anomaly", key=6),
        CheckConfig("stock_availability", key=7),
        CheckConfig("credit_limit", enabled=False, key=8),
    ]
    results = run_checks(configs, facts())
    assert [(r.check, r.passed, r.config_key) for r in results] == [
        ("customer_hold", True, 1),
        ("credit_limit", False, 2),
        ("required_data", True, 3),
        ("min_margin", True, 4),  # 8 % >= 5 %
        ("price_floor", True, 5),  # no floor prices
        ("quantity_anomaly", True, 6),  # 10 <= 3 x 10; product 8 not judged
        ("stock_availability", False, 7),  # product 8 needs 5, has 3
    ]
    assert [r.check for r in failed(results)] == ["credit_limit", "stock_availability"]
    assert results[1].explanation.startswith("Credit exposure 12,400.00 > limit 10,000.00")
    # every result can go to the immutable log as JSON
    for result in results:
        json.dumps({"inputs": result.inputs, "details": result.details})


def test_runner_known_failures():
    results = run_checks(
        [CheckConfig("quantity_anomaly"), CheckConfig("stock_availability")],
        facts(quantity_history={7: [1, 2, 3]}),
    )
    anomaly, stock = results
    assert not anomaly.passed  # 10 > 3 x median 2 = 6
    assert "product 7: quantity 10 > 3 x median 2 = 6" in anomaly.explanation
    assert not stock.passed  # product 8 needs 5, has 3
    assert "product 8: needs 5 by today, network has 3 available" in stock.explanation


def test_runner_rejects_unknown_code_wrong_params_and_missing_availability():
    with pytest.raises(ValueError, match="unknown check 'weather'"):
        run_checks([CheckConfig("weather")], facts())
    with pytest.raises(TypeError, match="expects CreditParams"):
        run_checks([CheckConfig("credit_limit", MarginParams())], facts())
    with pytest.raises(ValueError, match="availability"):
        run_checks([CheckConfig("stock_availability")], facts(availability=None))
