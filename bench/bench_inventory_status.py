"""Opening the multi-site inventory status: 20 warehouses x 10,000 products.

    python3 bench/bench_inventory_status.py [--db bench_inventory_status] [--warehouses 20]
        [--products 10000] [--repeat 5] [--reload]

Creates (once) a scratch database with ``distribution_orchestration`` installed, then
loads (once, reused by later runs) a network of ``--warehouses`` sites and
``--products`` storable products: products, categories and warehouses through the ORM
in batches, and the bulk figures with set-based SQL inserts:

* quants: 80 % of the product x warehouse pairs, 0-500 on hand, a share reserved;
* reordering rules: 50 % of the pairs (the safety stock);
* open moves: 10 % of the pairs receive a supply within 0-30 days, 10 % ship within
  0-30 days;
* done deliveries to customers: 60 % of the pairs, 2 in the last 30 days and 2 older
  (history the demand window must skip).

The views are re-created from the current code before timing, and the time of one
concurrent refresh of the snapshot (what the scheduled action does) is logged.
Timed, as the web client does when the list opens (as the admin user, so record rules
apply, not as superuser): ``web_search_read`` of the first page (80 rows, default
order, the list's fields, the count up to 10,001), plus the totals
``formatted_read_group`` over the same domain (the web client computes an ungrouped
list's sums from the loaded page; counted anyway, as grouped lists need it).
The median of ``--repeat`` runs (after one warm-up) is printed as the last line:

    inventory_status_first_page_s=<t> rows=<n>
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import stack  # noqa: E402  (scripts/stack.py: configuration and database helpers)

ADDON = "distribution_orchestration"
WAREHOUSE_PREFIX = "B"  # bench warehouse codes: B01, B02, ...
LIST_FIELDS = (
    "product_id",
    "categ_id",
    "warehouse_id",
    "company_id",
    "on_hand",
    "reserved",
    "available",
    "incoming",
    "outgoing",
    "projected",
    "safety_stock",
    "demand_per_day",
    "days_of_cover",
    "uom_id",
    "status",
)
SUM_FIELDS = (
    "on_hand",
    "reserved",
    "available",
    "incoming",
    "outgoing",
    "projected",
    "safety_stock",
    "demand_per_day",
)


def ensure_database(db: str) -> Path:
    """A database with our addon installed (created the first time); its config file."""
    config = stack.render_config(stack.LOCAL / f"odoo-bench-{db}.conf", stack.settings(db))
    if not stack.database_exists(db) or stack.missing_addons(db, (ADDON,)):
        stack.log(f"installing {ADDON} into scratch database {db!r} (a few minutes, once)")
        subprocess.run(
            stack.odoo_command(config, "-d", db, "-i", ADDON, "--stop-after-init"),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return config


def load_fixture(env, n_warehouses: int, n_products: int) -> None:
    """Warehouses, products and bulk stock figures (skipped when already loaded)."""
    cr = env.cr
    company = env.ref("base.main_company")
    codes = [f"{WAREHOUSE_PREFIX}{i:02d}" for i in range(1, n_warehouses + 1)]
    Warehouse = env["stock.warehouse"].with_company(company)
    existing = Warehouse.search([("code", "in", codes)])
    todo = [code for code in codes if code not in existing.mapped("code")]
    if todo:
        stack.log(f"creating {len(todo)} warehouses")
        Warehouse.create([{"name": f"Bench site {code}", "code": code} for code in todo])
    warehouses = Warehouse.search([("code", "in", codes)])
    products = env["product.product"].search([("default_code", "=like", "BENCH-%")])
    if len(products) < n_products:
        stack.log(f"creating {n_products - len(products)} products")
        categories = env["product.category"].create(
            [{"name": f"Bench category {i:02d}"} for i in range(20)]
        )
        start = len(products)
        for chunk in range(start, n_products, 2000):
            env["product.product"].create(
                [
                    {
                        "name": f"Bench product {i:05d}",
                        "default_code": f"BENCH-{i:05d}",
                        "type": "consu",
                        "is_storable": True,
                        "categ_id": categories[i % len(categories)].id,
                    }
                    for i in range(chunk, min(chunk + 2000, n_products))
                ]
            )
            env.flush_all()
        products = env["product.product"].search([("default_code", "=like", "BENCH-%")])
    cr.commit()  # keep the slow ORM part if the bulk load below fails
    cr.execute(
        "SELECT count(*) FROM stock_quant WHERE location_id = ANY(%s)",
        (warehouses.lot_stock_id.ids,),
    )
    if cr.fetchone()[0]:
        stack.log("bulk figures already loaded")
        return
    stack.log("loading quants, reordering rules and moves with SQL")
    supplier = env.ref("stock.stock_location_suppliers").id
    customer = env.ref("stock.stock_location_customers").id
    uid = env.uid
    cr.execute(
        """
        CREATE TEMP TABLE bench_pair AS
        SELECT p.id AS product_id, w.id AS warehouse_id, w.lot_stock_id AS location_id,
               pt.uom_id, hashtext(p.id || '/' || w.id) AS h
          FROM product_product p
          JOIN product_template pt ON pt.id = p.product_tmpl_id
          CROSS JOIN stock_warehouse w
         WHERE p.id = ANY(%(products)s) AND w.id = ANY(%(warehouses)s);

        INSERT INTO stock_quant (product_id, location_id, company_id, quantity,
                                 reserved_quantity, in_date, create_uid, write_uid,
                                 create_date, write_date)
        SELECT product_id, location_id, %(company)s, abs(h %% 500),
               CASE WHEN abs(h) %% 4 = 0 THEN abs(h %% 500) / 3 ELSE 0 END,
               now(), %(uid)s, %(uid)s, now(), now()
          FROM bench_pair WHERE abs(h) %% 10 < 8;

        INSERT INTO stock_warehouse_orderpoint (name, trigger, warehouse_id, location_id,
                                                product_id, product_min_qty, product_max_qty,
                                                company_id, active,
                                                create_uid, write_uid, create_date, write_date)
        SELECT 'BENCH-OP-' || product_id || '-' || warehouse_id, 'manual', warehouse_id,
               location_id, product_id, abs(h / 7) %% 200, 400, %(company)s, true,
               %(uid)s, %(uid)s, now(), now()
          FROM bench_pair WHERE abs(h / 3) %% 2 = 0;

        INSERT INTO stock_move (product_id, product_uom, product_uom_qty, product_qty,
                                location_id, location_dest_id, location_final_id,
                                company_id, warehouse_id,
                                date, state, procure_method, create_uid, write_uid,
                                create_date, write_date)
        SELECT product_id, uom_id, qty, qty, src, dst, dst, %(company)s, warehouse_id,
               now() + make_interval(days => days_from_now), state, 'make_to_stock',
               %(uid)s, %(uid)s, now(), now()
          FROM (
            SELECT product_id, uom_id, warehouse_id, 1 + abs(h / 11) %% 100 AS qty,
                   %(supplier)s AS src, location_id AS dst, abs(h / 13) %% 30 AS days_from_now,
                   'assigned' AS state
              FROM bench_pair WHERE abs(h / 5) %% 10 = 0
            UNION ALL
            SELECT product_id, uom_id, warehouse_id, 1 + abs(h / 17) %% 50, location_id,
                   %(customer)s, abs(h / 19) %% 30, 'confirmed'
              FROM bench_pair WHERE abs(h / 23) %% 10 = 0
            UNION ALL
            SELECT product_id, uom_id, warehouse_id, 1 + abs(h / 29 + n) %% 40, location_id,
                   %(customer)s, -(1 + abs(h / 31 + n * 7) %% 29) - (n / 2) * 60, 'done'
              FROM bench_pair CROSS JOIN generate_series(0, 3) AS n
             WHERE abs(h / 37) %% 10 < 6
          ) AS m;
        ANALYZE stock_quant;
        ANALYZE stock_move;
        ANALYZE stock_warehouse_orderpoint;
        """,
        {
            "products": products.ids,
            "warehouses": warehouses.ids,
            "company": company.id,
            "uid": uid,
            "supplier": supplier,
            "customer": customer,
        },
    )


def open_list(env) -> int:
    """What the web client does when the list opens; returns the rows counted."""
    Status = env["distribution.inventory.status"]
    result = Status.web_search_read(
        [], {name: {} for name in LIST_FIELDS}, limit=80, count_limit=10001
    )
    Status.formatted_read_group([], [], [f"{name}:sum" for name in SUM_FIELDS])
    return result["length"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="bench_inventory_status")
    parser.add_argument("--warehouses", type=int, default=20)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reload", action="store_true", help="drop the database first")
    args = parser.parse_args(argv)
    stack.require_odoo()
    if args.reload:
        stack.drop_database(args.db)
    config = ensure_database(args.db)

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config as odoo_config

    odoo_config.parse_config(["-c", str(config), "-d", args.db], setup_logging=False)
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        load_fixture(env, args.warehouses, args.products)
        env["distribution.inventory.status"].init()
        cr.execute("ANALYZE")
        cr.execute("SELECT count(*) FROM distribution_inventory_status_live")
        total_rows = cr.fetchone()[0]
    stack.log(f"{total_rows} product x warehouse rows in the view")
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        started = time.perf_counter()
        env["distribution.inventory.status"]._refresh()
        stack.log(f"snapshot refresh (scheduled action): {time.perf_counter() - started:.2f} s")
    timings = []
    with registry.cursor() as cr:
        admin = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env = admin(user=admin.ref("base.user_admin"))
        rows = open_list(env)  # warm-up
        for _ in range(args.repeat):
            env.invalidate_all()
            started = time.perf_counter()
            rows = open_list(env)
            timings.append(time.perf_counter() - started)
        cr.rollback()
    stack.log("runs: " + ", ".join(f"{t:.3f}" for t in timings))
    print(f"inventory_status_first_page_s={statistics.median(timings):.3f} rows={rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
