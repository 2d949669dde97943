#!/usr/bin/env python3
"""Benchmark: incoming 945s end to end against Odoo's plain validation.

    python3 bench/bench_edi_e2e.py [--deliveries 1000] [--fresh]

In a scratch database (``bench_edi_e2e``, created with wms_bridge on first use) a
3PL-operated warehouse holds three products (one lot-tracked).  Three sets of N
ready deliveries of 3 lines are created (not timed), then timed:

* ours, one interchange of N 945 transaction sets;
* ours, N interchanges of one 945 each;

  both processed end to end as the queue jobs do (``queue_job__no_delay``): read,
  validate, map, validate the pickings with their lots and a backorder (one line
  short), and the 997/999 written to the partner's outbox;
* plain: the third set validated through the ORM with the same quantities and
  lots (move lines, picked, ``button_validate``), one delivery at a time.

Last line: ``edi_e2e_sets_per_s=<ours> plain_validate_per_s=<baseline>
overhead=<baseline/ours>`` (ours over both shapes of interchange).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from unittest.mock import patch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import stack  # noqa: E402

DB = "bench_edi_e2e"
SHIPPED = {"E2E-A": 10, "E2E-B": 8, "E2E-L": 10}  # B short: a backorder each
LOT = "E2E-LOT-1"


def prepare_database(fresh: bool) -> Path:
    values = stack.settings(DB, http_port=stack.free_port())
    config = stack.render_config(stack.LOCAL / f"odoo-{DB}.conf", values)
    if fresh and stack.database_exists(DB):
        stack.drop_database(DB)
    addons = ("wms_bridge",)
    missing = stack.missing_addons(DB, addons) if stack.database_exists(DB) else list(addons)
    if missing:
        print(f"installing {', '.join(missing)} into {DB} (once)", file=sys.stderr, flush=True)
        subprocess.run(
            stack.odoo_command(
                config, "-d", DB, "-i", ",".join(missing), "--stop-after-init", "--log-level=warn"
            ),
            check=True,
        )
    return config


def build_network(env):
    Warehouse = env["stock.warehouse"]
    warehouse = Warehouse.search([("code", "=", "E2E")], limit=1) or Warehouse.create(
        {"name": "E2E 3PL", "code": "E2E"}
    )
    Product = env["product.product"]
    products = Product.search([("default_code", "in", list(SHIPPED))])
    if len(products) < len(SHIPPED):
        products = Product.create(
            [
                {
                    "name": f"E2E {code}",
                    "default_code": code,
                    "is_storable": True,
                    "tracking": "lot" if code == "E2E-L" else "none",
                }
                for code in SHIPPED
            ]
        )
        lot = env["stock.lot"].create(
            {"name": LOT, "product_id": products.filtered(lambda p: p.tracking == "lot").id}
        )
        Quant = env["stock.quant"]
        for product in products:
            Quant._update_available_quantity(
                product,
                warehouse.lot_stock_id,
                10_000_000,
                lot_id=lot if product.tracking == "lot" else None,
            )
    partner = env["wms.trading.partner"].search([("isa_id", "=", "E2E3PL")], limit=1)
    if not partner:
        partner = env["wms.trading.partner"].create(
            {
                "name": "E2E 3PL",
                "partner_id": env["res.partner"].create({"name": "E2E 3PL"}).id,
                "role": "3pl",
                "isa_id": "E2E3PL",
                "our_isa_id": "DISTRIBCO",
                "transport": "directory",
                "drop_folder": "e2e",
                "warehouse_ids": [(6, 0, warehouse.ids)],
                "document_ids": [(0, 0, {"document_type": "945"})],
                "mapping_version_ids": [(0, 0, {"product_code": "ours"})],
            }
        )
    env.cr.commit()
    return warehouse, products.sorted("default_code"), partner


def make_deliveries(env, warehouse, products, count):
    customer = env.ref("stock.stock_location_customers")
    pickings = env["stock.picking"].create(
        [
            {
                "picking_type_id": warehouse.out_type_id.id,
                "location_id": warehouse.lot_stock_id.id,
                "location_dest_id": customer.id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": p.id,
                            "product_uom_qty": 10,
                            "product_uom": p.uom_id.id,
                            "location_id": warehouse.lot_stock_id.id,
                            "location_dest_id": customer.id,
                        },
                    )
                    for p in products
                ],
            }
            for _ in range(count)
        ]
    )
    pickings.action_confirm()
    # no 940 to send here: the bench is about what comes back
    pickings.with_context(queue_job__no_delay=False).action_assign()
    env.cr.commit()
    return pickings


def shipment(picking, number):
    return {
        "report_code": "F",
        "order_ref": picking.name,
        "date": datetime(2024, 3, 15).date(),
        "shipment_id": f"SHP-{number}",
        "refs": {"BM": f"BOL-{number}", "CN": f"1Z{number:010d}"},
        "carrier": {"transport_method": "M", "scac": "UPSN"},
        "lines": [
            {
                "line": i,
                "status": "CC" if code != "E2E-B" else "CP",
                "qty_ordered": 10,
                "qty_shipped": qty,
                "qty_difference": 10 - qty,
                "uom": "EA",
                "product_ids": {"VN": code},
                "lot": LOT if code == "E2E-L" else "",
            }
            for i, (code, qty) in enumerate(sorted(SHIPPED.items()), start=1)
        ],
    }


def timed_ours(env, partner, files):
    from odoo.addons.wms_bridge.models.wms_governed_mixin import governed

    Exchange = governed(env["wms.exchange"]).with_context(queue_job__no_delay=True)
    env.flush_all()
    t0 = time.perf_counter()
    received = Exchange._create_received(partner, files)
    received._enqueue_processing()  # performed at once (no delay)
    env.flush_all()
    elapsed = time.perf_counter() - t0
    env.cr.commit()
    return elapsed, received


def timed_plain(env, pickings, lot):
    env.flush_all()
    t0 = time.perf_counter()
    for picking in pickings:
        moves = picking.move_ids
        moves.move_line_ids.unlink()
        env["stock.move.line"].create(
            [
                {
                    "move_id": move.id,
                    "picking_id": picking.id,
                    "product_id": move.product_id.id,
                    "product_uom_id": move.product_uom.id,
                    "quantity": SHIPPED[move.product_id.default_code],
                    "location_id": move.location_id.id,
                    "location_dest_id": move.location_dest_id.id,
                    "lot_id": lot.id if move.product_id.tracking == "lot" else False,
                }
                for move in moves
            ]
        )
        moves.picked = True
        picking.with_context(
            skip_backorder=True, skip_sms=True, skip_expired=True
        ).button_validate()
    env.flush_all()
    elapsed = time.perf_counter() - t0
    env.cr.commit()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--fresh", action="store_true", help="re-create the scratch database")
    args = parser.parse_args()
    n = args.deliveries

    config = prepare_database(args.fresh)
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config as odoo_config

    odoo_config.parse_config(["-c", str(config), "-d", DB, "--log-level=warn"], setup_logging=True)
    from odoo.addons.wms_bridge.engine import x12
    from odoo.addons.wms_bridge.engine.x12 import Envelope, Separators
    from odoo.addons.wms_bridge.tools.settings import settings_from_values

    drop_root = tempfile.mkdtemp(prefix="bench_edi_e2e_")
    settings = settings_from_values({"drop_root": drop_root, "http_timeout": "5"})
    registry = Registry(DB)
    with (
        patch(
            "odoo.addons.wms_bridge.models.wms_trading_partner.get_settings",
            return_value=settings,
        ),
        registry.cursor() as cr,
    ):
        env = odoo.api.Environment(cr, odoo.api.SUPERUSER_ID, {})
        warehouse, products, partner = build_network(env)
        lot = env["stock.lot"].search([("name", "=", LOT)], limit=1)
        t0 = time.perf_counter()
        one_big = make_deliveries(env, warehouse, products, n)
        one_each = make_deliveries(env, warehouse, products, n)
        plain = make_deliveries(env, warehouse, products, n)
        print(f"created {3 * n} ready deliveries in {time.perf_counter() - t0:.1f}s", flush=True)
        envelope = Envelope("E2E3PL", "DISTRIBCO", version="005010", separators=Separators())
        when = datetime(2024, 3, 15, 14, 32)
        base = int(time.time()) % 100_000 * 10_000  # control numbers unique per run
        big = x12.write_interchange(
            envelope,
            [("945", shipment(p, i)) for i, p in enumerate(one_big)],
            control_number=base,
            when=when,
        )
        singles = [
            (
                f"945_{base + 1 + i}.x12",
                x12.write_interchange(
                    envelope, [("945", shipment(p, i))], control_number=base + 1 + i, when=when
                ).encode("latin-1"),
            )
            for i, p in enumerate(one_each)
        ]
        big_s, big_rx = timed_ours(env, partner, [("945_big.x12", big.encode("latin-1"))])
        each_s, each_rx = timed_ours(env, partner, singles)
        plain_s = timed_plain(env, plain, lot)
        done = (one_big | one_each).filtered(lambda p: p.state == "done")
        sets = big_rx.child_ids | each_rx.child_ids
        states = {
            s: len(sets.filtered(lambda e, s=s: e.state == s)) for s in set(sets.mapped("state"))
        }
        acks = (big_rx | each_rx).ack_exchange_id
        print(
            f"deliveries={n} one_interchange_s={big_s:.2f} one_each_s={each_s:.2f} "
            f"plain_s={plain_s:.2f} validated={len(done)}/{2 * n} sets={states} "
            f"acks={len(acks)} ({', '.join(sorted(set(acks.mapped('state'))))})",
            flush=True,
        )
        print(
            f"(info) one interchange of {n}: {n / big_s:.1f} sets/s; "
            f"{n} interchanges of one: {n / each_s:.1f} sets/s",
            flush=True,
        )
    ours = 2 * n / (big_s + each_s)
    baseline = n / plain_s
    print(
        f"edi_e2e_sets_per_s={ours:.1f} plain_validate_per_s={baseline:.1f} "
        f"overhead={baseline / ours:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
