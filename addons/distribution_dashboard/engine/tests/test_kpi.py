"""Each KPI on a hand-built network with known answers (the Odoo tests build the
same network in the database and expect the same numbers from the SQL facts)."""

from datetime import datetime

import pytest

from distribution_dashboard.engine.kpi import (
    KPIS,
    ApprovalRequest,
    BacklogLine,
    DeliveryFact,
    HoldFact,
    OrderInput,
    Shipment,
    TierReviewFact,
    TileTrend,
    approval_decision,
    approval_latency_kpis,
    backlog_kpis,
    below_target,
    exception_kpis,
    hold_resolution_kpis,
    median,
    network_median_variance,
    next_period,
    order_facts,
    percentile,
    period_start,
    period_window,
    pick_to_ship_kpis,
    shipped_order_kpis,
)

A, B = 1, 2
NOW = datetime(2026, 3, 10, 12, 0)


def d(day, hour=0):
    return datetime(2026, 3, day, hour, 0)


ORDERS = [
    # on time, in full, 24 h
    OrderInput(
        1, A, "gold", d(2, 8), d(4), {11: 10, 12: 5}, [Shipment(1, d(3, 8), {11: 10, 12: 5})]
    ),
    # two shipments, late, 48 h
    OrderInput(
        2,
        A,
        "standard",
        d(2, 8),
        d(3),
        {21: 10},
        [Shipment(2, d(3, 20), {21: 4}), Shipment(3, d(4, 8), {21: 6})],
    ),
    # no commitment date, 72 h
    OrderInput(
        3, B, "standard", d(2, 8), None, {31: 1, 32: 1}, [Shipment(4, d(5, 8), {31: 1, 32: 1})]
    ),
    # partially shipped: a delivery is still open
    OrderInput(4, B, "gold", d(3, 8), d(10), {41: 3}, [Shipment(5, d(4, 8), {41: 1})], 1),
    # not shipped yet
    OrderInput(5, A, "standard", d(9, 12), None, {51: 2, 52: 2}),
]
HOLDS = [
    HoldFact(1, 1, A, "credit_limit", d(2, 8), d(2, 12)),
    HoldFact(2, 2, A, "credit_limit", d(2, 8), d(3)),
    HoldFact(3, 5, A, "stock", d(9, 12)),
    HoldFact(4, 1, A, "margin", d(2, 9), d(2, 10)),
]
DELIVERIES = [
    DeliveryFact(1, A, d(2, 20), d(3, 8)),
    DeliveryFact(2, A, d(3, 8), d(3, 20)),
    DeliveryFact(3, A, d(3, 20), d(4, 8)),
    DeliveryFact(4, B, d(4, 8), d(5, 8)),
    DeliveryFact(5, B, d(3, 20), d(4, 8)),
]
BACKLOG = [BacklogLine(41, B, d(3, 8)), BacklogLine(51, A, d(9, 12)), BacklogLine(52, A, d(9, 12))]


def test_order_facts():
    facts = [order_facts(o) for o in ORDERS]
    assert [f.shipped for f in facts] == [True, True, True, False, False]
    assert [f.cycle_h for f in facts] == [24.0, 48.0, 72.0, None, None]
    assert [f.lines_in_full for f in facts] == [2, 0, 2, 0, 0]
    assert [f.on_time for f in facts] == [True, False, None, None, None]
    assert [f.otif for f in facts] == [True, False, None, None, None]


def test_shipped_kpis_network_and_site():
    facts = [order_facts(o) for o in ORDERS]
    assert shipped_order_kpis(facts) == pytest.approx(
        {
            "cycle_median_h": 48.0,
            "cycle_p90_h": 67.2,
            "fill_rate": 80.0,
            "on_time_rate": 50.0,
            "otif_rate": 50.0,
        }
    )
    site_a = shipped_order_kpis(f for f in facts if f.site == A)
    assert site_a["cycle_median_h"] == pytest.approx(36.0)
    assert site_a["cycle_p90_h"] == pytest.approx(45.6)
    assert site_a["fill_rate"] == pytest.approx(200 / 3)
    site_b = shipped_order_kpis(f for f in facts if f.site == B)
    assert site_b["on_time_rate"] is None  # nothing promised was shipped


def test_backlog():
    result = backlog_kpis(BACKLOG, NOW)
    assert result["backlog_lines"] == 3
    assert result["backlog_age_days"] == pytest.approx((7 + 4 / 24 + 1 + 1) / 3)
    assert backlog_kpis([], NOW) == {"backlog_lines": 0.0, "backlog_age_days": None}


def test_exceptions_and_holds():
    result = exception_kpis([o.order_id for o in ORDERS], HOLDS)
    assert result["exception_rate"] == pytest.approx(60.0)
    assert result["exception_rate_by_reason"] == pytest.approx(
        {"credit_limit": 40.0, "margin": 20.0, "stock": 20.0}
    )
    resolution = hold_resolution_kpis(HOLDS)
    assert resolution["hold_resolution_h"] == pytest.approx(4.0)
    assert resolution["hold_resolution_h_by_reason"] == pytest.approx(
        {"credit_limit": 10.0, "margin": 1.0}
    )


def test_pick_to_ship():
    assert pick_to_ship_kpis(DELIVERIES) == {"pick_to_ship_h": 12.0}


def test_percentiles_match_percentile_cont():
    assert percentile([], 0.5) is None
    assert median([5]) == 5
    assert percentile([1, 2, 3, 4], 0.9) == pytest.approx(3.7)
    with pytest.raises(ValueError):
        percentile([1], 1.5)


def test_periods():
    assert str(period_start(d(5, 14), "day")) == "2026-03-05"
    assert str(period_start(d(5, 14), "week")) == "2026-03-02"  # Monday
    assert str(period_start(d(5, 14), "month")) == "2026-03-01"
    with pytest.raises(ValueError):
        period_start(d(5), "year")
    assert [str(p) for p in period_window(d(5, 14), "month", 3)] == [
        "2026-01-01",
        "2026-02-01",
        "2026-03-01",
    ]
    assert [str(p) for p in period_window(d(5), "week", 2)] == ["2026-02-23", "2026-03-02"]
    assert str(next_period(period_start(d(5), "month"), "month")) == "2026-04-01"
    assert str(next_period(datetime(2026, 12, 1).date(), "month")) == "2027-01-01"


def test_targets_and_variance():
    assert below_target("fill_rate", 80.0, 95.0)
    assert not below_target("fill_rate", 96.0, 95.0)
    assert below_target("cycle_median_h", 50.0, 48.0)
    assert not below_target("cycle_median_h", None, 48.0)
    result = network_median_variance({1: 10.0, 2: 20.0, 3: 60.0, 4: None})
    assert result["median"] == 20.0
    assert result["variance"] == {1: -10.0, 2: 0.0, 3: 40.0, 4: None}
    assert TileTrend([1.0, None, 3.0]).direction == "up"
    assert TileTrend([3.0]).direction == "flat"


def test_registry_is_complete():
    codes = {k.code for k in KPIS}
    assert len(codes) == len(KPIS)
    assert all(k.better in ("higher", "lower") and k.definition for k in KPIS)


def test_per_segment():
    """The segment is a filter on the facts (the SQL filters on the same column)."""
    gold = [order_facts(o) for o in ORDERS if o.segment == "gold"]
    result = shipped_order_kpis(gold)
    assert result["cycle_median_h"] == 24.0
    assert result["fill_rate"] == 100.0
    assert result["otif_rate"] == 100.0
    gold_ids = {o.order_id for o in ORDERS if o.segment == "gold"}
    assert exception_kpis(gold_ids, HOLDS)["exception_rate"] == 50.0
    gold_holds = [h for h in HOLDS if h.order_id in gold_ids]
    assert hold_resolution_kpis(gold_holds)["hold_resolution_h"] == 2.5


def test_optional_figures():
    from distribution_dashboard.engine.kpi import excursion_kpis, integration_kpis

    assert integration_kpis(["processed", "error", "parked", "sent"]) == {
        "integration_failure_rate": 50.0
    }
    assert integration_kpis([]) == {"integration_failure_rate": None}
    result = excursion_kpis([(d(9, 8), d(9, 10)), (d(10, 6), None)], NOW)
    assert result == {"excursion_count": 2.0, "excursion_hours": 8.0}


# ---------------------------------------------------------------- approvals
# tests/test_approval_latency.py writes these reviews into tier_review and expects
# the same answers from SQL.

HOLD, PO = "distribution.hold", "purchase.order"


def feb(day, hour=0):
    return datetime(2026, 2, day, hour, 0)


def rv(status, created, reviewed=None):
    return TierReviewFact(status, created, reviewed)


APPROVALS = [
    # tier 1 approved, tier 2 rejected: the rejection decides, 6 h
    ApprovalRequest(
        HOLD, 1, [rv("approved", d(2, 8), d(2, 10)), rv("rejected", d(2, 8), d(2, 14))]
    ),
    # both tiers approved: the latest approval decides, 24 h
    ApprovalRequest(HOLD, 2, [rv("approved", d(3, 8), d(3, 9)), rv("approved", d(3, 8), d(4, 8))]),
    # tier 1 approved, tier 2 still pending: undecided
    ApprovalRequest(HOLD, 3, [rv("approved", d(9, 12), d(9, 13)), rv("pending", d(9, 12))]),
    # decided in February, 12 h: not in March
    ApprovalRequest(HOLD, 4, [rv("approved", feb(27, 8), feb(27, 20))]),
    # one tier, 2 h
    ApprovalRequest(PO, 1, [rv("approved", d(4), d(4, 2))]),
    # tiers approved out of order (no approve-by-sequence): the latest approval, 10 h
    ApprovalRequest(PO, 2, [rv("approved", d(5), d(5, 10)), rv("approved", d(5), d(5, 4))]),
    # tier 1 rejected, tier 2 cancelled by the rejection: 3 h
    ApprovalRequest(PO, 3, [rv("rejected", d(6), d(6, 3)), rv("cancel", d(6))]),
    # requested in February, decided in March: 24 h, in March
    ApprovalRequest(PO, 4, [rv("approved", feb(28, 12), d(1, 12))]),
]
MARCH = (d(1), datetime(2026, 4, 1))


def test_approval_decision():
    decisions = [approval_decision(r.reviews) for r in APPROVALS]
    assert decisions == [
        (d(2, 8), d(2, 14)),
        (d(3, 8), d(4, 8)),
        (d(9, 12), None),
        (feb(27, 8), feb(27, 20)),
        (d(4), d(4, 2)),
        (d(5), d(5, 10)),
        (d(6), d(6, 3)),
        (feb(28, 12), d(1, 12)),
    ]
    # a rejection decides even when a later tier was approved after it; the
    # earliest of several rejections
    assert approval_decision(
        [
            rv("rejected", d(2), d(2, 12)),
            rv("approved", d(2), d(2, 15)),
            rv("rejected", d(2), d(2, 9)),
        ]
    ) == (d(2), d(2, 9))
    # nothing reviewed yet; a review waiting behind an approved one
    assert approval_decision([rv("waiting", d(2)), rv("pending", d(2))]) == (d(2), None)
    assert approval_decision([rv("approved", d(2), d(3)), rv("waiting", d(2))]) == (d(2), None)
    with pytest.raises(ValueError):
        approval_decision([])


def test_approval_latency():
    march = approval_latency_kpis(APPROVALS, *MARCH)
    # 2, 3, 6, 10, 24, 24
    assert march["approval_latency_h"] == pytest.approx(8.0)
    assert march["approval_latency_h_by_flow"] == pytest.approx({HOLD: 15.0, PO: 6.5})
    assert list(march["approval_latency_h_by_flow"]) == [HOLD, PO]
    february = approval_latency_kpis(APPROVALS, feb(1), d(1))
    assert february == {"approval_latency_h": 12.0, "approval_latency_h_by_flow": {HOLD: 12.0}}
    everything = approval_latency_kpis(APPROVALS)
    assert everything["approval_latency_h"] == pytest.approx(10.0)  # 2, 3, 6, 10, 12, 24, 24
    undecided = approval_latency_kpis([APPROVALS[2]])
    assert undecided == {"approval_latency_h": None, "approval_latency_h_by_flow": {}}
    kpi = next(k for k in KPIS if k.code == "approval_latency_h")
    assert (kpi.unit, kpi.better, kpi.needs) == ("h", "lower", "tier.review")
