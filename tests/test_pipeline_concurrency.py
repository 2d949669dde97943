"""Two users releasing the same order at once: one wins, the other is told, nothing doubles.

Odoo's own test runner shares one transaction between all cursors, so a real race
needs real connections: this suite installs ``distribution_orchestration`` into a
throw-away database (about two minutes), commits a small network, and confirms one
order from two database connections whose transactions overlap.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import psycopg2
import pytest
from support import ROOT, free_port, pg_params

sys.path.insert(0, str(ROOT / "scripts"))
import stack

odoo = pytest.importorskip("odoo.release", reason="Odoo 19 is not importable: no pipeline to race")
pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pipeline_db(tmp_path_factory):
    name = f"pytest_pipeline_{uuid.uuid4().hex[:10]}"
    values = stack.settings(name, http_port=free_port())
    config = stack.render_config(tmp_path_factory.mktemp("odoo") / "odoo.conf", values)
    subprocess.run(
        stack.odoo_command(
            config,
            "-d",
            name,
            "-i",
            "distribution_orchestration",
            "--stop-after-init",
            "--log-level=warn",
        ),
        check=True,
        cwd=ROOT,
    )
    from odoo.modules.registry import Registry
    from odoo.tools import config as odoo_config

    odoo_config.parse_config(["-c", str(config), "-d", name, "--log-level=warn"])
    registry = Registry(name)
    try:
        yield registry
    finally:
        Registry.delete(name)
        admin = psycopg2.connect(**pg_params())
        admin.autocommit = True
        with admin.cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            cr.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def _order(registry):
    """A committed draft order for 8 units, stock 5 + 5 at two sites."""
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env.company.distribution_pipeline_enabled = True  # off after installation
        north = env["stock.warehouse"].create({"name": "Race North", "code": "RNO"})
        south = env["stock.warehouse"].create({"name": "Race South", "code": "RSO"})
        product = env["product.product"].create(
            {"name": "Race Item", "is_storable": True, "list_price": 10.0, "standard_price": 5.0}
        )
        for warehouse in (north, south):
            env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 5)
        customer = env["res.partner"].create(
            {
                "name": "Race Customer",
                "street": "1 Race Road",
                "property_payment_term_id": env.ref("account.account_payment_term_30days").id,
            }
        )
        order = env["sale.order"].create(
            {
                "partner_id": customer.id,
                "warehouse_id": north.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 8})],
            }
        )
        return order.id


def test_second_release_of_the_same_order_is_refused(pipeline_db):
    from odoo import SUPERUSER_ID, api
    from odoo.exceptions import UserError

    order_id = _order(pipeline_db)
    first = pipeline_db.cursor()
    second = pipeline_db.cursor()
    try:
        env1 = api.Environment(first, SUPERUSER_ID, {})
        env1["sale.order"].browse(order_id).action_confirm()  # holds the row lock, uncommitted
        # without the pipeline's own NOWAIT lock the second release would queue behind the
        # first on the order's row: a short lock timeout turns that into a failure here
        second.execute("SET lock_timeout = '5s'")
        env2 = api.Environment(second, SUPERUSER_ID, {})
        with pytest.raises(UserError, match="Another user is processing"):
            env2["sale.order"].browse(order_id).action_confirm()
        second.rollback()
        first.commit()
        # once the first release is committed, a late second click is told it is done
        env2 = api.Environment(second, SUPERUSER_ID, {})
        with pytest.raises(UserError, match="already confirmed"):
            env2["sale.order"].browse(order_id).action_confirm()
        second.rollback()
    finally:
        first.close()
        second.close()

    with pipeline_db.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        order = env["sale.order"].browse(order_id)
        assert order.distribution_state == "released"
        assert sum(order.distribution_allocation_ids.mapped("quantity")) == 8
        moves = order.picking_ids.move_ids
        assert sum(moves.mapped("product_uom_qty")) == 8, "allocated and procured once"
        assert len(order.picking_ids) == 2
        releases = order.distribution_log_ids.filtered(lambda entry: entry.event == "release")
        assert len(releases) == 1
