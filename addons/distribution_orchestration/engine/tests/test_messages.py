"""Explanations as a code plus parameters: stored as JSON, rendered in any language."""

import ast
import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from distribution_orchestration.engine import checks
from distribution_orchestration.engine import messages as m
from distribution_orchestration.engine.allocation import Availability, OrderLine
from distribution_orchestration.engine.checks import (
    CreditParams,
    PricedLine,
    PriceFloorParams,
    check_credit,
    check_customer_hold,
    check_margin,
    check_price_floor,
    check_quantity_anomaly,
    check_required_data,
    check_stock_availability,
    recorded_result,
)

ENGINE = Path(checks.__file__).parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def every_result():
    """One result per outcome of every check (pass, fail, variants)."""
    lines = [
        PricedLine(1, 7, 10, 8.0, 7.5, floor_price=9.0, label="Gloves"),
        PricedLine(2, 8, 5, 20.0, 4.0, floor_price=25.0),
    ]
    availability = Availability.from_positions([], [], products=[7])
    stock_lines = [
        OrderLine(1, 7, 5, datetime(2025, 3, 1, 14, 30)),
        OrderLine(2, 99, 1, date(2025, 3, 2)),
    ]
    return [
        check_credit(5000, 3000, 4400, 10000),
        check_credit(5000, 3000, 4400, 10000, CreditParams(tolerance_pct=5)),
        check_credit(1, 2, 3, None),
        check_credit(1, 2, 3, 100),
        check_customer_hold(True, False, "unpaid invoices"),
        check_customer_hold(False, True),
        check_customer_hold(False, False),
        check_required_data(
            delivery_address=None,
            incoterm=None,
            payment_term="",
            customer_reference=None,
            requires_customer_reference=True,
        ),
        check_required_data(
            delivery_address=1, incoterm="EXW", payment_term="30 days", customer_reference="X"
        ),
        check_margin(lines),
        check_margin([PricedLine(1, 7, 1, 0.0, 5.0)]),
        check_margin([PricedLine(1, 7, 1, 100.0, 5.0)]),
        check_margin([PricedLine(1, 7, 1, 10.0, 9.5)]),
        check_price_floor(lines),
        check_price_floor(lines, PriceFloorParams(tolerance_pct=10)),
        check_price_floor([PricedLine(1, 7, 1, 100.0)]),
        check_quantity_anomaly({7: 30, 8: 1000}, {7: [2, 2, 2], 8: [1]}),
        check_quantity_anomaly({7: 3, 8: 1000}, {7: [2, 2, 2], 8: [1]}),
        check_quantity_anomaly({7: 3}, {7: [2, 2, 2]}),
        check_stock_availability(stock_lines, availability),
        check_stock_availability([], availability),
    ]


RESULTS = every_result()


@pytest.mark.parametrize("result", RESULTS, ids=lambda r: r.reason_code)
def test_params_survive_json_storage(result):
    """What the models store (JSON) renders to the same sentence."""
    stored = json.loads(json.dumps(result.params))
    assert m.render(result.reason_code, stored) == result.explanation
    assert result.explanation.strip()


def test_every_reason_code_has_a_message():
    codes = {result.reason_code for result in RESULTS}
    literals = set()
    for node in ast.walk(ast.parse((ENGINE / "checks.py").read_text())):
        is_result = isinstance(node, ast.Call) and getattr(node.func, "id", "") == "CheckResult"
        if is_result and len(node.args) >= 3 and isinstance(node.args[2], ast.Constant):
            literals.add(node.args[2].value)
    assert literals <= set(m.MESSAGES), literals - set(m.MESSAGES)
    assert codes == literals, "every outcome is exercised above"


def test_every_template_formats_with_its_placeholders():
    for code, template in m.MESSAGES.items():
        names = PLACEHOLDER.findall(template)
        text = m.render(code, {name: f"<{name}>" for name in names})
        assert "%" not in text.replace("<", "").replace("%%", "") or code == "percent"


def test_templates_are_marked_for_odoo_extraction():
    """Odoo's extractor finds ``_lt("...")`` calls: every template must be one."""
    tree = ast.parse((ENGINE / "messages.py").read_text())
    table = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "MESSAGES"
    )
    for key, value in zip(table.keys, table.values, strict=True):
        assert isinstance(value, ast.Call) and value.func.id == "_lt", key.value
        assert isinstance(value.args[0], ast.Constant), key.value


class Pseudo(m.Formatter):
    """A language of its own: upper-case templates, comma decimals, day-first dates."""

    def template(self, code):
        upper = m.MESSAGES[code].upper()
        return re.sub(r"%\(\w+\)S", lambda found: found.group(0).lower(), upper)

    def number(self, value, digits):
        return f"{value:,.{digits}f}".replace(",", " ").replace(".", ",")

    def amount(self, value):
        return self.number(value, 2)

    def when(self, value):
        return "AUJOURD'HUI" if value is None else value.strftime("%d/%m/%Y")


def test_another_language_translates_every_part():
    result = check_credit(5000, 3000, 4400, 10000, CreditParams(tolerance_pct=5))
    assert m.render(result.reason_code, result.params, Pseudo()) == (
        "CREDIT EXPOSURE 12 400,00 > LIMIT 10 000,00 + 5,00% TOLERANCE = 10 500,00 "
        "(RECEIVABLES 5 000,00 + UNINVOICED ORDERS 3 000,00 + THIS ORDER 4 400,00)."
    )
    missing = check_required_data(
        delivery_address=None, incoterm="EXW", payment_term=None, customer_reference=None
    )
    assert m.render(missing.reason_code, missing.params, Pseudo()) == (
        "MISSING REQUIRED DATA: DELIVERY ADDRESS, PAYMENT TERMS."
    )
    stock = check_stock_availability(
        [OrderLine(1, 7, 5, date(2025, 3, 1))], Availability.from_positions([], [], products=[7])
    )
    assert m.render(stock.reason_code, stock.params, Pseudo()) == (
        "NOT ENOUGH STOCK IN THE NETWORK: PRODUCT 7: NEEDS 5 BY 01/03/2025, NETWORK HAS 0 "
        "AVAILABLE."
    )


def test_a_translation_that_does_not_fit_falls_back_to_english():
    class Broken(m.Formatter):
        def template(self, code):
            return "%(nothing)s" if code == "customer_on_hold" else super().template(code)

    result = check_customer_hold(True, False, "unpaid")
    assert m.render(result.reason_code, result.params, Broken()) == ("Customer is on hold: unpaid.")


def test_unknown_code_and_value():
    with pytest.raises(m.UnknownMessage):
        m.render("no_such_code", {})
    with pytest.raises(m.UnknownMessage):
        m.msg("no_such_code")
    with pytest.raises(ValueError):
        m.render("credit_limit", {"limit": {"colour": "red"}})


def test_when_is_stored_naive_utc():
    from datetime import UTC, timedelta, timezone

    aware = datetime(2025, 3, 1, 15, 30, tzinfo=timezone(timedelta(hours=1)))
    assert m.when(aware) == {"when": "2025-03-01T14:30:00"}
    assert m.render_value(m.when(datetime(2025, 3, 1, 14, 30, tzinfo=UTC))) == "2025-03-01 14:30"
    assert m.render_value(m.when(date(2025, 3, 1))) == "2025-03-01"
    assert m.render_value(m.when(None)) == "today"


@pytest.mark.parametrize("result", RESULTS, ids=lambda r: r.reason_code)
def test_recorded_results_are_evaluated_again(result):
    """The migration gives parameters to text-only rows from what was recorded."""
    stored = json.loads(json.dumps({"inputs": result.inputs, "details": result.details}))
    again = recorded_result(result.check, stored)
    assert again is not None
    assert (again.reason_code, again.explanation) == (result.reason_code, result.explanation)


def test_recorded_result_of_a_malformed_record():
    assert recorded_result("credit_limit", {"inputs": {"receivable": 1}}) is None
    assert recorded_result("no_such_check", {}) is None


def test_parse_reads_plain_messages_back():
    text = "On hold for Distribution / Credit Control: Customer is blocked: 50% paid."
    params = m.parse("hold_for_group", text)
    assert params == {
        "group": "Distribution / Credit Control",
        "why": "Customer is blocked: 50% paid.",
    }
    assert m.parse("released_pickings", "Released: WH/OUT/00001 (WH)") == {
        "pickings": "WH/OUT/00001 (WH)"
    }
    assert m.parse("released_by", "Looks fine to me.") is None
    assert m.parse("percent", "12.50%") == {"value": "12.50"}
