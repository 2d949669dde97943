"""How the six months of history went through the governed order pipeline (pure Python).

The loader (``models/demo_network.py``, stage ``sales``) submits the history's orders
(``plan.py``) through the real pipeline as the ``sales`` login, in the order they came
in and batch after batch, so each order meets the checks as they stood then: it is
checked, held or allocated and released by the pipeline itself.  This module decides
what the pipeline cannot: what credit control did.

* **On-hold spells.**  Now and then credit control put a customer on hold (an
  overdue invoice, a returned payment) for a few hours to a day: every order the customer
  placed meanwhile was held by the *customer on hold* check.  A spell is opened
  around each order the plan cancelled that credit control rejected (about half of
  the cancelled orders; the others were cancelled by the customer after their
  release) and around a few shipped orders, for that order's customer, and clipped
  so that it holds only orders of the batch its order is submitted in (and at
  most ``SPELL_MAX_ORDERS``): the customer is put on hold and taken off once per
  spell.
* **Decisions.**  Credit control decides every hold of the history by what became
  of the order: released (with a note) when the order went on, shipped or still
  open; rejected (with the reason) when the plan cancelled it.  That covers the
  holds of the spells and the holds the checks raise by themselves on the plan's
  orders: a quantity far above the customer's usual ones (quantity anomaly), and,
  late in the history, a product the whole network had run out of (stock
  availability, which the administrator decides by the same rule).
* **When.**  A hold is decided a few hours after the order came in (a spell's holds
  when the spell ends), always before the order shipped and before now.

Everything is seeded by ``(seed, kind, index)`` as in ``plan.py``: the same plan
gives the same spells and decisions on every run.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import plan as demo_plan

#: Share of the cancelled orders credit control rejected (the others: cancelled by the
#: customer after release); at least one when the plan cancelled any.
REJECTED_SHARE = 0.5
#: Share of the shipped orders around which the customer was on hold (at least one).
SPELL_SHARE = 0.006
#: A spell begins up to this many days before its order and ends this long after it.
SPELL_BEFORE_DAYS = (0.0, 0.3)
SPELL_AFTER_DAYS = (0.2, 1.0)
#: ... and holds at most this many of the customer's orders (a big customer orders
#: several times a day: its spells are shorter).
SPELL_MAX_ORDERS = 5
#: Credit control's response time to the holds the checks raise, in hours.
RESPONSE_HOURS = (0.5, 20.0)
#: A decision comes before the order ships and before now: at most this share of the
#: time left, and never sooner than ``MIN_HOURS`` after the order.
BEFORE_SHARE = 0.8
MIN_HOURS = 0.1

SPELL_NOTES = (
    "Invoice overdue by more than 30 days: new orders wait for the payment.",
    "Payment returned by the bank: orders wait until it is settled.",
    "Disputed invoice under review: orders wait for credit control.",
)
#: Credit control's note on each decision, by the check that held the order.
RELEASE_NOTES = {
    "customer_hold": "Payment received: the customer is off hold, the order goes ahead.",
    "quantity_anomaly": "Confirmed with the customer: a larger order than usual this time.",
    "credit_limit": "Payment received: the exposure is back within the limit.",
}
REJECT_REASONS = {
    "customer_hold": "Account not settled: the order is cancelled.",
    "quantity_anomaly": "The customer did not confirm the quantity: the order is cancelled.",
    "credit_limit": "Exposure over the limit and no payment in sight: the order is cancelled.",
}
RELEASE_NOTE = "Reviewed by credit control: the order goes ahead."
REJECT_REASON = "Reviewed by credit control: the order is cancelled."


@dataclass(frozen=True)
class Spell:
    """A customer on hold from ``start`` to ``end`` (days before the anchor)."""

    customer: str
    start_days_ago: float
    end_days_ago: float
    note: str
    trigger: str  # key of the order it was opened around

    def covers(self, order: demo_plan.SaleOrder) -> bool:
        return (
            order.customer == self.customer
            and self.end_days_ago <= order.ordered_days_ago <= self.start_days_ago
        )


@dataclass(frozen=True)
class Decision:
    resolution: str  # "release" or "reject"
    note: str


def submitted(order: demo_plan.SaleOrder) -> bool:
    """Quotations were never submitted; every other order was."""
    return order.state != "quotation"


def submission_order(orders: list[demo_plan.SaleOrder]) -> list[demo_plan.SaleOrder]:
    """The orders in the order they came in (oldest first; ties: key)."""
    return sorted(orders, key=lambda o: (-o.ordered_days_ago, o.key))


def batches(orders: list[demo_plan.SaleOrder], size: int) -> list[list[demo_plan.SaleOrder]]:
    """The loader's batches on a fresh database: ``size`` orders at a time, as they came in."""
    if size <= 0:
        raise ValueError(f"batch size must be positive, got {size!r}")
    ordered = submission_order(orders)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def decision(order: demo_plan.SaleOrder, check: str) -> Decision:
    """What credit control decided on ``order``'s hold of ``check``: by what became of
    the order (cancelled: rejected; shipped or still open: released)."""
    if not submitted(order):
        raise ValueError(f"{order.key} is a quotation: it never met a check")
    if order.state == "cancelled":
        return Decision("reject", REJECT_REASONS.get(check, REJECT_REASON))
    return Decision("release", RELEASE_NOTES.get(check, RELEASE_NOTE))


def index_of(key: str) -> int:
    return int(key.rsplit("-", 1)[1]) - 1


def hours_left(order: demo_plan.SaleOrder) -> float:
    """Hours from the order to the latest a decision can come: its shipment (done
    orders) and now (every order)."""
    left = order.ordered_days_ago
    if order.state == "done":
        left = min(left, order.lead_days + order.delay_days)
    return max(left, 0.0) * 24.0


class HistoryPipeline:
    """Spells and decisions of one plan (``batch_size``: the loader's batch)."""

    def __init__(self, plan: demo_plan.Plan, batch_size: int):
        self.plan = plan
        self.seed = plan.seed
        self.batch_size = batch_size
        self._spells: list[Spell] | None = None
        self._by_customer: dict[str, list[Spell]] = {}

    # ------------------------------------------------------------------ spells

    def spells(self) -> list[Spell]:
        """Every spell, oldest first (computed once)."""
        if self._spells is None:
            self._spells = self._build_spells()
            for spell in self._spells:
                self._by_customer.setdefault(spell.customer, []).append(spell)
        return self._spells

    def _build_spells(self) -> list[Spell]:
        orders = [o for o in self.plan.sale_orders() if submitted(o)]
        cancelled = [o for o in orders if o.state == "cancelled"]
        shipped = [o for o in orders if o.state == "done"]
        triggers = [o for o in cancelled if self._draw("reject", o) < REJECTED_SHARE]
        if cancelled and not triggers:
            triggers.append(min(cancelled, key=lambda o: o.key))
        around = [o for o in shipped if self._draw("spell", o) < SPELL_SHARE]
        if shipped and not around:
            around.append(min(shipped, key=lambda o: o.key))
        batch_of = {
            o.key: n
            for n, batch in enumerate(batches(self.plan.sale_orders(), self.batch_size))
            for o in batch
        }
        by_customer: dict[str, list[demo_plan.SaleOrder]] = {}
        for order in submission_order(orders):
            by_customer.setdefault(order.customer, []).append(order)
        spells: list[Spell] = []
        for order in submission_order(triggers + around):
            rng = demo_plan._rng(self.seed, "history-spell", index_of(order.key))
            start = order.ordered_days_ago + rng.uniform(*SPELL_BEFORE_DAYS)
            end = max(order.ordered_days_ago - rng.uniform(*SPELL_AFTER_DAYS), 0.0)
            start, end = self._window(by_customer[order.customer], order, start, end, batch_of)
            note = SPELL_NOTES[rng.randrange(len(SPELL_NOTES))]
            spell = Spell(order.customer, start, end, note, order.key)
            # one spell per customer at a time: one overlapping an earlier spell (of the
            # same batch: spells of two batches meet halfway at most) extends it
            same = next(
                (
                    s
                    for s in spells
                    if s.customer == spell.customer
                    and s.end_days_ago < spell.start_days_ago
                    and spell.end_days_ago < s.start_days_ago
                ),
                None,
            )
            if same:
                spells[spells.index(same)] = Spell(
                    same.customer,
                    max(same.start_days_ago, spell.start_days_ago),
                    min(same.end_days_ago, spell.end_days_ago),
                    same.note,
                    same.trigger,
                )
            else:
                spells.append(spell)
        return sorted(spells, key=lambda s: (-s.start_days_ago, s.customer))

    @staticmethod
    def _window(mine, order, start, end, batch_of):
        """``(start, end)`` of a spell around ``order``, within ``start`` and ``end``:
        it holds only orders of the customer (``mine``, oldest first) submitted in the
        same batch as ``order``, at most ``SPELL_MAX_ORDERS`` of them, and, where it
        stops short of the customer's next (previous) order, it ends (begins) halfway
        to that order at the latest (earliest)."""
        at = mine.index(order)
        batch = batch_of[order.key]
        first = last = at
        while (
            first > 0
            and mine[first - 1].ordered_days_ago <= start
            and batch_of[mine[first - 1].key] == batch
        ):
            first -= 1
        while (
            last < len(mine) - 1
            and mine[last + 1].ordered_days_ago >= end
            and batch_of[mine[last + 1].key] == batch
        ):
            last += 1
        while last - first + 1 > SPELL_MAX_ORDERS:
            if last - at > at - first:
                last -= 1
            else:
                first += 1
        if first > 0:
            start = min(
                start, (mine[first - 1].ordered_days_ago + mine[first].ordered_days_ago) / 2
            )
        if last < len(mine) - 1:
            end = max(end, (mine[last].ordered_days_ago + mine[last + 1].ordered_days_ago) / 2)
        return start, end

    def _draw(self, kind: str, order: demo_plan.SaleOrder) -> float:
        return demo_plan._rng(self.seed, f"history-{kind}", index_of(order.key)).random()

    def spell_of(self, order: demo_plan.SaleOrder) -> Spell | None:
        """The spell during which ``order`` came in (None: its customer was not on hold)."""
        if not submitted(order):
            return None
        self.spells()
        return next((s for s in self._by_customer.get(order.customer, ()) if s.covers(order)), None)

    # ------------------------------------------------------------------ decisions

    def decided_after_hours(self, order: demo_plan.SaleOrder) -> float:
        """Hours from the order to credit control's decision on its holds: when its
        spell ended, else credit control's response time; before it shipped and
        before now."""
        spell = self.spell_of(order)
        if spell:
            hours = (order.ordered_days_ago - spell.end_days_ago) * 24.0
        else:
            rng = demo_plan._rng(self.seed, "history-decision", index_of(order.key))
            hours = rng.uniform(*RESPONSE_HOURS)
        latest = hours_left(order) * BEFORE_SHARE
        return round(min(max(hours, MIN_HOURS), latest), 4)
