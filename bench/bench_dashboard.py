#!/usr/bin/env python3
"""Benchmark: the operations dashboard on 100,000 historical orders.

    python3 bench/bench_dashboard.py [--orders 100000] [--sites 20] [--fresh]

In a scratch database (``bench_dashboard``, created with our addons on first use) it
builds ``--sites`` warehouses and one real order (confirmed, shipped, held) through
the ORM, then a COPY-based filler writes ``--orders`` orders of the same shape
(sale_order, sale_order_line, stock_picking, stock_move, distribution_hold rows copied
from that real one, with their own sites, customers, dates and quantities) spread
over a year: most shipped in one delivery, some in two, some late, some still open,
one in ten held.  It then times:

* refresh: rebuilding the aggregates (``REFRESH MATERIALIZED VIEW CONCURRENTLY``),
  and checks that a user's write to ``sale_order`` goes through while a refresh runs;
* the dashboard's data call as the web client makes it (``get_dashboard_data``), for
  an executive (the network) and for a site manager (one site), best of 3.

Last line: ``dashboard_network_s=<s> dashboard_site_s=<s> orders=<n> refresh_s=<s>``
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import stack  # noqa: E402

DB = "bench_dashboard"
ADDONS = ("distribution_dashboard",)
TEMPLATE_REF = "BENCH-DASH-TEMPLATE"


def prepare_database(fresh: bool) -> Path:
    values = stack.settings(DB, http_port=stack.free_port())
    config = stack.render_config(stack.LOCAL / f"odoo-{DB}.conf", values)
    if fresh and stack.database_exists(DB):
        stack.drop_database(DB)
    missing = stack.missing_addons(DB, ADDONS) if stack.database_exists(DB) else list(ADDONS)
    if missing:
        print(f"installing {', '.join(missing)} into {DB} (once)", file=sys.stderr, flush=True)
        subprocess.run(
            stack.odoo_command(
                config, "-d", DB, "-i", ",".join(missing), "--stop-after-init", "--log-level=warn"
            ),
            check=True,
        )
    else:
        subprocess.run(
            stack.odoo_command(
                config, "-d", DB, "-u", ",".join(ADDONS), "--stop-after-init", "--log-level=warn"
            ),
            check=True,
        )
    return config


def template(env, sites):
    """One real order of the shape the filler copies: confirmed, shipped, held."""
    from odoo.addons.distribution_orchestration.models.governance import governed

    order = env["sale.order"].search([("client_order_ref", "=", TEMPLATE_REF)], limit=1)
    if order:
        return order
    customer = env["res.partner"].create({"name": "Bench Dashboard Customer"})
    product = env["product.product"].create({"name": "Bench Dashboard Goods", "type": "consu"})
    order = env["sale.order"].create(
        {
            "partner_id": customer.id,
            "warehouse_id": sites[0].id,
            "client_order_ref": TEMPLATE_REF,
            "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
        }
    )
    order.action_confirm()
    picking = order.picking_ids
    picking.move_ids.quantity = 1
    picking.move_ids.picked = True
    picking._action_done()
    governed(env["distribution.hold"]).create(
        {
            "order_id": order.id,
            "check_code": "credit_limit",
            "reason_code": "credit_limit",
            "explanation": "bench",
            "responsible_group_id": env.ref(
                "distribution_orchestration.group_orchestration_credit"
            ).id,
        }
    )
    return order


def row_of(cr, table, record_id):
    cr.execute(f"SELECT * FROM {table} WHERE id = %s", (record_id,))
    columns = [c.name for c in cr.description]
    return dict(zip(columns, cr.fetchone(), strict=True))


def csv_value(value):
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


class Copier:
    """Rows shaped like a template row, streamed to PostgreSQL with COPY."""

    def __init__(self, cr, table, template_row):
        self.cr = cr
        self.table = table
        self.template = template_row
        self.columns = list(template_row)
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)
        cr.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
        self.next_id = cr.fetchone()[0] + 1

    def add(self, **values):
        row_id = self.next_id
        self.next_id += 1
        row = dict(self.template, id=row_id, **values)
        self.writer.writerow([csv_value(row[c]) for c in self.columns])
        return row_id

    def flush(self):
        self.buffer.seek(0)
        columns = ", ".join(f'"{c}"' for c in self.columns)
        self.cr._obj.copy_expert(
            f"COPY {self.table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
            self.buffer,
        )
        self.cr.execute(f"SELECT setval('{self.table}_id_seq', %s)", (self.next_id,))
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)


def fill(env, orders, sites, seed=11):  # noqa: PLR0912, PLR0915 (one generator, read top-down)
    cr = env.cr
    cr.execute("SELECT count(*) FROM sale_order WHERE client_order_ref = 'BENCH-DASH'")
    have = cr.fetchone()[0]
    if have >= orders:
        return have
    rng = random.Random(seed)
    tpl = template(env, sites)
    line = tpl.order_line[0]
    picking = tpl.picking_ids[0]
    move = picking.move_ids[0]
    hold = tpl.distribution_hold_ids[0]
    customers = env["res.partner"].create(
        [
            {
                "name": f"Bench Customer {i:03d}",
                "distribution_tier": rng.choice(
                    ["platinum", "gold", "silver", "bronze", "standard"]
                ),
            }
            for i in range(200)
        ]
    )
    products = env["product.product"].create(
        [{"name": f"Bench Item {i:03d}", "type": "consu"} for i in range(100)]
    )
    env.flush_all()
    out_types = {s.id: (s.out_type_id.id, s.lot_stock_id.id) for s in sites}
    so = Copier(cr, "sale_order", row_of(cr, "sale_order", tpl.id))
    sol = Copier(cr, "sale_order_line", row_of(cr, "sale_order_line", line.id))
    sp = Copier(cr, "stock_picking", row_of(cr, "stock_picking", picking.id))
    sm = Copier(cr, "stock_move", row_of(cr, "stock_move", move.id))
    dh = Copier(cr, "distribution_hold", row_of(cr, "distribution_hold", hold.id))
    now = datetime.now().replace(microsecond=0)
    # busier sites: a few sites carry more orders and run slower
    weights = [3 if i < 3 else 1 for i in range(len(sites))]
    for n in range(have, orders):
        site = rng.choices(sites, weights)[0]
        slow = 1.5 if site.id == sites[0].id else 1.0
        customer = rng.choice(customers)
        confirmed = now - timedelta(days=rng.uniform(0, 365))
        age_h = (now - confirmed).total_seconds() / 3600
        promised = confirmed + timedelta(hours=rng.choice([24, 48, 72, 120]))
        cycle = rng.lognormvariate(3.6, 0.5) * slow  # ~40 h median
        split = rng.random() < 0.12
        shipped = cycle < age_h
        state = (
            "shipped"
            if shipped
            else ("partially_shipped" if split and cycle / 2 < age_h else "released")
        )
        order_id = so.add(
            name=f"BD{n:06d}",
            client_order_ref="BENCH-DASH",
            partner_id=customer.id,
            partner_invoice_id=customer.id,
            partner_shipping_id=customer.id,
            warehouse_id=site.id,
            date_order=confirmed,
            commitment_date=promised,
            create_date=confirmed,
            distribution_state=state,
            state="sale",
        )
        out_type, stock_loc = out_types[site.id]
        lines = []
        for _i in range(rng.randint(1, 6)):
            qty = float(rng.randint(1, 20))
            product = rng.choice(products)
            first_qty = (
                qty if not split else float(rng.randint(0, int(qty) - 1)) if qty > 1 else qty
            )
            delivered = qty if shipped else (first_qty if state == "partially_shipped" else 0.0)
            line_id = sol.add(
                order_id=order_id,
                product_id=product.id,
                product_uom_qty=qty,
                qty_delivered=delivered,
                name=product.name,
                create_date=confirmed,
            )
            lines.append((line_id, product.id, qty, first_qty))
        release = confirmed + timedelta(hours=rng.uniform(1, 8))
        deliveries = []
        if split:
            first_done = release + timedelta(hours=cycle / 2)
            deliveries.append((release, first_done if first_done < now else None, "first"))
            deliveries.append(
                (first_done, confirmed + timedelta(hours=cycle) if shipped else None, "rest")
            )
        else:
            deliveries.append(
                (release, confirmed + timedelta(hours=cycle) if shipped else None, "all")
            )
        for created, done, part in deliveries:
            if created > now:
                continue
            picking_id = sp.add(
                name=f"BD/OUT/{n:06d}/{part}",
                sale_id=order_id,
                picking_type_id=out_type,
                location_id=stock_loc,
                partner_id=customer.id,
                state="done" if done else "assigned",
                date_done=done,
                create_date=created,
                scheduled_date=created,
                origin=f"BD{n:06d}",
            )
            for line_id, product_id, qty, first_qty in lines:
                moved = {"all": qty, "first": first_qty, "rest": qty - first_qty}[part]
                if moved <= 0:
                    continue
                sm.add(
                    picking_id=picking_id,
                    sale_line_id=line_id,
                    product_id=product_id,
                    product_uom_qty=moved,
                    quantity=moved if done else 0.0,
                    state="done" if done else "assigned",
                    date=done or created,
                    picking_type_id=out_type,
                    location_id=stock_loc,
                    warehouse_id=site.id,
                    create_date=created,
                    origin=f"BD{n:06d}",
                )
        if rng.random() < 0.1:
            reason = rng.choice(["credit_limit", "min_margin", "stock_availability"])
            created = confirmed
            resolved = created + timedelta(hours=rng.lognormvariate(1.5, 0.8))
            dh.add(
                order_id=order_id,
                company_id=tpl.company_id.id,
                warehouse_id=site.id,
                partner_id=customer.id,
                reason_code=reason,
                check_code=reason,
                state="released" if resolved < now else "open",
                resolved_at=resolved if resolved < now else None,
                create_date=created,
                name=f"BD{n:06d} hold",
            )
        if (n + 1) % 20000 == 0:
            for copier in (so, sol, sp, sm, dh):
                copier.flush()
            print(f"  {n + 1} orders", file=sys.stderr, flush=True)
    for copier in (so, sol, sp, sm, dh):
        copier.flush()
    cr.execute(
        "ANALYZE sale_order; ANALYZE sale_order_line; ANALYZE stock_picking; ANALYZE stock_move"
    )
    return orders


def concurrent_write_ok(registry, order_id):
    """While a refresh runs (uncommitted) in one transaction, a user's write to
    sale_order in another goes through within 2 s."""
    done = {}

    def refresh():
        with registry.cursor() as cr:
            cr.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY distribution_dashboard_order_fact")
            time.sleep(1.5)  # hold the refresh's locks a little longer
            cr.rollback()

    thread = threading.Thread(target=refresh)
    thread.start()
    time.sleep(0.5)
    with registry.cursor() as cr:
        cr.execute("SET lock_timeout = '2s'")
        start = time.perf_counter()
        cr.execute("UPDATE sale_order SET note = note WHERE id = %s", (order_id,))
        done["s"] = time.perf_counter() - start
        cr.rollback()
    thread.join()
    return done["s"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()

    config = prepare_database(args.fresh)
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config as odoo_config

    odoo_config.parse_config(["-c", str(config), "-d", DB, "--log-level=warn"], setup_logging=True)
    registry = Registry(DB)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.api.SUPERUSER_ID, {})
        Warehouse = env["stock.warehouse"]
        sites = list(Warehouse.search([("code", "=like", "D%")], order="code"))
        for index in range(len(sites), args.sites):
            sites.append(
                Warehouse.create({"name": f"Dash Site {index:02d}", "code": f"D{index:02d}"})
            )
        started = time.perf_counter()
        orders = fill(env, args.orders, sites)
        print(f"filler: {orders} orders in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        executive = env.ref("base.user_admin")
        manager = env["res.users"].search([("login", "=", "bench_site_manager")])
        if not manager:
            manager = env["res.users"].create(
                {
                    "name": "Bench Site Manager",
                    "login": "bench_site_manager",
                    "group_ids": [
                        (4, env.ref("distribution_dashboard.group_dashboard_site_manager").id)
                    ],
                }
            )
        manager.distribution_warehouse_ids = [(6, 0, [sites[1].id])]
        cr.commit()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.api.SUPERUSER_ID, {})
        start = time.perf_counter()
        env["distribution.dashboard"]._refresh()
        cr.commit()
        refresh_s = time.perf_counter() - start
        any_order = env["sale.order"].search([("client_order_ref", "=", "BENCH-DASH")], limit=1).id
    write_s = concurrent_write_ok(registry, any_order)
    print(f"a sale_order write during a refresh took {write_s:.3f} s", file=sys.stderr)

    def timed(user_id):
        best = None
        for _i in range(3):
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, user_id, {})
                env = env(context={"allowed_company_ids": env.user.company_ids.ids})
                start = time.perf_counter()
                data = env["distribution.dashboard"].get_dashboard_data("week", 8)
                elapsed = time.perf_counter() - start
                best = elapsed if best is None else min(best, elapsed)
        return best, data

    network_s, network = timed(executive.id)
    site_s, site = timed(manager.id)
    tiles = {t["code"]: t["value"] for t in network["tiles"]}
    print(
        "network this week: "
        + ", ".join(f"{k}={v:.1f}" for k, v in tiles.items() if v is not None),
        file=sys.stderr,
    )
    print(f"site view: {len(site['by_site']['fill_rate']['sites'])} site(s)", file=sys.stderr)
    print(
        f"dashboard_network_s={network_s:.3f} dashboard_site_s={site_s:.3f} "
        f"orders={orders} refresh_s={refresh_s:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
