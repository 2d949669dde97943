"""Deterministic plan of the order pipeline's current state (pure Python, no Odoo).

After the history (``plan.py``) the demo leaves orders in every stage of the governed
order pipeline: waiting on each kind of hold, allocated, released, split across two
sites, partially shipped with a backorder, shipped, plus holds resolved by credit
control (released with a note, or rejected).  This module decides which orders, for
which customers, products, sites, quantities and prices, so that each order meets
the check it is meant to meet, and only that one.  The loader
(``models/demo_pipeline.py``) submits them through the real pipeline.

How each order is made to meet its check (the pipeline's default checks):

* credit exposure: a customer with a small trial limit; each of its orders is worth
  at least twice the limit (untaxed), so it fails whatever its exposure;
* customer on hold: a customer credit control puts on hold (with its reason);
* required data: a customer who requires its reference, and an order without one;
* minimum margin: a price 4 % above cost (below the 10 % floor, and Rotterdam's 15 %);
* price floor: a product given a floor price, sold 10 % below it at a healthy margin;
* quantity anomaly: a customer with three earlier orders of 4 to 12 units of a
  product, ordering ``ANOMALY_QTY`` (more than 3 x the largest such median);
* stock availability: more units than the network can ever have of a product
  (opening stock plus every purchase, received or not), or a product nobody stocks.

Every other order is *clean*: products neither lot-tracked nor temperature-controlled,
margin at list price at least ``SAFE_MARGIN``, quantities between ``QTY_MIN`` and
``QTY_MAX`` (so that no clean order is an anomaly against another: ``QTY_MAX <= 3 *
QTY_MIN``), customers without a credit limit, taken from the customer's home site
where the site surely has them.  "Surely" is a lower bound on what a site can promise
after the history: its opening stock plus the purchases received, minus every unit
the history's confirmed orders took from it, minus what the plan's own orders take.
It counts each history order against its own site; the pipeline the history goes
through ships a line that site does not carry (or an order for a customer of another
home site) from another site, so there the figure is an estimate, not a bound: at
scales 0.02 and 1 every order of this plan still lands in its planned state.

Keys are stable per kind and index (``DN-SO-L<kind><index>``): a larger scale adds
orders of each kind and never renames the ones already loaded.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace

from . import plan as demo_plan

#: Orders of each kind at scale 1 (at least one at any scale).
PER_KIND = 4
#: Clean quantities: no clean order can look anomalous against earlier ones.
QTY_MIN, QTY_MAX = 4, 12
ANOMALY_QTY = 60.0
#: Margin at list price of the products clean orders use (Rotterdam's floor is 15 %).
SAFE_MARGIN = 0.22
#: Price of a margin-hold line: cost plus this share (margin ~3.8 % < 10 %).
THIN_MARKUP = 0.04
#: Floor price of the price-floor product (share of list) and the price it is sold at
#: (share of the floor).
FLOOR_SHARE, BELOW_FLOOR_SHARE = 0.97, 0.90

CHECKS = (
    "credit_limit",
    "customer_hold",
    "required_data",
    "min_margin",
    "price_floor",
    "quantity_anomaly",
    "stock_availability",
)

# kind: (number in the key, final orchestration state, check it fails or None)
KINDS = {
    "draft": (1, "draft", None),
    "hold_credit_limit": (2, "on_hold", "credit_limit"),
    "hold_customer_hold": (3, "on_hold", "customer_hold"),
    "hold_required_data": (4, "on_hold", "required_data"),
    "hold_min_margin": (5, "on_hold", "min_margin"),
    "hold_price_floor": (6, "on_hold", "price_floor"),
    "hold_stock_availability": (7, "on_hold", "stock_availability"),
    "shipped": (8, "shipped", None),
    "released": (9, "released", None),
    "split": (10, "released", None),
    "partial": (11, "partially_shipped", None),
    "allocated": (12, "allocated", None),
    "hold_quantity_anomaly": (13, "on_hold", "quantity_anomaly"),
    "credit_released": (14, "released", None),  # held, released by credit control
    "rejected": (15, "cancelled", None),  # held, rejected by credit control
}

#: Submission phases, in order: what needs no history first (so no clean order has
#: three earlier ones when the stock order comes), then the clean orders (the
#: anomaly customer's history), the allocated orders (release in batches meanwhile),
#: then the anomaly holds.  Credit control resolves holds after the last phase.
PHASES = (
    ("hold_credit_limit", "hold_customer_hold", "hold_required_data", "hold_min_margin",
     "hold_price_floor", "hold_stock_availability"),
    ("shipped", "released", "split", "partial"),
    ("allocated",),
    ("hold_quantity_anomaly",),
)  # fmt: skip

RELEASE_NOTES = {
    "credit_limit": "Payment of the overdue invoices received today; exposure accepted.",
    "quantity_anomaly": "Confirmed with the customer: stocking up for a new branch.",
}
REJECT_REASONS = {
    "credit_limit": "No prepayment received: the order would exceed the trial credit limit.",
    "customer_hold": "Account under collection: no new orders until the debt is settled.",
}
HOLD_NOTE = "Invoices unpaid for over 60 days: orders wait for credit control."


@dataclass(frozen=True)
class Customer:
    key: str  # ref
    name: str
    role: str  # "regular", "credit", "on_hold", "reference"
    city: str
    country_code: str
    latitude: float
    longitude: float
    street: str
    tier: str = "silver"
    credit_limit: float = 0.0
    requires_reference: bool = False
    hold_note: str | None = None

    @property
    def home_warehouse(self) -> str:
        return demo_plan.nearest_site(self.latitude, self.longitude).code


# The pipeline's own customers (the history's customers are left as they are: at
# small scales there is only one, with months of uninvoiced orders behind it).
CUSTOMERS = (
    Customer("DNP-C01", "Delft Care Pharmacies", "regular", "Delft", "NL", 52.0116, 4.3571,
             "Markt 12", "gold"),
    Customer("DNP-C02", "Villeurbanne Fresh Market", "regular", "Villeurbanne", "FR",
             45.7719, 4.8902, "12 Cours Emile Zola"),
    Customer("DNP-C03", "Freising Clinic Supplies", "regular", "Freising", "DE", 48.4029,
             11.7488, "Hauptstrasse 4"),
    Customer("DNP-C04", "Alcala Health Stores", "regular", "Alcala de Henares", "ES",
             40.4818, -3.3643, "Calle Mayor 20", "bronze"),
    Customer("DNP-C05", "Pruszkow Wholesale Foods", "regular", "Pruszkow", "PL", 52.1709,
             20.8116, "ul. Kraszewskiego 7"),
    Customer("DNP-C06", "Leuven Corner Stores", "credit", "Leuven", "BE", 50.8798, 4.7005,
             "Bondgenotenlaan 30", "bronze"),
    Customer("DNP-C07", "Bergamo Market Hall", "on_hold", "Bergamo", "IT", 45.6983, 9.6773,
             "Via XX Settembre 9", hold_note=HOLD_NOTE),
    Customer("DNP-C08", "Tours University Hospital", "reference", "Tours", "FR", 47.3941,
             0.6848, "2 Boulevard Tonnelle", "gold", requires_reference=True),
)  # fmt: skip


@dataclass(frozen=True)
class Order:
    key: str  # stable key (the order's source document)
    kind: str
    customer: str
    warehouse: str  # the customer's home site: the order's warehouse
    lines: tuple[demo_plan.Line, ...]
    reference: str | None  # the customer's reference (None: missing, on purpose)
    check: str | None  # the check it fails when submitted (None: passes)
    state: str  # orchestration state it is left in
    resolution: str | None = None  # "release" or "reject" (by credit control)
    note: str | None = None  # release note or reject reason
    delivery: str | None = None  # "full" or "partial"
    sites: int = 1  # warehouses expected to ship it

    @property
    def phase(self) -> int:
        """Index in :data:`PHASES` (-1: a quotation, never submitted)."""
        if self.kind == "draft":
            return -1
        if self.kind in ("credit_released", "rejected"):
            return 0 if self.check != "quantity_anomaly" else len(PHASES) - 1
        return next(i for i, kinds in enumerate(PHASES) if self.kind in kinds)


@dataclass(frozen=True)
class Stock:
    """What the plan knows of each site's stock after the history."""

    low: dict  # (site, product) -> units the site can surely promise
    carried: frozenset  # (site, product) that ever had or will have stock
    most: dict  # product -> every unit the network can ever have


def stock_after_history(base: demo_plan.Plan) -> Stock:
    low: dict = defaultdict(float)
    most: dict = defaultdict(float)
    carried = set()
    for level in base.stock_levels():
        low[(level.warehouse, level.product)] += level.quantity
        most[level.product] += level.quantity
        carried.add((level.warehouse, level.product))
    for po in base.purchase_orders():
        for line in po.lines:
            carried.add((po.warehouse, line.product))
            most[line.product] += line.quantity
            if po.state == "done":
                low[(po.warehouse, line.product)] += line.quantity
    for so in base.sale_orders():
        if so.state in ("open", "done"):
            for line in so.lines:
                low[(so.warehouse, line.product)] -= line.quantity
    return Stock({key: max(qty, 0.0) for key, qty in low.items()}, frozenset(carried), dict(most))


def per_kind(scale: float) -> int:
    return demo_plan.scaled(PER_KIND, scale)


def order_key(kind: str, index: int) -> str:
    return f"DN-SO-L{KINDS[kind][0]:02d}{index + 1:03d}"


def margin_of(product: demo_plan.Product) -> float:
    return 1 - product.cost / product.list_price if product.list_price else 0.0


@dataclass
class PipelinePlan:
    scale: float
    seed: int = demo_plan.SEED
    base: demo_plan.Plan = field(init=False)
    stock: Stock = field(init=False)
    floor_product: demo_plan.Product = field(init=False)

    def __post_init__(self):
        self.base = demo_plan.Plan(self.scale, self.seed)
        self.stock = stock_after_history(self.base)
        self.catalogue = {p.key: p for p in self.base.products()}
        self.safe = [
            p
            for p in self.base.products()
            if p.tracking == "none" and not p.zone and margin_of(p) >= SAFE_MARGIN
        ]
        if len(self.safe) < 3:
            raise ValueError("the catalogue has too few plain products for the pipeline demo")
        # the price-floor product: the widest margin, sold below its floor still earns it
        self.floor_product = max(self.safe, key=lambda p: (margin_of(p), p.key))
        self._orders: list[Order] | None = None

    # ------------------------------------------------------------------ customers

    @property
    def customers(self) -> tuple[Customer, ...]:
        limit = self.credit_limit
        return tuple(replace(c, credit_limit=limit) if c.role == "credit" else c for c in CUSTOMERS)

    def customer(self, role: str, site: str | None = None) -> Customer:
        return next(
            c for c in CUSTOMERS if c.role == role and (site is None or c.home_warehouse == site)
        )

    @property
    def credit_limit(self) -> float:
        """The credit customer's trial limit: at most half of its smallest order."""
        amounts = [
            sum(line.quantity * line.price_unit for line in order.lines)
            for order in self.orders()
            if order.customer == self.customer("credit").key
        ]
        return max(100.0, math.floor(min(amounts) / 2 / 100) * 100)

    # ------------------------------------------------------------------ orders

    def orders(self) -> list[Order]:
        """Every order, in submission order within each phase (computed once)."""
        if self._orders is None:
            self._orders = self._build()
        return self._orders

    def by_phase(self) -> list[list[Order]]:
        phases: list[list[Order]] = [[] for _ in PHASES]
        for order in self.orders():
            if order.kind != "draft":
                phases[order.phase].append(order)
        return phases

    def _build(self) -> list[Order]:
        self._free = dict(self.stock.low)
        self._out: list[Order] = []
        self._rng = demo_plan._rng(self.seed, "pipeline", 0)
        count = per_kind(self.scale)
        # a quotation not yet submitted
        for i in range(count):
            self._add("draft", i, *self._clean(self._regular(i), consume=False))
        self._holds(count)
        # the anomaly customer's history of one product: its first shipped orders
        anomaly = self._anomaly_pair(count)
        self._clean_orders(count, anomaly)
        self._late(count, anomaly)
        return self._out

    def _regular(self, index):
        sites = [w.code for w in demo_plan.WAREHOUSES]
        return self.customer("regular", sites[index % len(sites)])

    def _clean(self, customer, consume=True, lines=2):
        """(customer, site, lines) of a clean order: the customer's home site, else the
        first site (and its regular customer) with enough to spare."""
        chosen = self._lines(customer.home_warehouse, lines, consume)
        if chosen:
            return customer, customer.home_warehouse, chosen
        for site in (w.code for w in demo_plan.WAREHOUSES):
            chosen = self._lines(site, lines, consume)
            if chosen:
                return self.customer("regular", site), site, chosen
        raise ValueError("the network has too little stock for the pipeline demo")

    def _add(self, kind, index, customer, site, lines, **values):
        _number, state, check = KINDS[kind]
        key = order_key(kind, index)
        reference = values.pop("reference", f"PO-{key[6:]}")
        self._out.append(
            Order(
                key=key,
                kind=kind,
                customer=customer.key,
                warehouse=site,
                lines=tuple(lines),
                reference=reference,
                check=values.pop("check", check),
                state=state,
                **values,
            )
        )

    def _quantity(self) -> float:
        return float(self._rng.randint(QTY_MIN, QTY_MAX))

    def _holds(self, count):
        """Phase 1: the holds that need no history, and the orders credit control
        will reject."""
        credit = self.customer("credit")
        for i in range(count):
            self._add("hold_credit_limit", i, *self._credit_lines(credit, consume=False))
        on_hold = self.customer("on_hold")
        for i in range(count):
            self._add("hold_customer_hold", i, on_hold, *self._clean(on_hold, False)[1:])
        needs_ref = self.customer("reference")
        for i in range(count):
            _c, site, lines = self._clean(needs_ref, consume=False)
            self._add("hold_required_data", i, needs_ref, site, lines, reference=None)
        thin = [
            p
            for p in self.safe
            if p.key != self.floor_product.key and self._network(p.key) >= QTY_MAX
        ] or [p for p in self.safe if p.key != self.floor_product.key]
        for i in range(count):
            customer, product = self._regular(i), thin[i % len(thin)]
            price = round(product.cost * (1 + THIN_MARKUP), 2)
            line = demo_plan.Line(product.key, self._quantity(), price)
            self._add("hold_min_margin", i, customer, customer.home_warehouse, [line])
        for i in range(count):
            customer = self._regular(i + 1)
            line = demo_plan.Line(self.floor_product.key, self._quantity(), self.below_floor_price)
            self._add("hold_price_floor", i, customer, customer.home_warehouse, [line])
        short, short_qty = self.short_product()
        for i in range(count):
            customer = self._regular(i + 2)
            line = demo_plan.Line(short.key, short_qty, short.list_price)
            self._add("hold_stock_availability", i, customer, customer.home_warehouse, [line])
        for i in range(count):
            if i % 2 == 0:
                self._add("rejected", i, *self._credit_lines(credit, consume=False),
                          check="credit_limit", resolution="reject",
                          note=REJECT_REASONS["credit_limit"])  # fmt: skip
            else:
                self._add("rejected", i, on_hold, *self._clean(on_hold, False)[1:],
                          check="customer_hold", resolution="reject",
                          note=REJECT_REASONS["customer_hold"])  # fmt: skip

    def _clean_orders(self, count, anomaly):
        """Phases 2 and 3: shipped, released, split, partially shipped, allocated."""
        anomaly_customer, anomaly_product = anomaly
        site = anomaly_customer.home_warehouse
        for i in range(max(3, count)):
            if i < 3:
                line = demo_plan.Line(
                    anomaly_product.key, self._quantity(), anomaly_product.list_price
                )
                self._add("shipped", i, anomaly_customer, site, [line], delivery="full")
            else:
                self._add("shipped", i, *self._clean(self._regular(i)), delivery="full")
        for i in range(count):
            self._add("released", i, *self._clean(self._regular(i + 1)))
        for i in range(count):
            self._add("split", i, *self._split(i), sites=2)
        for i in range(count):
            self._add("partial", i, *self._clean(self._regular(i + 3), lines=1),
                      delivery="partial")  # fmt: skip
        for i in range(count):
            self._add("allocated", i, *self._clean(self._regular(i + 4)))

    def _late(self, count, anomaly):
        """Phase 4: the anomalies (after their history), and the holds credit control
        releases."""
        anomaly_customer, anomaly_product = anomaly
        site = anomaly_customer.home_warehouse
        line = demo_plan.Line(anomaly_product.key, ANOMALY_QTY, anomaly_product.list_price)
        for i in range(count):
            self._add("hold_quantity_anomaly", i, anomaly_customer, site, [line])
        credit = self.customer("credit")
        for i in range(count):
            if i % 2 == 0:
                self._add("credit_released", i, *self._credit_lines(credit, consume=True),
                          check="credit_limit", resolution="release",
                          note=RELEASE_NOTES["credit_limit"])  # fmt: skip
            else:
                self._add("credit_released", i, anomaly_customer, site, [line],
                          check="quantity_anomaly", resolution="release",
                          note=RELEASE_NOTES["quantity_anomaly"])  # fmt: skip

    # ------------------------------------------------------------------ choices

    @property
    def floor_price(self) -> float:
        return round(self.floor_product.list_price * FLOOR_SHARE, 2)

    @property
    def below_floor_price(self) -> float:
        return round(self.floor_price * BELOW_FLOOR_SHARE, 2)

    def short_product(self) -> tuple[demo_plan.Product, float]:
        """A product the network cannot deliver: none stocked or expected anywhere if
        the catalogue has one (with a sound margin), else the plain product the network
        has least of, ordered beyond every unit it can ever have."""
        candidates = [
            p
            for p in self.base.products()
            if margin_of(p) >= SAFE_MARGIN
            and p.key != self.floor_product.key
            and not self.stock.most.get(p.key)
        ]
        if candidates:
            return candidates[0], float(QTY_MAX)
        plain = [p for p in self.safe if p.key != self.floor_product.key]
        product = min(plain, key=lambda p: (self.stock.most.get(p.key, 0.0), p.key))
        most = self.stock.most.get(product.key, 0.0)
        return product, float(math.ceil((most + 1) / 50) * 50 + 50)

    def _network(self, product_key: str) -> float:
        return sum(qty for (_site, key), qty in self._free.items() if key == product_key)

    def _take(self, site: str, line: demo_plan.Line) -> None:
        self._free[(site, line.product)] = self._free.get((site, line.product), 0.0) - (
            line.quantity
        )

    def _lines(self, site, count, consume):
        """Up to ``count`` clean lines the site surely has (list price), or ()."""
        usable = [
            p
            for p in self.safe
            if p.key != self.floor_product.key
            and self._free.get((site, p.key), 0.0) >= QTY_MAX + (ANOMALY_QTY if consume else 0)
        ]
        if not usable:
            return ()
        chosen = sorted(self._rng.sample(usable, k=min(count, len(usable))), key=lambda p: p.key)
        lines = [demo_plan.Line(p.key, self._quantity(), p.list_price) for p in chosen]
        if consume:
            for line in lines:
                self._take(site, line)
        return lines

    def _credit_lines(self, credit, consume):
        site = credit.home_warehouse
        usable = [
            p
            for p in self.safe
            if p.key != self.floor_product.key
            and self._free.get((site, p.key), 0.0) >= QTY_MAX + ANOMALY_QTY
        ]
        if not usable:
            raise ValueError(f"{site} has too little stock for the credit customer's orders")
        chosen = sorted(usable, key=lambda p: (-p.list_price, p.key))[:3]
        lines = [
            demo_plan.Line(p.key, float(self._rng.randint(QTY_MAX - 4, QTY_MAX)), p.list_price)
            for p in sorted(chosen, key=lambda p: p.key)
        ]
        if consume:
            for line in lines:
                self._take(site, line)
        return credit, site, lines

    def _anomaly_pair(self, count):
        """The regular customer and product whose history makes the anomaly: the home
        site must hold the history and every anomaly released by credit control."""
        need = 3 * QTY_MAX + ANOMALY_QTY * math.ceil(count / 2) + QTY_MAX
        for site in (w.code for w in demo_plan.WAREHOUSES):
            for product in self.safe:
                if product.key == self.floor_product.key:
                    continue
                if self._free.get((site, product.key), 0.0) >= need:
                    # kept for the history and the anomalies credit control releases
                    self._free[(site, product.key)] -= need
                    return self.customer("regular", site), product
        raise ValueError("no site holds enough of a plain product for the anomaly demo")

    def _split(self, index):
        """An order two sites ship: one line the home site has, one product the home
        site has never had nor expects (the nearest site holding it ships that line)."""
        sites = [w.code for w in demo_plan.WAREHOUSES]
        for offset in range(len(sites)):
            site = sites[(index + offset) % len(sites)]
            here = [
                p
                for p in self.safe
                if p.key != self.floor_product.key
                and self._free.get((site, p.key), 0.0) >= QTY_MAX + ANOMALY_QTY
            ]
            elsewhere = [
                p
                for p in self.safe
                if p.key != self.floor_product.key
                and (site, p.key) not in self.stock.carried
                and any(
                    self._free.get((other, p.key), 0.0) >= QTY_MAX + ANOMALY_QTY
                    for other in sites
                    if other != site
                )
            ]
            if here and elsewhere:
                first = here[index % len(here)]
                second = elsewhere[index % len(elsewhere)]
                lines = [
                    demo_plan.Line(p.key, self._quantity(), p.list_price) for p in (first, second)
                ]
                self._take(site, lines[0])
                other = max(
                    (s for s in sites if s != site),
                    key=lambda s: (self._free.get((s, second.key), 0.0), s),
                )
                self._take(other, lines[1])
                return self.customer("regular", site), site, lines
        raise ValueError("no site lacks a product another site holds: no split to show")
