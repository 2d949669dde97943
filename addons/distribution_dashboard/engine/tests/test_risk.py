"""Risk score and estimated ship date on hand-built histories."""

from datetime import datetime, timedelta

from distribution_dashboard.engine.risk import (
    History,
    HistoryOrder,
    OpenOrder,
    assess,
    assess_all,
    horizon_bucket,
    precision_recall,
    size_bucket,
)

NOW = datetime(2026, 3, 10, 12, 0)  # a Tuesday


def history(site=1, cycles=range(10, 110, 2), category=7, lines=2, lead_h=60.0):
    # 50 orders confirmed on Mondays: 10, 12, ..., 108 h, promised 60 h out
    return [HistoryOrder(site, lines, category, 0, float(c), lead_h) for c in cycles]


def open_order(**kw):
    values = {
        "order_id": 1,
        "site": 1,
        "confirmed_at": NOW - timedelta(hours=20),
        "promised_at": NOW + timedelta(hours=40),
        "line_count": 2,
        "category": 7,
    }
    values.update(kw)
    return OpenOrder(**values)


def test_size_buckets():
    assert [size_bucket(n) for n in (1, 2, 3, 4, 9)] == ["1", "2-3", "2-3", "4+", "4+"]


def test_score_from_similar_orders():
    hist = History.build(history())
    result = assess(open_order(), hist, NOW)
    # still-open pool: cycles 22..108 (44 values); remaining = c - 20; late if > 40 -> c > 60
    assert result.score == round(100 * 24 / 44, 1)
    assert result.estimated_ship == NOW + timedelta(hours=(64 + 66) / 2 - 20)
    assert result.reasons[0] == (
        "similar orders at this site take 2.5 days (median); 40 h left to the commitment"
    )
    assert result.suggested_action == "expedite"


def test_backlog_and_stock_raise_the_score_and_say_so():
    hist = History.build(history())
    calm = assess(open_order(), hist, NOW)
    busy = assess(open_order(lines_short=1), hist, NOW, backlog_ratio=2.3)
    assert busy.score > calm.score
    assert "site backlog 2.3× usual" in busy.reasons
    assert "1 of 2 lines not in stock" in busy.reasons
    assert busy.suggested_action == "reallocate"
    assert busy.estimated_ship > calm.estimated_ship


def test_past_commitment_and_no_commitment():
    hist = History.build(history())
    late = assess(open_order(promised_at=NOW - timedelta(hours=50)), hist, NOW)
    assert late.score == 100.0
    assert late.suggested_action == "inform_customer"
    assert "already 2.1 days past its commitment" in late.reasons
    free = assess(open_order(promised_at=None), hist, NOW)
    assert free.score == 0.0 and free.suggested_action == "none"


def test_fallbacks_and_sorting():
    hist = History.build(history(site=2))
    result = assess(open_order(), hist, NOW)  # site 1 has no history: the network
    assert result.reasons[0].startswith("orders with this commitment across the network")
    empty = assess(open_order(), History.build([]), NOW)
    assert "no history at this site yet" in empty.reasons
    ranked = assess_all(
        [
            open_order(order_id=1, value=10),
            open_order(order_id=2, value=99),
            open_order(order_id=3, promised_at=NOW - timedelta(hours=1)),
        ],
        History.build(history()),
        NOW,
        {},
    )
    assert [a.order_id for a in ranked] == [3, 2, 1]


def test_horizon_buckets():
    hours = (None, 4, 24, 30, 48, 72, 73, 120, 168, 400)
    assert [horizon_bucket(h) for h in hours] == [
        "none",
        "1d",
        "1d",
        "2d",
        "2d",
        "3d",
        "5d",
        "5d",
        "7d",
        "later",
    ]


def test_orders_promised_further_out_are_not_the_yardstick():
    # a site that ships next-day orders in ~20 h and week-out orders in ~150 h
    hist = History.build(
        [
            *history(cycles=range(4, 24), lead_h=24.0),
            *history(cycles=range(140, 160), lead_h=168.0),
        ]
    )
    next_day = open_order(
        confirmed_at=NOW - timedelta(hours=2), promised_at=NOW + timedelta(hours=22)
    )
    result = assess(next_day, hist, NOW)
    assert result.score == 0.0  # every similar next-day order left within 23 h
    assert result.reasons[0].startswith("orders of this size and commitment at this site")
    # without the horizon the week-out orders would have made it look certain to be late
    blind = History.build(
        HistoryOrder(o.site, o.line_count, o.category, o.weekday, o.cycle_h)
        for o in [*history(cycles=range(4, 24)), *history(cycles=range(140, 160))]
    )
    assert assess(next_day, blind, NOW).score == 50.0


def test_precision_recall():
    assert precision_recall([True, True, False, False], [True, False, True, False]) == (0.5, 0.5)
    assert precision_recall([False], [False]) == (0.0, 0.0)
