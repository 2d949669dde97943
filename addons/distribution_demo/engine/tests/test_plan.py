"""The demo plan is deterministic, scales by parameter and is internally consistent."""

import pytest

from distribution_demo.engine import plan as demo


def test_plan_is_deterministic():
    first, second = demo.Plan(0.1), demo.Plan(0.1)
    assert first.products() == second.products()
    assert first.sale_orders() == second.sale_orders()
    assert first.stock_levels() == second.stock_levels()


def test_sizes_at_scale_one_match_the_network_brief():
    sizes = demo.Sizes.at(1)
    assert (sizes.products, sizes.customers, sizes.vendors) == (300, 60, 15)
    assert (sizes.sale_orders, sizes.purchase_orders) == (2000, 400)
    assert demo.Sizes.at(10).sale_orders == 20000
    assert demo.Sizes.at(100).products == 30000


@pytest.mark.parametrize("scale", [0, -1])
def test_scale_must_be_positive(scale):
    with pytest.raises(ValueError, match="scale must be positive"):
        demo.Sizes.at(scale)


def test_catalogue_of_a_small_scale_is_a_prefix_of_a_larger_one():
    small, large = demo.Plan(0.5).products(), demo.Plan(2).products()
    assert large[: len(small)] == small
    assert len({p.key for p in large}) == len(large)
    assert len({p.barcode for p in large}) == len(large)


def test_five_sites_two_of_them_cold_with_chilled_and_frozen_zones():
    sites = demo.WAREHOUSES
    assert len(sites) == 5
    assert len({s.city for s in sites}) == 5
    cold = [s for s in sites if s.is_cold_site]
    assert len(cold) == 2
    for site in cold:
        ranges = sorted((z.min_c, z.max_c) for z in site.cold_zones)
        assert ranges == [(-25.0, -15.0), (2.0, 8.0)]


def test_sites_and_customers_are_at_distinct_real_places():
    sites = {(s.latitude, s.longitude) for s in demo.WAREHOUSES}
    assert len(sites) == len(demo.WAREHOUSES), "no two sites share a location"
    customers = demo.Plan(1).customers()
    places = {(c.latitude, c.longitude) for c in customers}
    assert len(places) == len(customers) == 60, "sixty customers, sixty places"
    assert not places & sites, "no customer sits on a site"
    assert len({c.city for c in customers}) == 60
    for c in customers:
        assert -90 <= c.latitude <= 90 and -180 <= c.longitude <= 180
        assert 34 < c.latitude < 56 and -10 < c.longitude < 24, f"{c.city} is in Europe"
    # beyond the list of cities (larger scales) places stay distinct
    more = demo.Plan(3).customers()
    assert len({(c.latitude, c.longitude) for c in more}) == len(more) == 180


def test_each_customer_is_homed_at_its_nearest_site():
    for c in demo.Plan(1).customers():
        distances = {
            s.code: demo.great_circle_km(c.latitude, c.longitude, s.latitude, s.longitude)
            for s in demo.WAREHOUSES
        }
        assert c.home_warehouse == min(distances, key=distances.get), c.city
    paris = demo.customer(0)
    assert (paris.city, paris.home_warehouse) == ("Paris", "RTM")  # 373 km, Lyon 392 km


def test_catalogue_mix():
    products = demo.Plan(1).products()
    lot_share = sum(p.tracking == "lot" for p in products) / len(products)
    cold_share = sum(p.zone is not None for p in products) / len(products)
    assert 0.3 < lot_share < 0.6
    assert 0.15 < cold_share < 0.3
    assert all(0 < p.cost < p.list_price for p in products)


@pytest.mark.parametrize("number", [1, 42, 299, 123456])
def test_barcodes_are_valid_ean13(number):
    code = demo.ean13(number)
    digits = [int(d) for d in code]
    assert len(code) == 13
    assert (
        sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12])) % 10
        == (10 - digits[12]) % 10
    )


def test_cold_products_are_only_stocked_at_cold_sites():
    plan = demo.Plan(1)
    cold_sites = {s.code for s in demo.WAREHOUSES if s.is_cold_site}
    zone_of = {p.key: p.zone for p in plan.products()}
    levels = plan.stock_levels()
    assert levels, "opening stock exists"
    assert all(lv.warehouse in cold_sites for lv in levels if zone_of[lv.product])
    # uneven: sites hold quite different amounts, and no site carries everything
    totals = {
        s.code: sum(lv.quantity for lv in levels if lv.warehouse == s.code) for s in demo.WAREHOUSES
    }
    assert max(totals.values()) > 1.2 * min(totals.values())
    carried = {
        s.code: {lv.product for lv in levels if lv.warehouse == s.code} for s in demo.WAREHOUSES
    }
    assert all(len(products) < len(plan.products()) for products in carried.values())


def test_orders_with_cold_products_go_through_a_cold_site():
    plan = demo.Plan(1)
    cold_sites = {s.code for s in demo.WAREHOUSES if s.is_cold_site}
    zone_of = {p.key: p.zone for p in plan.products()}
    for order in [*plan.sale_orders(), *plan.purchase_orders()]:
        if any(zone_of[line.product] for line in order.lines):
            assert order.warehouse in cold_sites, order.key


def test_history_spans_six_months_with_some_late_deliveries():
    orders = demo.Plan(1).sale_orders()
    ages = [o.ordered_days_ago for o in orders]
    assert 0 <= min(ages) < 1 and 179 < max(ages) <= demo.HISTORY_DAYS
    done = [o for o in orders if o.state == "done"]
    late = [o for o in done if o.delay_days > 0]
    assert 0.05 < len(late) / len(done) < 0.2
    states = {o.state for o in orders}
    assert {"done", "open", "cancelled"} <= states
    assert all(1 <= len(o.lines) <= 5 for o in orders)
    assert all(len({line.product for line in o.lines}) == len(o.lines) for o in orders)


def test_purchase_orders_buy_from_the_products_vendor():
    plan = demo.Plan(1)
    for order in plan.purchase_orders():
        assert all(plan.supplier_of(line.product) == order.vendor for line in order.lines)


def test_lateness_has_causes_the_risk_score_can_learn():
    """Sites ship as they can (fulfil): late orders come from short lines and busy
    days, not from a coin toss, and the plan stays the same on every run."""
    orders = demo.Plan(1).sale_orders()
    assert orders == demo.Plan(1).sale_orders()
    done = [o for o in orders if o.state == "done"]
    short = [o for o in done if o.short_lines]
    stocked = [o for o in done if not o.short_lines]
    assert short and stocked
    assert all(o.short_days > 0 for o in short) and not any(o.short_days for o in stocked)

    def late_share(group):
        return sum(1 for o in group if o.delay_days > 0) / len(group)

    assert late_share(short) > 1.5 * late_share(stocked)
    # next-day promises are missed more often than week-out ones
    soon = [o for o in done if o.lead_days <= 1]
    later = [o for o in done if o.lead_days >= 5]
    assert late_share(soon) > late_share(later)
    # a line is short exactly when its site does not carry the product
    plan = demo.Plan(1)
    for order in short[:50]:
        site = next(w for w in demo.WAREHOUSES if w.code == order.warehouse)
        missing = [
            line
            for line in order.lines
            if demo.stock_level(demo.product_index(line.product), site) is None
        ]
        assert len(missing) == order.short_lines, order.key
    assert plan.sale_orders()[0].key == "DN-SO-000001"
