"""The hand-built network of engine/tests/test_kpi.py, in the database.

Two sites A and B; five orders; dates written with SQL afterwards (the facts read
timestamps the ORM sets to 'now').  Expected answers are those of the engine test.
"""

from datetime import datetime

from odoo.addons.distribution_orchestration.models.governance import governed
from odoo.tests import TransactionCase, new_test_user


def d(day, hour=0):
    return datetime(2026, 3, day, hour, 0)


NOW = d(10, 12)


class DashboardFixture(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        Warehouse = env["stock.warehouse"]
        cls.wh_a = Warehouse.create({"name": "KPI Site A", "code": "KPA"})
        cls.wh_b = Warehouse.create({"name": "KPI Site B", "code": "KPB"})
        Partner = env["res.partner"]
        cls.gold = Partner.create({"name": "Gold Customer", "distribution_tier": "gold"})
        cls.standard = Partner.create(
            {"name": "Standard Customer", "distribution_tier": "standard"}
        )
        cls.product = env["product.product"].create({"name": "KPI Goods", "type": "consu"})
        cls.orders = {}
        cls.lines = {}
        spec = {
            1: (cls.wh_a, cls.gold, d(2, 8), d(4), [10, 5]),
            2: (cls.wh_a, cls.standard, d(2, 8), d(3), [10]),
            3: (cls.wh_b, cls.standard, d(2, 8), None, [1, 1]),
            4: (cls.wh_b, cls.gold, d(3, 8), d(10), [3]),
            5: (cls.wh_a, cls.standard, d(9, 12), None, [2, 2]),
        }
        for key, (warehouse, partner, _confirmed, promised, quantities) in spec.items():
            order = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "warehouse_id": warehouse.id,
                    "commitment_date": promised,
                    "order_line": [
                        (
                            0,
                            0,
                            {"product_id": cls.product.id, "product_uom_qty": qty, "price_unit": 1},
                        )
                        for qty in quantities
                    ],
                }
            )
            order.action_confirm()
            cls.orders[key] = order
        # shipments: (order, quantities per line, created, done)
        cls.pickings = {}
        cls._ship(1, [10, 5], d(2, 20), d(3, 8))
        cls._ship(2, [4], d(3, 8), d(3, 20))
        cls._ship(2, [6], d(3, 20), d(4, 8))
        cls._ship(3, [1, 1], d(4, 8), d(5, 8))
        cls._ship(4, [1], d(3, 20), d(4, 8))
        env.flush_all()
        cr = env.cr
        for key, (_w, _p, confirmed, _promised, _q) in spec.items():
            cr.execute(
                "UPDATE sale_order SET date_order = %s WHERE id = %s",
                (confirmed, cls.orders[key].id),
            )
        Hold = governed(env["distribution.hold"])
        group = env.ref("distribution_orchestration.group_orchestration_credit")
        holds = [
            (1, "credit_limit", "credit_limit", d(2, 8), d(2, 12), "released"),
            (2, "credit_limit", "credit_limit", d(2, 8), d(3), "rejected"),
            (5, "stock_availability", "stock", d(9, 12), None, "open"),
            (1, "min_margin", "margin", d(2, 9), d(2, 10), "released"),
        ]
        cls.holds = Hold.create(
            [
                {
                    "order_id": cls.orders[key].id,
                    "check_code": check,
                    "reason_code": reason,
                    "explanation": reason,
                    "responsible_group_id": group.id,
                }
                for key, check, reason, _c, _r, _s in holds
            ]
        )
        env.flush_all()
        for hold, (_k, _c, _reason, created, resolved, state) in zip(cls.holds, holds, strict=True):
            cr.execute(
                "UPDATE distribution_hold SET create_date = %s, resolved_at = %s, state = %s "
                "WHERE id = %s",
                (created, resolved, state, hold.id),
            )
        env.invalidate_all()
        env["distribution.dashboard"]._refresh()

    @classmethod
    def _ship(cls, key, quantities, created, done):
        order = cls.orders[key]
        picking = order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        picking.ensure_one()
        moves = picking.move_ids.sorted(lambda m: m.sale_line_id.id)
        for move, qty in zip(moves, quantities, strict=True):
            move.quantity = qty
            move.picked = True
        picking._action_done()
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE stock_picking SET create_date = %s, date_done = %s WHERE id = %s",
            (created, done, picking.id),
        )
        cls.env.cr.execute(
            "UPDATE stock_move SET date = %s WHERE picking_id = %s", (done, picking.id)
        )

    @classmethod
    def make_user(cls, login, groups, warehouses=None):
        user = new_test_user(cls.env, login=login, groups=groups)
        if warehouses is not None:
            user.distribution_warehouse_ids = [(6, 0, warehouses.ids)]
        return user
