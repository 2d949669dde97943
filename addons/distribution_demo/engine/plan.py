"""Deterministic plan of the demo distribution network (pure Python, no Odoo).

Every generated item takes its values from its own random generator, seeded by
``(seed, kind, index)``, so a plan is the same on every run.  Products, partners
and opening stock do not depend on the scale: the catalogue at scale 1 is a
prefix of the catalogue at scale 10.  Orders draw their lines from the catalogue
of their scale.  Each item carries a stable ``key`` (product default code,
partner reference, order reference) by which the loader recognises what is
already in the database: re-running never duplicates, and loading a larger scale
on top of a smaller one adds only the items whose keys are missing.

Dates are offsets in days before an *anchor* (the day of generation) so that the
history always ends "now"; the loader turns them into datetimes.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

SEED = 20261121

# Base sizes at scale 1 (the "believable multi-site distributor").
PRODUCTS = 300
CUSTOMERS = 60
VENDORS = 15
SALE_ORDERS = 2000
PURCHASE_ORDERS = 400
HISTORY_DAYS = 180


@dataclass(frozen=True)
class Zone:
    key: str  # location name under the warehouse's stock location
    name: str
    min_c: float
    max_c: float


@dataclass(frozen=True)
class Warehouse:
    code: str
    name: str
    city: str
    country_code: str
    latitude: float
    longitude: float
    cold_zones: tuple[Zone, ...] = ()

    @property
    def is_cold_site(self) -> bool:
        return bool(self.cold_zones)


CHILLED = Zone("CHILL", "Chilled 2–8 °C", 2.0, 8.0)
FROZEN = Zone("FREEZE", "Freezer −25…−15 °C", -25.0, -15.0)

WAREHOUSES = (
    Warehouse("RTM", "Rotterdam Hub", "Rotterdam", "NL", 51.9244, 4.4777, (CHILLED, FROZEN)),
    Warehouse("LYS", "Lyon Distribution Center", "Lyon", "FR", 45.7640, 4.8357, (CHILLED, FROZEN)),
    Warehouse("MUC", "Munich Warehouse", "Munich", "DE", 48.1351, 11.5820),
    Warehouse("MAD", "Madrid Warehouse", "Madrid", "ES", 40.4168, -3.7038),
    Warehouse("WAW", "Warsaw Warehouse", "Warsaw", "PL", 52.2297, 21.0122),
)


@dataclass(frozen=True)
class City:
    name: str
    country_code: str
    latitude: float
    longitude: float


#: Where the customers are: real European cities (none is a site's city), interleaved
#: so that any prefix of the list mixes countries.  Coordinates: city centres, WGS 84.
CUSTOMER_CITIES = (
    City("Paris", "FR", 48.8566, 2.3522),
    City("Berlin", "DE", 52.5200, 13.4050),
    City("Amsterdam", "NL", 52.3676, 4.9041),
    City("Barcelona", "ES", 41.3874, 2.1686),
    City("Krakow", "PL", 50.0647, 19.9450),
    City("Antwerp", "BE", 51.2194, 4.4025),
    City("Vienna", "AT", 48.2082, 16.3738),
    City("Hamburg", "DE", 53.5511, 9.9937),
    City("Marseille", "FR", 43.2965, 5.3698),
    City("Utrecht", "NL", 52.0907, 5.1214),
    City("Valencia", "ES", 39.4699, -0.3763),
    City("Prague", "CZ", 50.0755, 14.4378),
    City("Zurich", "CH", 47.3769, 8.5417),
    City("Cologne", "DE", 50.9375, 6.9603),
    City("Lille", "FR", 50.6292, 3.0573),
    City("Gdansk", "PL", 54.3520, 18.6466),
    City("Brussels", "BE", 50.8503, 4.3517),
    City("Milan", "IT", 45.4642, 9.1900),
    City("Seville", "ES", 37.3891, -5.9845),
    City("Frankfurt", "DE", 50.1109, 8.6821),
    City("Toulouse", "FR", 43.6047, 1.4442),
    City("The Hague", "NL", 52.0705, 4.3007),
    City("Porto", "PT", 41.1579, -8.6291),
    City("Poznan", "PL", 52.4064, 16.9252),
    City("Salzburg", "AT", 47.8095, 13.0550),
    City("Stuttgart", "DE", 48.7758, 9.1829),
    City("Bordeaux", "FR", 44.8378, -0.5792),
    City("Eindhoven", "NL", 51.4416, 5.4697),
    City("Zaragoza", "ES", 41.6488, -0.8891),
    City("Luxembourg", "LU", 49.6116, 6.1319),
    City("Geneva", "CH", 46.2044, 6.1432),
    City("Nuremberg", "DE", 49.4521, 11.0767),
    City("Nantes", "FR", 47.2184, -1.5536),
    City("Wroclaw", "PL", 51.1079, 17.0385),
    City("Ghent", "BE", 51.0543, 3.7174),
    City("Brno", "CZ", 49.1951, 16.6068),
    City("Leipzig", "DE", 51.3397, 12.3731),
    City("Strasbourg", "FR", 48.5734, 7.7521),
    City("Bilbao", "ES", 43.2630, -2.9350),
    City("Groningen", "NL", 53.2194, 6.5665),
    City("Innsbruck", "AT", 47.2692, 11.4041),
    City("Turin", "IT", 45.0703, 7.6869),
    City("Dresden", "DE", 51.0504, 13.7373),
    City("Nice", "FR", 43.7102, 7.2620),
    City("Lodz", "PL", 51.7592, 19.4560),
    City("Malaga", "ES", 36.7213, -4.4214),
    City("Liege", "BE", 50.6326, 5.5797),
    City("Hanover", "DE", 52.3759, 9.7320),
    City("Grenoble", "FR", 45.1885, 5.7245),
    City("Nijmegen", "NL", 51.8126, 5.8372),
    City("Basel", "CH", 47.5596, 7.5886),
    City("Lisbon", "PT", 38.7223, -9.1393),
    City("Dusseldorf", "DE", 51.2277, 6.7735),
    City("Dijon", "FR", 47.3220, 5.0415),
    City("Lublin", "PL", 51.2465, 22.5684),
    City("Valladolid", "ES", 41.6523, -4.7245),
    City("Graz", "AT", 47.0707, 15.4395),
    City("Maastricht", "NL", 50.8514, 5.6910),
    City("Augsburg", "DE", 48.3705, 10.8978),
    City("Montpellier", "FR", 43.6108, 3.8767),
    City("Freiburg", "DE", 47.9990, 7.8421),
    City("Rennes", "FR", 48.1173, -1.6778),
    City("Zwolle", "NL", 52.5168, 6.0830),
    City("Clermont-Ferrand", "FR", 45.7772, 3.0870),
)


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km (the orchestration engine's formula, kept here so that
    the demo plan stays independent of other addons)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def nearest_site(latitude: float, longitude: float) -> Warehouse:
    """The site nearest to a place (ties: code)."""
    return min(
        WAREHOUSES,
        key=lambda w: (great_circle_km(latitude, longitude, w.latitude, w.longitude), w.code),
    )


# Product families: (category, share of the catalogue, lot-tracked share,
# storage zone key or None, list price range, margin range)
FAMILIES = (
    ("Pharmaceuticals / Refrigerated", 0.14, 1.0, "CHILL", (18.0, 420.0), (0.18, 0.45)),
    ("Food / Frozen", 0.08, 1.0, "FREEZE", (4.0, 60.0), (0.12, 0.30)),
    ("Food / Ambient", 0.22, 0.6, None, (1.5, 25.0), (0.10, 0.28)),
    ("Medical Supplies", 0.20, 0.3, None, (3.0, 150.0), (0.20, 0.50)),
    ("Beverages", 0.16, 0.2, None, (1.0, 18.0), (0.10, 0.25)),
    ("Household", 0.20, 0.0, None, (2.0, 45.0), (0.15, 0.40)),
)

NOUNS = {
    "Pharmaceuticals / Refrigerated": [
        "Insulin Pen",
        "Vaccine Vial",
        "Biologic Syringe",
        "Eye Drops",
        "Probiotic Capsules",
        "Antibody Kit",
    ],
    "Food / Frozen": [
        "Frozen Peas",
        "Ice Cream Tub",
        "Fish Fillets",
        "Pizza Base",
        "Berry Mix",
        "Puff Pastry",
    ],
    "Food / Ambient": [
        "Olive Oil",
        "Basmati Rice",
        "Pasta Fusilli",
        "Canned Tomatoes",
        "Oat Flakes",
        "Coffee Beans",
    ],
    "Medical Supplies": [
        "Nitrile Gloves",
        "Gauze Pads",
        "Face Masks",
        "Syringe 5 ml",
        "Bandage Roll",
        "Thermometer",
    ],
    "Beverages": [
        "Sparkling Water",
        "Orange Juice",
        "Green Tea",
        "Cola",
        "Lemonade",
        "Energy Drink",
    ],
    "Household": [
        "Dish Soap",
        "Paper Towels",
        "Laundry Pods",
        "Trash Bags",
        "Glass Cleaner",
        "Sponges",
    ],
}
PACKS = ["6-pack", "12-pack", "case of 24", "single", "box of 50", "carton"]

CUSTOMER_STEMS = [
    "Pharmacy",
    "Clinic",
    "Hospital",
    "Grocers",
    "Market",
    "Foods",
    "Care",
    "Retail",
    "Wholesale",
    "Health",
]
CUSTOMER_NAMES = [
    "Alder",
    "Birch",
    "Cedar",
    "Dune",
    "Elm",
    "Fjord",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
    "Kestrel",
    "Linden",
    "Maple",
    "Nordic",
    "Oak",
    "Pine",
    "Quarry",
    "River",
    "Sage",
    "Tidal",
]
VENDOR_NAMES = [
    "Apex Pharma Supply",
    "BlueCold Foods",
    "Centra Medical",
    "Delta Beverages",
    "EcoHome Products",
    "Frostline Logistics Foods",
    "Global Generics",
    "Helix Biologics",
    "Ibera Agro",
    "Jura Springs",
    "Kappa Hygiene",
    "Lumen Diagnostics",
    "Mistral Drinks",
    "Nova Paper",
    "Orion Nutrition",
]
TIERS = ("gold", "silver", "bronze")


@dataclass(frozen=True)
class Product:
    key: str  # default_code
    name: str
    category: str
    tracking: str  # "lot" or "none"
    zone: str | None  # cold zone key the product must be stored in
    list_price: float
    cost: float
    barcode: str
    weight: float


@dataclass(frozen=True)
class Partner:
    key: str  # ref
    name: str
    city: str
    country_code: str
    home_warehouse: str  # warehouse code
    latitude: float = 0.0
    longitude: float = 0.0
    tier: str = "silver"
    credit_limit: float = 0.0
    requires_reference: bool = False
    is_vendor: bool = False


@dataclass(frozen=True)
class Line:
    product: str  # product key
    quantity: float
    price_unit: float


@dataclass(frozen=True)
class SaleOrder:
    key: str  # client_order_ref
    customer: str
    warehouse: str
    ordered_days_ago: float
    lead_days: float  # promised delivery = ordered + lead
    delay_days: float  # delivered = promised + delay (negative: early)
    state: str  # "quotation", "cancelled", "open" (confirmed, not shipped), "done"
    lines: tuple[Line, ...] = field(default_factory=tuple)
    short_lines: int = 0  # lines the site did not carry when the order came in
    short_days: float = 0.0  # days after the order the transfer for them arrived


@dataclass(frozen=True)
class PurchaseOrder:
    key: str  # partner_ref
    vendor: str
    warehouse: str
    ordered_days_ago: float
    lead_days: float
    delay_days: float
    state: str  # "open" or "done"
    lines: tuple[Line, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class StockLevel:
    warehouse: str
    product: str
    quantity: float
    lot: str | None


def _rng(seed: int, kind: str, index: int) -> random.Random:
    return random.Random(f"{seed}:{kind}:{index}")


def ean13(number: int) -> str:
    """A valid EAN-13 in the 200-299 "in-store" range (never a real trade item)."""
    body = f"2{number:011d}"[:12]
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def scaled(base: int, scale: float) -> int:
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    return max(1, round(base * scale))


def family_of(index: int) -> tuple:
    """Families are interleaved so that any prefix of the catalogue mixes them."""
    position = (index * 0.6180339887) % 1.0  # low-discrepancy: shares hold at any size
    cumulative = 0.0
    for family in FAMILIES:
        cumulative += family[1]
        if position < cumulative:
            return family
    return FAMILIES[-1]


def product(index: int, seed: int = SEED) -> Product:
    rng = _rng(seed, "product", index)
    category, _share, lot_share, zone, (low, high), (mlow, mhigh) = family_of(index)
    price = round(rng.uniform(low, high), 2)
    margin = rng.uniform(mlow, mhigh)
    noun = rng.choice(NOUNS[category])
    return Product(
        key=f"DN-{index + 1:05d}",
        name=f"{noun} {rng.choice(PACKS)} #{index + 1}",
        category=category,
        tracking="lot" if rng.random() < lot_share else "none",
        zone=zone,
        list_price=price,
        cost=round(price * (1 - margin), 2),
        barcode=ean13(index + 1),
        weight=round(rng.uniform(0.1, 12.0), 2),
    )


def customer_place(index: int) -> tuple[City, float, float]:
    """A customer's city and coordinates: one city each for the first customers; beyond
    the list (scales above 1) the cities come round again, each time 1.5 km further
    north-east, so that no two customers share a place."""
    city = CUSTOMER_CITIES[index % len(CUSTOMER_CITIES)]
    offset = 0.01 * (index // len(CUSTOMER_CITIES))
    return city, round(city.latitude + offset, 6), round(city.longitude + offset, 6)


def customer(index: int, seed: int = SEED) -> Partner:
    rng = _rng(seed, "customer", index)
    city, latitude, longitude = customer_place(index)
    warehouse = nearest_site(latitude, longitude)
    tier = rng.choices(TIERS, weights=(15, 50, 35))[0]
    limit = {"gold": 250000.0, "silver": 90000.0, "bronze": 30000.0}[tier]
    name = f"{CUSTOMER_NAMES[index % len(CUSTOMER_NAMES)]} {rng.choice(CUSTOMER_STEMS)}"
    return Partner(
        key=f"DN-C{index + 1:04d}",
        name=f"{name} {city.name}",
        city=city.name,
        country_code=city.country_code,
        home_warehouse=warehouse.code,
        latitude=latitude,
        longitude=longitude,
        tier=tier,
        credit_limit=limit if rng.random() < 0.8 else 0.0,
        requires_reference=rng.random() < 0.25,
    )


def vendor(index: int, seed: int = SEED) -> Partner:
    rng = _rng(seed, "vendor", index)
    warehouse = rng.choice(WAREHOUSES)
    base = VENDOR_NAMES[index % len(VENDOR_NAMES)]
    suffix = "" if index < len(VENDOR_NAMES) else f" {index // len(VENDOR_NAMES) + 1}"
    return Partner(
        key=f"DN-V{index + 1:04d}",
        name=base + suffix,
        city=warehouse.city,
        country_code=warehouse.country_code,
        home_warehouse=warehouse.code,
        latitude=warehouse.latitude,
        longitude=warehouse.longitude,
        is_vendor=True,
    )


def vendor_of_product(product_index: int, vendors: int) -> int:
    return product_index % vendors


def _order_lines(
    rng: random.Random, products: int, count: int, qty: tuple[int, int], price_of
) -> tuple[Line, ...]:
    chosen = rng.sample(range(products), k=min(count, products))
    return tuple(
        Line(product=f"DN-{i + 1:05d}", quantity=float(rng.randint(*qty)), price_unit=price_of(i))
        for i in sorted(chosen)
    )


def product_index(key: str) -> int:
    return int(key.split("-")[1]) - 1


def cold_site_if_needed(warehouse: str, lines: tuple[Line, ...], seed: int) -> str:
    """Orders with temperature-controlled products go through a cold site."""
    site = next(w for w in WAREHOUSES if w.code == warehouse)
    if site.is_cold_site or not any(
        product(product_index(line.product), seed).zone for line in lines
    ):
        return warehouse
    cold_sites = [w for w in WAREHOUSES if w.is_cold_site]
    nearest = min(
        cold_sites,
        key=lambda w: (
            great_circle_km(site.latitude, site.longitude, w.latitude, w.longitude),
            w.code,
        ),
    )
    return nearest.code


def sale_order(index: int, sizes: Sizes, seed: int = SEED) -> SaleOrder:
    """One order as it came in.  Its delay and open/done state are provisional:
    :meth:`Plan.sale_orders` ships the orders through :func:`fulfil`."""
    rng = _rng(seed, "sale", index)
    cust_index = int(rng.paretovariate(1.2)) % sizes.customers  # a few big customers
    cust = customer(cust_index, seed)
    ordered = rng.uniform(0, HISTORY_DAYS)
    lead = rng.choice((1, 2, 2, 3, 3, 5, 7))
    late = rng.random() < 0.12
    delay = rng.uniform(0.5, 5.0) if late else -rng.uniform(0, min(lead, 1.0))
    roll = rng.random()
    if roll < 0.04:
        state = "cancelled"
    elif ordered < 2 and roll < 0.5:
        state = "quotation"
    elif ordered + delay < lead + 1:  # promised delivery not yet reached
        state = "open"
    else:
        state = "done"
    lines = _order_lines(
        rng,
        sizes.products,
        rng.randint(1, 5),
        (1, 40),
        lambda i: product(i, seed).list_price,
    )
    warehouse = cust.home_warehouse if rng.random() < 0.85 else rng.choice(WAREHOUSES).code
    return SaleOrder(
        key=f"DN-SO-{index + 1:06d}",
        customer=cust.key,
        warehouse=cold_site_if_needed(warehouse, lines, seed),
        ordered_days_ago=round(ordered, 4),
        lead_days=float(lead),
        delay_days=round(delay, 4),
        state=state,
        lines=lines,
    )


# How the sites worked the history (fulfil): spare capacity over the site's
# average intake, days when a site works at a fraction of it (staff, systems,
# a truck that did not come), and the wait for a line the site does not carry.
SPARE_CAPACITY = (1.2, 1.45)
RELEASE_DAYS = 2.0  # an order reaches the floor this long before it is promised
MIN_LINES_PER_DAY = 6.0  # the smallest site's crew
DISRUPTION_RATE = 0.07
DISRUPTION_CAPACITY = (0.1, 0.45)
TRANSFER_WAIT_DAYS = (0.3, 0.6)  # lognormal (mu, sigma) of days, ~1.4 days median
FUTURE_DAYS = 30  # open orders are shipped in the simulation too (their outcome)


def fulfil(orders: list[SaleOrder], products: int, seed: int = SEED) -> list[SaleOrder]:
    """Ship the confirmed orders as their sites could, so that lateness has causes.

    An order is released to its site's floor two days before it is promised (at
    once if it is promised sooner).  Each site works its released orders first
    in, first out, at a daily capacity in lines (its average intake times a
    seeded spare share), some days disrupted; an order leaves once its lines are
    worked and, for a line of a product the site does not carry, once the
    transfer asked for when the order came in has arrived.  So an order is late
    when its site was behind or a line was short, as in a real network: that is
    what the at-risk score learns from, and what its backtest replays.
    Quotations and cancelled orders are kept as they are.  The shipment of an
    order still open today is simulated too: its ``delay_days`` is the outcome
    the future holds (the backtest's truth; the loader ships only what is done).
    """
    carried = {
        (w.code, i): stock_level(i, w, seed) is not None
        for w in WAREHOUSES
        for i in range(products)
    }
    shipped: dict[str, tuple[float, int, float]] = {}  # key -> (left, short lines, wait)
    horizon = HISTORY_DAYS + FUTURE_DAYS
    for site in WAREHOUSES:
        released = []  # (day released to the floor, order)
        for order in orders:
            if order.warehouse == site.code and order.state in ("open", "done"):
                arrived = HISTORY_DAYS - order.ordered_days_ago
                released.append(
                    (max(arrived, arrived + order.lead_days - RELEASE_DAYS), order.key, order)
                )
        if not released:
            continue
        released.sort()
        rng = _rng(seed, f"fulfil:{site.code}", 0)
        intake = sum(len(order.lines) for _day, _key, order in released) / HISTORY_DAYS
        capacity = max(intake, MIN_LINES_PER_DAY) * rng.uniform(*SPARE_CAPACITY)
        queue: list[list] = []  # [order, lines left]
        pending = iter(released)
        upcoming = next(pending, None)
        for day in range(horizon):
            while upcoming is not None and upcoming[0] < day + 1:
                queue.append([upcoming[2], float(len(upcoming[2].lines)), upcoming[0]])
                upcoming = next(pending, None)
            work = capacity * rng.uniform(0.85, 1.15)
            if rng.random() < DISRUPTION_RATE:
                work *= rng.uniform(*DISRUPTION_CAPACITY)
            while queue and work > 1e-9:
                entry = queue[0]
                take = min(work, entry[1])
                entry[1] -= take
                work -= take
                if entry[1] > 1e-9:
                    break
                order, _left, release = queue.pop(0)
                arrived = HISTORY_DAYS - order.ordered_days_ago
                leaves = max(day + rng.uniform(0.45, 0.85), release + 0.05)
                short = sum(
                    1
                    for line in order.lines
                    if not carried[(site.code, product_index(line.product))]
                )
                wait = rng.lognormvariate(*TRANSFER_WAIT_DAYS) if short else 0.0
                leaves = max(leaves, arrived + wait)
                shipped[order.key] = (leaves, short, wait)
    out = []
    for order in orders:
        if order.key not in shipped:
            out.append(order)
            continue
        leaves, short, wait = shipped[order.key]
        promised = HISTORY_DAYS - order.ordered_days_ago + order.lead_days
        out.append(
            SaleOrder(
                key=order.key,
                customer=order.customer,
                warehouse=order.warehouse,
                ordered_days_ago=order.ordered_days_ago,
                lead_days=order.lead_days,
                delay_days=round(leaves - promised, 4),
                state="done" if leaves <= HISTORY_DAYS else "open",
                lines=order.lines,
                short_lines=short,
                short_days=round(wait, 4),
            )
        )
    return out


def purchase_order(index: int, sizes: Sizes, seed: int = SEED) -> PurchaseOrder:
    rng = _rng(seed, "purchase", index)
    vendor_index = index % sizes.vendors
    # products this vendor supplies
    supplied = [
        i for i in range(sizes.products) if vendor_of_product(i, sizes.vendors) == vendor_index
    ]
    ordered = rng.uniform(0, HISTORY_DAYS)
    lead = float(rng.choice((3, 5, 7, 10, 14)))
    late = rng.random() < 0.15
    delay = rng.uniform(1, 6) if late else 0.0
    count = min(len(supplied), rng.randint(1, 6))
    chosen = sorted(rng.sample(supplied, k=count)) if supplied else []
    lines = tuple(
        Line(
            product=f"DN-{i + 1:05d}",
            quantity=float(rng.choice((50, 100, 150, 200, 300, 500))),
            price_unit=product(i, seed).cost,
        )
        for i in chosen
    )
    warehouse = rng.choices(WAREHOUSES, weights=(30, 25, 20, 15, 10))[0].code
    return PurchaseOrder(
        key=f"DN-PO-{index + 1:05d}",
        vendor=f"DN-V{vendor_index + 1:04d}",
        warehouse=cold_site_if_needed(warehouse, lines, seed),
        ordered_days_ago=round(ordered, 4),
        lead_days=lead,
        delay_days=round(delay, 4),
        state="open" if ordered < lead + delay else "done",
        lines=lines,
    )


def stock_level(product_index: int, warehouse: Warehouse, seed: int = SEED) -> StockLevel | None:
    """Opening stock of one product at one site: uneven, some sites empty.

    Cold products are only stocked at cold sites.  Quantities are generous enough
    to cover the history's deliveries, so the history validates, while the
    spread keeps some sites short and others in excess today.
    """
    prod = product(product_index, seed)
    if prod.zone and not warehouse.is_cold_site:
        return None
    rng = _rng(seed, f"stock:{warehouse.code}", product_index)
    if rng.random() < 0.18:
        return None  # this site does not carry the product
    quantity = float(round(rng.lognormvariate(5.6, 0.8)))
    lot = (
        f"{prod.key}-{warehouse.code}-L{rng.randint(1, 99):02d}" if prod.tracking == "lot" else None
    )
    return StockLevel(warehouse.code, prod.key, quantity, lot)


@dataclass(frozen=True)
class Sizes:
    products: int
    customers: int
    vendors: int
    sale_orders: int
    purchase_orders: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        return cls(
            products=scaled(PRODUCTS, scale),
            customers=scaled(CUSTOMERS, scale),
            vendors=scaled(VENDORS, scale),
            sale_orders=scaled(SALE_ORDERS, scale),
            purchase_orders=scaled(PURCHASE_ORDERS, scale),
        )


@dataclass
class Plan:
    scale: float
    seed: int = SEED
    sizes: Sizes = field(init=False)
    _sale_orders: list[SaleOrder] | None = field(default=None, init=False, repr=False)

    def __post_init__(self):
        self.sizes = Sizes.at(self.scale)

    @property
    def warehouses(self) -> tuple[Warehouse, ...]:
        return WAREHOUSES

    def products(self) -> list[Product]:
        return [product(i, self.seed) for i in range(self.sizes.products)]

    def customers(self) -> list[Partner]:
        return [customer(i, self.seed) for i in range(self.sizes.customers)]

    def vendors(self) -> list[Partner]:
        return [vendor(i, self.seed) for i in range(self.sizes.vendors)]

    def supplier_of(self, product_key: str) -> str:
        index = product_index(product_key)
        return f"DN-V{vendor_of_product(index, self.sizes.vendors) + 1:04d}"

    def stock_levels(self) -> list[StockLevel]:
        levels = []
        for warehouse in WAREHOUSES:
            for i in range(self.sizes.products):
                level = stock_level(i, warehouse, self.seed)
                if level:
                    levels.append(level)
        return levels

    def sale_orders(self) -> list[SaleOrder]:
        """The orders, shipped as their sites could (:func:`fulfil`); computed once."""
        if self._sale_orders is None:
            intake = [sale_order(i, self.sizes, self.seed) for i in range(self.sizes.sale_orders)]
            self._sale_orders = fulfil(intake, self.sizes.products, self.seed)
        return self._sale_orders

    def purchase_orders(self) -> list[PurchaseOrder]:
        return [purchase_order(i, self.sizes, self.seed) for i in range(self.sizes.purchase_orders)]
