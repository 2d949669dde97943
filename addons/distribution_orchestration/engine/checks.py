"""Order checks of the governed pipeline, evaluated on plain data (pure Python, no Odoo).

Each check is a function taking plain inputs and its parameters and returning a
:class:`CheckResult`: ``passed``, a stable ``reason_code`` with the ``params`` of its
explanation (the message of that code in :mod:`.messages`, rendered in the reader's
language by the models; ``explanation`` is its English rendering, quoting the exact
figures: ``"Credit exposure 12,400.00 > limit 10,000.00 (...)"``), the ``inputs`` used
and the computed ``details`` (all JSON-compatible, for the immutable orchestration log
and for the UI).  A check never raises on business data; it raises
``ValueError``/``TypeError`` only on malformed input (e.g. a negative credit limit).

:func:`run_checks` evaluates an ordered list of :class:`CheckConfig` against one
:class:`OrderFacts` and returns every result (it does not stop at the first failure,
so one hold per failed check can be created).

Rules, exactly
--------------
credit_limit (:func:`check_credit`)
    ``exposure = receivable + uninvoiced + order_amount``.  A limit of ``None`` or ``0``
    means *no limit* (Odoo's "no credit limit"): passes with ``credit_no_limit``.  Fails
    (``credit_limit_exceeded``) when ``exposure > limit * (1 + tolerance_pct / 100)``;
    equal passes.  A negative limit is an input error.
customer_hold (:func:`check_customer_hold`)
    Fails with ``customer_blocked`` if blocked (takes precedence), ``customer_on_hold`` if
    on hold, else passes with ``customer_ok``.
required_data (:func:`check_required_data`)
    Each required item (delivery address, incoterm, payment terms; customer reference
    only when the customer requires one) must be present: not None, not False, not a
    blank string.  Fails with ``required_data_missing`` listing the missing items.
min_margin (:func:`check_margin`)
    On the whole order: ``revenue = sum(qty * unit_price)`` (net unit price after
    discount), ``cost = sum(qty * unit_cost)``, ``margin % = (revenue - cost) / revenue
    * 100``.  Fails with ``margin_below_minimum`` when ``margin % < min_margin_pct``
    (equal passes), with ``margin_no_revenue`` when ``revenue <= 0``.
price_floor (:func:`check_price_floor`)
    Per line with a floor: fails (``price_below_floor``) when ``unit_price < floor *
    (1 - tolerance_pct / 100)``; lines without floor are not checked.
quantity_anomaly (:func:`check_quantity_anomaly`)
    Per product, the order's quantity (sum of its lines) is compared with the
    customer's history for that product: a list of past quantities per order (only
    positive values count).  With at least ``min_history`` past orders, the product is
    anomalous when ``quantity > factor * median(history)`` *and* ``quantity >
    min_quantity``.  Products with less history are not judged (listed in details).
    Fails with ``quantity_anomaly``.
stock_availability (:func:`check_stock_availability`)
    Available-to-promise across the network (the allocation engine's
    :class:`~.allocation.Availability`, not consumed): for each product, its lines are
    taken by date (no date = now first) and the *cumulative* quantity needed by each
    line's date must not exceed the network quantity available by that date (receipts
    arriving by then included unless ``include_incoming`` is false).  Picking capacity
    is not considered here.  Fails with ``stock_unavailable``; an unknown product fails
    too.  Lines with a non-positive quantity are ignored.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from . import messages as m
from .allocation import Availability, OrderLine
from .common import EPS, as_datetime, is_number, jsonable


class CheckCode(StrEnum):
    """Codes of the available checks (used in configuration and in results)."""

    CREDIT_LIMIT = "credit_limit"
    CUSTOMER_HOLD = "customer_hold"
    REQUIRED_DATA = "required_data"
    MIN_MARGIN = "min_margin"
    PRICE_FLOOR = "price_floor"
    QUANTITY_ANOMALY = "quantity_anomaly"
    STOCK_AVAILABILITY = "stock_availability"


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one check.

    Attributes:
        check: the :class:`CheckCode` value.
        passed: True when the order may proceed.
        reason_code: stable code (``credit_ok``, ``credit_limit_exceeded``, ...), also the
            code of its explanation in :data:`.messages.MESSAGES`.
        params: the explanation's parameters (JSON-compatible, see :mod:`.messages`).
        inputs: the inputs and parameters used (JSON-compatible).
        details: figures computed by the check (JSON-compatible).
        config_key: copied from :attr:`CheckConfig.key` by :func:`run_checks`.
    """

    check: str
    passed: bool
    reason_code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    inputs: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)
    config_key: Hashable = None

    @property
    def explanation(self) -> str:
        """One English sentence with the exact figures (:func:`.messages.render`)."""
        return m.render(self.reason_code, self.params)


# ---------------------------------------------------------------------------------------
# Parameters and inputs
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditParams:
    """Exposure may exceed the limit by ``tolerance_pct`` percent (default 0: hard limit)."""

    tolerance_pct: float = 0.0


@dataclass(frozen=True)
class CustomerHoldParams:
    """No parameter yet; kept so every check has a parameter object."""


@dataclass(frozen=True)
class RequiredDataParams:
    """Which items are required (the customer reference only if the customer requires one)."""

    require_delivery_address: bool = True
    require_incoterm: bool = True
    require_payment_term: bool = True
    require_customer_reference: bool = True


@dataclass(frozen=True)
class MarginParams:
    """Minimum order margin in percent of revenue."""

    min_margin_pct: float = 10.0


@dataclass(frozen=True)
class PriceFloorParams:
    """A price may be ``tolerance_pct`` percent below the floor without failing."""

    tolerance_pct: float = 0.0


@dataclass(frozen=True)
class QuantityAnomalyParams:
    """Flag ``quantity > factor * median(history)`` given ``min_history`` past orders.

    ``min_quantity``: quantities not above it are never flagged (avoids flagging 4
    against a median of 1).
    """

    factor: float = 3.0
    min_history: int = 3
    min_quantity: float = 0.0


@dataclass(frozen=True)
class StockAvailabilityParams:
    """``include_incoming``: count receipts arriving by the line's date (default True)."""

    include_incoming: bool = True


@dataclass(frozen=True)
class PricedLine:
    """A line as seen by the price and margin checks.

    Attributes:
        line_id, product_id: identifiers.
        quantity: ordered quantity.
        unit_price: net unit price after discount, order currency.
        unit_cost: unit cost, same currency.
        floor_price: minimum unit price, None when the product has none.
        label: optional text for explanations (defaults to ``line <id>``).
    """

    line_id: Hashable
    product_id: int
    quantity: float
    unit_price: float
    unit_cost: float = 0.0
    floor_price: float | None = None
    label: str | None = None


# ---------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------


def _number(name: str, value: object) -> float:
    if not is_number(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _present(value: object) -> bool:
    if value is None or value is False:
        return False
    return not (isinstance(value, str) and not value.strip())


def check_credit(
    receivable: float,
    uninvoiced: float,
    order_amount: float,
    credit_limit: float | None,
    params: CreditParams | None = None,
) -> CheckResult:
    """Credit exposure (receivables + uninvoiced confirmed orders + this order) vs limit."""
    params = params or CreditParams()
    receivable = _number("receivable", receivable)
    uninvoiced = _number("uninvoiced", uninvoiced)
    order_amount = _number("order_amount", order_amount)
    tolerance = _number("tolerance_pct", params.tolerance_pct)
    if credit_limit is not None:
        credit_limit = _number("credit_limit", credit_limit)
        if credit_limit < 0:
            raise ValueError(f"credit_limit must be >= 0 or None, got {credit_limit}")
    inputs = {
        "receivable": receivable,
        "uninvoiced": uninvoiced,
        "order_amount": order_amount,
        "credit_limit": credit_limit,
        "tolerance_pct": tolerance,
    }
    exposure = receivable + uninvoiced + order_amount
    params = {
        "exposure": m.amount(exposure),
        "breakdown": m.msg(
            "credit_breakdown",
            receivable=m.amount(receivable),
            uninvoiced=m.amount(uninvoiced),
            order_amount=m.amount(order_amount),
        ),
    }
    code = CheckCode.CREDIT_LIMIT.value
    if not credit_limit:
        return CheckResult(
            code, True, "credit_no_limit", params, inputs, {"exposure": exposure, "allowed": None}
        )
    allowed = credit_limit * (1 + tolerance / 100)
    if tolerance:
        params["limit"] = m.msg(
            "credit_limit_tolerance",
            limit=m.amount(credit_limit),
            tolerance=m.pct(tolerance),
            allowed=m.amount(allowed),
        )
    else:
        params["limit"] = m.msg("credit_limit", limit=m.amount(credit_limit))
    details = {"exposure": exposure, "allowed": allowed, "excess": max(exposure - allowed, 0.0)}
    if exposure > allowed + 1e-6:
        return CheckResult(code, False, "credit_limit_exceeded", params, inputs, details)
    return CheckResult(code, True, "credit_ok", params, inputs, details)


def check_customer_hold(
    on_hold: bool,
    blocked: bool,
    note: str | None = None,
    params: CustomerHoldParams | None = None,
) -> CheckResult:
    """Customer put on hold or blocked (blocked takes precedence)."""
    inputs = {"on_hold": bool(on_hold), "blocked": bool(blocked), "note": note}
    params = {"note": m.msg("customer_note", note=note) if _present(note) else ""}
    code = CheckCode.CUSTOMER_HOLD.value
    if blocked:
        return CheckResult(code, False, "customer_blocked", params, inputs)
    if on_hold:
        return CheckResult(code, False, "customer_on_hold", params, inputs)
    return CheckResult(code, True, "customer_ok", {}, inputs)


def check_required_data(
    *,
    delivery_address: object,
    incoterm: object,
    payment_term: object,
    customer_reference: object,
    requires_customer_reference: bool = False,
    params: RequiredDataParams | None = None,
) -> CheckResult:
    """Required order data present (each value: an id, a name or a truthy flag)."""
    params = params or RequiredDataParams()
    required = [
        ("delivery_address", params.require_delivery_address, delivery_address),
        ("incoterm", params.require_incoterm, incoterm),
        ("payment_term", params.require_payment_term, payment_term),
        (
            "customer_reference",
            params.require_customer_reference and requires_customer_reference,
            customer_reference,
        ),
    ]
    inputs = {
        "delivery_address": jsonable(delivery_address),
        "incoterm": jsonable(incoterm),
        "payment_term": jsonable(payment_term),
        "customer_reference": jsonable(customer_reference),
        "requires_customer_reference": bool(requires_customer_reference),
        "params": jsonable(params),
    }
    missing = [key for key, needed, value in required if needed and not _present(value)]
    code = CheckCode.REQUIRED_DATA.value
    details = {"missing": missing}
    if missing:
        labels = m.join([m.msg(f"data_{key}") for key in missing])
        return CheckResult(
            code, False, "required_data_missing", {"missing": labels}, inputs, details
        )
    return CheckResult(code, True, "required_data_ok", {}, inputs, details)


def _line_label(line: PricedLine) -> str:
    return line.label or f"line {line.line_id}"


def _priced_inputs(lines: Sequence[PricedLine]) -> list[dict]:
    result = []
    for line in lines:
        for name in ("quantity", "unit_price", "unit_cost"):
            _number(f"{_line_label(line)} {name}", getattr(line, name))
        if line.floor_price is not None:
            _number(f"{_line_label(line)} floor_price", line.floor_price)
        result.append(jsonable(line))
    return result


def check_margin(lines: Sequence[PricedLine], params: MarginParams | None = None) -> CheckResult:
    """Order margin percent against the minimum."""
    params = params or MarginParams()
    minimum = _number("min_margin_pct", params.min_margin_pct)
    inputs = {"lines": _priced_inputs(lines), "min_margin_pct": minimum}
    revenue = sum(line.quantity * line.unit_price for line in lines)
    cost = sum(line.quantity * line.unit_cost for line in lines)
    margin = revenue - cost
    code = CheckCode.MIN_MARGIN.value
    params = {
        "figures": m.msg(
            "margin_figures",
            revenue=m.amount(revenue),
            cost=m.amount(cost),
            margin=m.amount(margin),
        ),
        "minimum": m.pct(minimum),
    }
    if revenue <= EPS:
        return CheckResult(
            code,
            False,
            "margin_no_revenue",
            params,
            inputs,
            {"revenue": revenue, "cost": cost, "margin": margin, "margin_pct": None},
        )
    pct = margin / revenue * 100
    params["margin"] = m.pct(pct)
    details = {"revenue": revenue, "cost": cost, "margin": margin, "margin_pct": pct}
    if pct < minimum - 1e-9:
        return CheckResult(code, False, "margin_below_minimum", params, inputs, details)
    return CheckResult(code, True, "margin_ok", params, inputs, details)


def check_price_floor(
    lines: Sequence[PricedLine], params: PriceFloorParams | None = None
) -> CheckResult:
    """Net unit prices against their floor prices."""
    params = params or PriceFloorParams()
    tolerance = _number("tolerance_pct", params.tolerance_pct)
    inputs = {"lines": _priced_inputs(lines), "tolerance_pct": tolerance}
    failures = []
    checked = 0
    for line in lines:
        if line.floor_price is None:
            continue
        checked += 1
        allowed = line.floor_price * (1 - tolerance / 100)
        if line.unit_price < allowed - 1e-9:
            figures = {
                "line": line.label or m.msg("line_ref", line=jsonable(line.line_id)),
                "product": line.product_id,
                "price": m.amount(line.unit_price),
                "floor": m.amount(line.floor_price),
            }
            if tolerance:
                text = m.msg(
                    "price_below_floor_line_tolerance",
                    **figures,
                    tolerance=m.pct(tolerance),
                    allowed=m.amount(allowed),
                )
            else:
                text = m.msg("price_below_floor_line", **figures)
            failures.append(
                (
                    text,
                    {
                        "line_id": jsonable(line.line_id),
                        "product_id": line.product_id,
                        "unit_price": line.unit_price,
                        "floor_price": line.floor_price,
                        "allowed": allowed,
                    },
                )
            )
    code = CheckCode.PRICE_FLOOR.value
    details = {"checked_lines": checked, "failures": [item for _text, item in failures]}
    if failures:
        lines_param = m.join([text for text, _item in failures], "; ")
        return CheckResult(
            code, False, "price_below_floor", {"lines": lines_param}, inputs, details
        )
    return CheckResult(code, True, "price_floor_ok", {"count": checked}, inputs, details)


def check_quantity_anomaly(
    quantities: Mapping[int, float] | Iterable[tuple[int, float]],
    history: Mapping[int, Sequence[float]],
    params: QuantityAnomalyParams | None = None,
) -> CheckResult:
    """Order quantities far above the customer's usual quantity per product.

    Args:
        quantities: this order's quantity per product, as a mapping or as
            ``(product_id, quantity)`` pairs (summed per product, e.g. one per line).
        history: ``{product_id: [quantity of each past order of this customer]}``.
        params: factor, minimum history size, minimum flagged quantity.
    """
    params = params or QuantityAnomalyParams()
    factor = _number("factor", params.factor)
    min_quantity = _number("min_quantity", params.min_quantity)
    if factor <= 0 or params.min_history < 1:
        raise ValueError("factor must be > 0 and min_history >= 1")
    pairs = quantities.items() if isinstance(quantities, Mapping) else quantities
    totals: dict[int, float] = {}
    for product_id, quantity in pairs:
        totals[product_id] = totals.get(product_id, 0.0) + _number("quantity", quantity)
    inputs = {
        "quantities": {str(product): qty for product, qty in sorted(totals.items())},
        "history": {str(product): list(history.get(product, ())) for product in sorted(totals)},
        "params": jsonable(params),
    }
    flagged = []
    not_judged = []
    for product_id in sorted(totals):
        past = [float(q) for q in history.get(product_id, ()) if is_number(q) and q > 0]
        quantity = totals[product_id]
        if len(past) < params.min_history:
            not_judged.append(product_id)
            continue
        median = statistics.median(past)
        threshold = factor * median
        if quantity > threshold + EPS and quantity > min_quantity + EPS:
            flagged.append(
                (
                    m.msg(
                        "quantity_anomaly_product",
                        product=product_id,
                        quantity=m.qty(quantity),
                        factor=m.qty(factor),
                        median=m.qty(median),
                        threshold=m.qty(threshold),
                        history=len(past),
                    ),
                    {
                        "product_id": product_id,
                        "quantity": quantity,
                        "median": median,
                        "threshold": threshold,
                        "history_size": len(past),
                    },
                )
            )
    code = CheckCode.QUANTITY_ANOMALY.value
    details = {"anomalies": [item for _text, item in flagged], "not_judged": not_judged}
    if flagged:
        products = m.join([text for text, _item in flagged], "; ")
        return CheckResult(code, False, "quantity_anomaly", {"products": products}, inputs, details)
    suffix = (
        m.msg("quantity_not_judged", min_history=params.min_history, products=m.join(not_judged))
        if not_judged
        else ""
    )
    return CheckResult(code, True, "quantity_ok", {"not_judged": suffix}, inputs, details)


def _when_key(line: OrderLine, include_incoming: bool) -> tuple:
    when = as_datetime(line.date, end_of_day=True)
    return (0,) if when is None or not include_incoming else (1, when)


def check_stock_availability(
    lines: Sequence[OrderLine],
    availability: Availability,
    warehouse_ids: Iterable[int] | None = None,
    params: StockAvailabilityParams | None = None,
) -> CheckResult:
    """Available-to-promise across the network by each line's date (nothing consumed)."""
    params = params or StockAvailabilityParams()
    warehouses = None if warehouse_ids is None else sorted(set(warehouse_ids))
    valid = [line for line in lines if is_number(line.quantity) and line.quantity > 0]
    inputs = {
        "lines": [
            {
                "line_id": jsonable(line.line_id),
                "product_id": line.product_id,
                "quantity": line.quantity,
                "date": jsonable(line.date),
            }
            for line in lines
        ],
        "warehouse_ids": warehouses,
        "include_incoming": params.include_incoming,
    }
    by_product: dict[int, list[OrderLine]] = {}
    for line in valid:
        by_product.setdefault(line.product_id, []).append(line)
    shortages = []
    checked = []
    for product_id in sorted(by_product):
        if not availability.knows_product(product_id):
            shortages.append(
                (
                    m.msg("stock_unknown_product", product=product_id),
                    {"product_id": product_id, "needed": None, "available": 0.0, "date": None},
                )
            )
            continue
        needed = 0.0
        ordered = sorted(
            by_product[product_id], key=lambda line: _when_key(line, params.include_incoming)
        )
        for line in ordered:
            needed += line.quantity
            when = line.date if params.include_incoming else None
            available = availability.network_available(product_id, when, warehouses)
            checked.append(
                {
                    "product_id": product_id,
                    "date": jsonable(when),
                    "needed": needed,
                    "available": available,
                }
            )
            if needed > available + EPS:
                shortages.append(
                    (
                        m.msg(
                            "stock_shortage",
                            product=product_id,
                            needed=m.qty(needed),
                            when=m.when(when),
                            available=m.qty(available),
                        ),
                        checked[-1],
                    )
                )
                break
    code = CheckCode.STOCK_AVAILABILITY.value
    details = {"checked": checked, "shortages": [item for _text, item in shortages]}
    if shortages:
        text = m.join([t for t, _i in shortages], "; ")
        return CheckResult(code, False, "stock_unavailable", {"shortages": text}, inputs, details)
    return CheckResult(code, True, "stock_ok", {"count": len(by_product)}, inputs, details)


# ---------------------------------------------------------------------------------------
# Runner
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFacts:
    """Everything the checks may need about one order, gathered in batch by the adapter.

    Only the fields used by the configured checks matter; the defaults are neutral.
    ``stock_lines``/``availability`` feed ``stock_availability`` (same objects as the
    allocation engine); ``priced_lines`` feed margin, price floor and quantity anomaly;
    ``quantity_history`` is ``{product_id: [past per-order quantities]}``.
    """

    order_id: Hashable = None
    receivable: float = 0.0
    uninvoiced: float = 0.0
    order_amount: float = 0.0
    credit_limit: float | None = None
    customer_on_hold: bool = False
    customer_blocked: bool = False
    customer_hold_note: str | None = None
    delivery_address: object = None
    incoterm: object = None
    payment_term: object = None
    customer_reference: object = None
    requires_customer_reference: bool = False
    priced_lines: Sequence[PricedLine] = ()
    quantity_history: Mapping[int, Sequence[float]] = field(default_factory=dict)
    stock_lines: Sequence[OrderLine] = ()
    availability: Availability | None = None
    warehouse_ids: Sequence[int] | None = None


@dataclass(frozen=True)
class CheckConfig:
    """One configured check: its code, parameters (None: defaults), enabled flag, and a key.

    ``key`` is opaque (e.g. the configuration record id) and copied to the result so the
    adapter can find the group responsible for resolving a hold.
    """

    code: CheckCode | str
    params: object = None
    enabled: bool = True
    key: Hashable = None


def _run_stock(facts: OrderFacts, params: Any) -> CheckResult:
    if facts.availability is None:
        raise ValueError("stock_availability check needs OrderFacts.availability")
    return check_stock_availability(
        facts.stock_lines, facts.availability, facts.warehouse_ids, params
    )


_RUNNERS: dict[CheckCode, tuple[type, Callable[[OrderFacts, Any], CheckResult]]] = {
    CheckCode.CREDIT_LIMIT: (
        CreditParams,
        lambda f, p: check_credit(f.receivable, f.uninvoiced, f.order_amount, f.credit_limit, p),
    ),
    CheckCode.CUSTOMER_HOLD: (
        CustomerHoldParams,
        lambda f, p: check_customer_hold(
            f.customer_on_hold, f.customer_blocked, f.customer_hold_note, p
        ),
    ),
    CheckCode.REQUIRED_DATA: (
        RequiredDataParams,
        lambda f, p: check_required_data(
            delivery_address=f.delivery_address,
            incoterm=f.incoterm,
            payment_term=f.payment_term,
            customer_reference=f.customer_reference,
            requires_customer_reference=f.requires_customer_reference,
            params=p,
        ),
    ),
    CheckCode.MIN_MARGIN: (MarginParams, lambda f, p: check_margin(f.priced_lines, p)),
    CheckCode.PRICE_FLOOR: (PriceFloorParams, lambda f, p: check_price_floor(f.priced_lines, p)),
    CheckCode.QUANTITY_ANOMALY: (
        QuantityAnomalyParams,
        lambda f, p: check_quantity_anomaly(
            [(line.product_id, line.quantity) for line in f.priced_lines],
            f.quantity_history,
            p,
        ),
    ),
    CheckCode.STOCK_AVAILABILITY: (StockAvailabilityParams, _run_stock),
}


def run_checks(configs: Sequence[CheckConfig], facts: OrderFacts) -> list[CheckResult]:
    """Evaluate the enabled checks in the configured order and return every result.

    Raises:
        ValueError: unknown check code, or missing facts a configured check needs.
        TypeError: parameters of the wrong type for the check.
    """
    results = []
    for config in configs:
        if not config.enabled:
            continue
        try:
            code = CheckCode(config.code)
        except ValueError:
            raise ValueError(f"unknown check {config.code!r}") from None
        params_type, runner = _RUNNERS[code]
        params = config.params if config.params is not None else params_type()
        if not isinstance(params, params_type):
            raise TypeError(
                f"check {code.value} expects {params_type.__name__}, got {type(params).__name__}"
            )
        result = runner(facts, params)
        results.append(replace(result, config_key=config.key))
    return results


def failed(results: Iterable[CheckResult]) -> list[CheckResult]:
    """The failed results, in order (one hold each)."""
    return [result for result in results if not result.passed]


# ---------------------------------------------------------------------------------------
# Recorded results (holds and log entries written before explanations had parameters)
# ---------------------------------------------------------------------------------------


def _recorded_stock(details: Mapping[str, Any]) -> CheckResult:
    shortages = []
    for item in details["shortages"]:
        if item.get("needed") is None:
            shortages.append(m.msg("stock_unknown_product", product=item["product_id"]))
        else:
            shortages.append(
                m.msg(
                    "stock_shortage",
                    product=item["product_id"],
                    needed=m.qty(item["needed"]),
                    when={"when": item.get("date")},
                    available=m.qty(item["available"]),
                )
            )
    if shortages:
        params = {"shortages": m.join(shortages, "; ")}
        return CheckResult(CheckCode.STOCK_AVAILABILITY.value, False, "stock_unavailable", params)
    count = len({item["product_id"] for item in details.get("checked", ())})
    return CheckResult(CheckCode.STOCK_AVAILABILITY.value, True, "stock_ok", {"count": count})


def recorded_result(check: str, recorded: Mapping[str, Any]) -> CheckResult | None:  # noqa: PLR0911
    """The result a check gave, evaluated again from what was recorded with it.

    ``recorded`` is ``{"inputs": result.inputs, "details": result.details}``, as the
    pipeline stores them on holds and log entries.  The stock check keeps no copy of
    the network's stock, so its result is rebuilt from its details.  None when the
    record does not allow it (an older format, a malformed record).  Used to give
    parameters to explanations recorded as text only: the caller compares the English
    rendering with the recorded text before trusting it.
    """
    try:
        inputs, details = recorded.get("inputs") or {}, recorded.get("details") or {}
        if check == CheckCode.STOCK_AVAILABILITY:
            return _recorded_stock(details)
        if check == CheckCode.CREDIT_LIMIT:
            return check_credit(
                inputs["receivable"],
                inputs["uninvoiced"],
                inputs["order_amount"],
                inputs["credit_limit"],
                CreditParams(tolerance_pct=inputs["tolerance_pct"]),
            )
        if check == CheckCode.CUSTOMER_HOLD:
            return check_customer_hold(inputs["on_hold"], inputs["blocked"], inputs["note"])
        if check == CheckCode.REQUIRED_DATA:
            return check_required_data(
                delivery_address=inputs["delivery_address"],
                incoterm=inputs["incoterm"],
                payment_term=inputs["payment_term"],
                customer_reference=inputs["customer_reference"],
                requires_customer_reference=inputs["requires_customer_reference"],
                params=RequiredDataParams(**inputs["params"]),
            )
        if check in (CheckCode.MIN_MARGIN, CheckCode.PRICE_FLOOR):
            lines = [PricedLine(**line) for line in inputs["lines"]]
            if check == CheckCode.MIN_MARGIN:
                return check_margin(lines, MarginParams(min_margin_pct=inputs["min_margin_pct"]))
            return check_price_floor(lines, PriceFloorParams(tolerance_pct=inputs["tolerance_pct"]))
        if check == CheckCode.QUANTITY_ANOMALY:
            return check_quantity_anomaly(
                {int(product): qty for product, qty in inputs["quantities"].items()},
                {int(product): past for product, past in inputs["history"].items()},
                QuantityAnomalyParams(**inputs["params"]),
            )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return None
