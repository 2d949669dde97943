#!/usr/bin/env python3
"""Benchmark: the governed pipeline against Odoo's plain confirmation.

    python3 bench/bench_release.py [--orders 1000] [--warehouses 20] [--batch 1]
                                   [--policy nearest_first]

In a scratch database (``bench_release``, created with our addons on first use,
re-created with ``--fresh``) with ``--warehouses`` sites holding stock (``--coverage``:
share of site/product pairs stocked, 1.0 by default), it creates
the same N orders of 5 lines twice and times, per batch of ``--batch`` orders
(alternating batch by batch, so both see the same machine load):

* plain: ``action_confirm`` with the pipeline bypassed (Odoo's own flow: procurement,
  one picking);
* ours: ``action_confirm`` through the pipeline: checks, allocation across the
  sites (engine), release through Odoo's procurement (one picking per site).

Creation of the orders is not timed.  It also counts the SQL queries of the
allocation step for one order against 5 and against all sites, to show that it
does not grow with the number of warehouses.

Last line: ``release_orders_per_s=<ours> confirm_orders_per_s=<plain> overhead=<ours/plain>``
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import stack  # noqa: E402

DB = "bench_release"
PRODUCTS = 200
LINES = 5


def prepare_database(fresh: bool) -> Path:
    values = stack.settings(DB, http_port=stack.free_port())
    config = stack.render_config(stack.LOCAL / f"odoo-{DB}.conf", values)
    if fresh and stack.database_exists(DB):
        stack.drop_database(DB)
    missing = (
        stack.missing_addons(DB, stack.PRODUCT_ADDONS)
        if stack.database_exists(DB)
        else list(stack.PRODUCT_ADDONS)
    )
    if missing:
        print(f"installing {', '.join(missing)} into {DB} (once)", file=sys.stderr, flush=True)
        subprocess.run(
            stack.odoo_command(
                config, "-d", DB, "-i", ",".join(missing), "--stop-after-init", "--log-level=warn"
            ),
            check=True,
        )
    return config


def build_network(env, warehouses: int, coverage: float = 1.0):
    """Sites on a grid of coordinates; each holds stock of a product with probability
    ``coverage`` (1.0: every site stocks everything, so the pipeline and the plain flow
    create the same pickings and the difference is the governance itself)."""
    rng = random.Random(7)
    Warehouse = env["stock.warehouse"]
    existing = Warehouse.search([("code", "=like", "B%")])
    sites = list(existing)
    for index in range(len(sites), warehouses):
        sites.append(Warehouse.create({"name": f"Bench Site {index:02d}", "code": f"B{index:02d}"}))
    for index, site in enumerate(sites):
        # each site's own location (its address record is the company's, shared)
        site.write(
            {
                "distribution_latitude": 45 + (index % 5) * 2.0,
                "distribution_longitude": 0 + (index // 5) * 3.0,
            }
        )
    products = env["product.product"].search([("default_code", "=like", "BENCH-%")])
    if len(products) < PRODUCTS:
        products |= env["product.product"].create(
            [
                {
                    "name": f"Bench Product {i}",
                    "default_code": f"BENCH-{i:04d}",
                    "type": "consu",
                    "is_storable": True,
                    "list_price": 20.0 + i % 50,
                    "standard_price": round((20.0 + i % 50) * 0.6, 2),
                }
                for i in range(len(products), PRODUCTS)
            ]
        )
    customers = env["res.partner"].search([("ref", "=like", "BENCH-C%")])
    if not customers:
        customers = env["res.partner"].create(
            [
                {
                    "name": f"Bench Customer {i}",
                    "ref": f"BENCH-C{i:03d}",
                    "street": f"{i} Bench Street",
                    "city": "Bench",
                    "partner_latitude": 45 + rng.uniform(0, 8),
                    "partner_longitude": rng.uniform(0, 12),
                }
                for i in range(50)
            ]
        )
    for product in products:  # margins well above the default 10 % minimum
        product.standard_price = round(product.list_price * 0.6, 2)
    # routine orders: every check passes, so the pipeline goes all the way to release
    payment_term = env.ref("account.account_payment_term_30days", raise_if_not_found=False)
    customers.write({"property_payment_term_id": payment_term.id if payment_term else False})
    Quant = env["stock.quant"]
    for site in sites[:warehouses]:
        for product in products:
            if rng.random() < coverage:
                Quant._update_available_quantity(product, site.lot_stock_id, 10_000)
    env.cr.commit()
    return sites[:warehouses], products, customers


def make_orders(env, count, products, customers, home, seed):
    rng = random.Random(seed)
    vals = []
    for _ in range(count):
        chosen = rng.sample(list(products), LINES)
        vals.append(
            {
                "partner_id": rng.choice(customers).id,
                "warehouse_id": home.id,
                "order_line": [
                    (0, 0, {"product_id": p.id, "product_uom_qty": rng.randint(5, 10)})
                    for p in chosen
                ],
            }
        )
    orders = env["sale.order"].create(vals)
    env.cr.commit()
    return orders


def timed_confirm(env, plain_orders, our_orders, batch):
    """Confirm batch after batch, alternating plain and ours, so that both see the
    same machine load; returns (plain seconds, our seconds)."""
    elapsed = {True: 0.0, False: 0.0}
    company = plain_orders.company_id
    for start in range(0, len(plain_orders), batch):
        for plain, orders in ((True, plain_orders), (False, our_orders)):
            chunk = orders[start : start + batch]
            # plain Odoo: the same company with the pipeline off (no key skips it)
            company.distribution_pipeline_enabled = not plain
            env.flush_all()
            t0 = time.perf_counter()
            chunk.action_confirm()
            env.flush_all()
            elapsed[plain] += time.perf_counter() - t0
            env.cr.commit()
            env.invalidate_all()
    return elapsed[True], elapsed[False]


def allocation_queries(env, sites, products, customers, count_sites):
    """SQL queries of the allocation step for one order, with ``count_sites`` sites."""
    from odoo import sql_db
    from odoo.addons.distribution_orchestration.models.governance import governed

    order = make_orders(env, 1, products, customers, sites[0], seed=99)
    governed(order).write({"distribution_stage": "checking"})
    env.flush_all()
    env.invalidate_all()
    warehouses = env["stock.warehouse"].browse([s.id for s in sites[:count_sites]])
    before = sql_db.sql_counter
    governed(order)._distribution_allocate(warehouses=warehouses)
    env.flush_all()
    queries = sql_db.sql_counter - before
    env.cr.rollback()
    env.invalidate_all()
    return queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--warehouses", type=int, default=20)
    parser.add_argument("--batch", type=int, default=1, help="orders per action_confirm call")
    parser.add_argument(
        "--coverage",
        type=float,
        default=1.0,
        help="share of (site, product) pairs holding stock; below 1 orders split across sites",
    )
    parser.add_argument("--fresh", action="store_true", help="re-create the scratch database")
    parser.add_argument(
        "--policy",
        default="nearest_first",
        help="allocation policy of the company (default: nearest_first)",
    )
    args = parser.parse_args()

    config = prepare_database(args.fresh)
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config as odoo_config

    odoo_config.parse_config(["-c", str(config), "-d", DB, "--log-level=warn"], setup_logging=True)
    registry = Registry(DB)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.api.SUPERUSER_ID, {})
        company = env.company
        company.write(
            {
                "distribution_pipeline_enabled": True,
                "distribution_release_mode": "immediate",
                "distribution_allocation_policy": args.policy,
            }
        )
        env["distribution.check"]._create_defaults(company)
        sites, products, customers = build_network(env, args.warehouses, args.coverage)
        plain_orders = make_orders(env, args.orders, products, customers, sites[0], seed=1)
        our_orders = make_orders(env, args.orders, products, customers, sites[0], seed=1)

        plain_s, ours_s = timed_confirm(env, plain_orders, our_orders, args.batch)
        released = env["sale.order"].search_count(
            [("id", "in", our_orders.ids), ("distribution_stage", "=", "released")]
        )
        if released != args.orders:
            holds = env["distribution.hold"].read_group(
                [("order_id", "in", our_orders.ids)], ["check_code"], ["check_code"]
            )
            print(f"NOT ALL RELEASED: {released}/{args.orders}; holds: {holds}", flush=True)
        print(
            f"orders={args.orders} warehouses={len(sites)} batch={args.batch} "
            f"coverage={args.coverage} policy={args.policy} "
            f"released={released}/{args.orders} plain_s={plain_s:.2f} ours_s={ours_s:.2f}",
            flush=True,
        )
        q_few = allocation_queries(env, sites, products, customers, 5)
        q_all = allocation_queries(env, sites, products, customers, len(sites))
    print(
        f"allocation_queries_per_order_5_sites={q_few} "
        f"allocation_queries_per_order_{len(sites)}_sites={q_all}"
    )
    print(
        f"release_orders_per_s={args.orders / ours_s:.1f} "
        f"confirm_orders_per_s={args.orders / plain_s:.1f} overhead={ours_s / plain_s:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
