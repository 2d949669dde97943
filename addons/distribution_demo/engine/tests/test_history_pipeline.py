"""What credit control did to the history: deterministic, consistent with the plan."""

import pytest

from distribution_demo.engine import history_pipeline as hp
from distribution_demo.engine import plan as demo

BATCH = 200


@pytest.fixture(scope="module", params=[0.02, 0.1, 1])
def history(request):
    return hp.HistoryPipeline(demo.Plan(request.param), BATCH)


def _held(history):
    return [o for o in history.plan.sale_orders() if history.spell_of(o)]


def test_same_plan_same_spells_and_decisions():
    first = hp.HistoryPipeline(demo.Plan(0.1), BATCH)
    second = hp.HistoryPipeline(demo.Plan(0.1), BATCH)
    assert first.spells() == second.spells()
    orders = first.plan.sale_orders()
    assert [first.decided_after_hours(o) for o in orders if hp.submitted(o)] == [
        second.decided_after_hours(o) for o in orders if hp.submitted(o)
    ]


def test_orders_are_submitted_as_they_came_in_batch_after_batch(history):
    orders = history.plan.sale_orders()
    batches = hp.batches(orders, BATCH)
    flat = [o for batch in batches for o in batch]
    assert sorted(o.key for o in flat) == sorted(o.key for o in orders)
    assert all(len(batch) == BATCH for batch in batches[:-1])
    ages = [o.ordered_days_ago for o in flat]
    assert ages == sorted(ages, reverse=True), "oldest first"
    assert flat == hp.submission_order(orders)


@pytest.mark.parametrize("size", [0, -5])
def test_batch_size_must_be_positive(size):
    with pytest.raises(ValueError, match="batch size"):
        hp.batches(demo.Plan(0.02).sale_orders(), size)


def test_each_spell_holds_its_order_and_stays_in_one_batch(history):
    batch_of = {
        o.key: n
        for n, batch in enumerate(hp.batches(history.plan.sale_orders(), BATCH))
        for o in batch
    }
    by_key = {o.key: o for o in history.plan.sale_orders()}
    for spell in history.spells():
        assert spell.end_days_ago <= spell.start_days_ago
        assert spell.end_days_ago >= 0
        assert spell.note in hp.SPELL_NOTES
        trigger = by_key[spell.trigger]
        assert trigger.customer == spell.customer
        assert history.spell_of(trigger) == spell
        covered = [o for o in history.plan.sale_orders() if spell.covers(o) and hp.submitted(o)]
        assert {batch_of[o.key] for o in covered} == {batch_of[trigger.key]}
        assert {o.customer for o in covered} == {spell.customer}


def test_a_customer_is_on_hold_once_at_a_time(history):
    spells = history.spells()
    for i, first in enumerate(spells):
        for second in spells[i + 1 :]:
            if first.customer != second.customer:
                continue
            overlap = (
                first.end_days_ago < second.start_days_ago
                and second.end_days_ago < first.start_days_ago
            )
            assert not overlap, (first, second)


def test_quotations_never_met_a_check(history):
    for order in history.plan.sale_orders():
        if order.state == "quotation":
            assert history.spell_of(order) is None
            with pytest.raises(ValueError, match="quotation"):
                hp.decision(order, "customer_hold")


def test_credit_control_rejected_cancelled_orders_and_released_the_others(history):
    held = _held(history)
    assert any(o.state == "cancelled" for o in held), "some holds rejected"
    assert any(o.state == "done" for o in held), "some shipped orders had a hold released"
    for order in held:
        decided = hp.decision(order, "customer_hold")
        if order.state == "cancelled":
            assert decided == hp.Decision("reject", hp.REJECT_REASONS["customer_hold"])
        else:
            assert decided == hp.Decision("release", hp.RELEASE_NOTES["customer_hold"])
    for check in ("quantity_anomaly", "credit_limit", "stock_availability"):
        order = held[0]
        assert hp.decision(order, check).note.strip()


def test_not_every_cancelled_order_was_rejected_at_scale_one():
    history = hp.HistoryPipeline(demo.Plan(1), BATCH)
    cancelled = [o for o in history.plan.sale_orders() if o.state == "cancelled"]
    rejected = [o for o in cancelled if history.spell_of(o)]
    assert 0 < len(rejected) < len(cancelled), "some cancelled by the customer after release"
    share = len(_held(history)) / sum(1 for o in history.plan.sale_orders() if hp.submitted(o))
    assert 0.02 < share < 0.10, f"{share:.1%} of the history held by on-hold spells"


def test_decisions_come_after_the_order_before_it_shipped_and_before_now(history):
    for order in history.plan.sale_orders():
        if not hp.submitted(order):
            continue
        hours = history.decided_after_hours(order)
        assert hours > 0
        assert hours < order.ordered_days_ago * 24, "decided before now"
        if order.state == "done":
            assert hours < (order.lead_days + order.delay_days) * 24, "decided before shipping"
        spell = history.spell_of(order)
        if spell:  # decided when the spell ended, or sooner
            until_end = (order.ordered_days_ago - spell.end_days_ago) * 24
            assert hours <= max(until_end, hp.MIN_HOURS) + 1e-3
