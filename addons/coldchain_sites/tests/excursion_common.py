from datetime import UTC, datetime, timedelta

from freezegun import freeze_time

from odoo import Command

from ..models.governance import governed
from .common import ColdchainCase

T0 = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)  # readings and moves are placed around it


def at(minutes):
    """Aware UTC datetime ``minutes`` after T0 (for readings)."""
    return T0 + timedelta(minutes=minutes)


def naive(minutes):
    """Naive UTC datetime ``minutes`` after T0 (Odoo fields, freeze_time)."""
    return at(minutes).replace(tzinfo=None)


class ExcursionCase(ColdchainCase):
    """Cold zone A (2–8 °C) with a nested shelf, rules of our own, three kinds of goods."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        # only the rules of the test evaluate (default data rules are archived)
        env["coldchain.excursion.rule"].search([]).write({"active": False})
        Rule = env["coldchain.excursion.rule"]
        cls.rule_instant = Rule.create(
            {
                "name": "Test instant",
                "code": "T-INSTANT",
                "kind": "threshold",
                "check_min": True,
                "limit_min": 2.0,
                "check_max": True,
                "limit_max": 8.0,
                "profile_id": cls.profile.id,
                "severity": "operator",
            }
        )
        cls.rule_delay = Rule.create(
            {
                "name": "Test delay 15 min",
                "code": "T-DELAY15",
                "kind": "delay",
                "check_max": True,
                "limit_max": 8.0,
                "delay_minutes": 15,
                "profile_id": cls.profile.id,
                "severity": "product_risk",
            }
        )
        cls.rule_monitoring = Rule.create(
            {
                "name": "Test monitoring",
                "code": "T-MON",
                "kind": "monitoring",
                "check_max": False,
                "max_gap_factor": 3,
                "location_ids": [Command.set(cls.zone_a.ids)],
                "severity": "operator",
            }
        )
        # sensor A reports every 5 minutes, A2 every minute
        cls.sensor_a.expected_interval = 300
        cls.shelf_a = env["stock.location"].create(
            {"name": "Shelf 1", "location_id": cls.zone_a.id, "usage": "internal"}
        )
        cls.tolerant_profile = env["coldchain.temperature.profile"].create(
            {"name": "Test cool 2-15", "code": "T-2-15C", "temp_min": 2.0, "temp_max": 15.0}
        )
        Product = env["product.product"]
        cls.product = Product.create(
            {
                "name": "Test vaccine",
                "is_storable": True,
                "tracking": "lot",
                "coldchain_profile_id": cls.profile.id,
            }
        )
        cls.tolerant_product = Product.create(
            {
                "name": "Test cool syrup",
                "is_storable": True,
                "tracking": "lot",
                "coldchain_profile_id": cls.tolerant_profile.id,
            }
        )
        cls.untracked = Product.create({"name": "Test ice packs", "is_storable": True})
        cls.supplier = env.ref("stock.stock_location_suppliers")
        cls.customer = env.ref("stock.stock_location_customers")
        cls.evaluation = env["coldchain.excursion.evaluation"]
        # only readings of this test count: forget whatever the database queued
        env.cr.execute(
            "DELETE FROM coldchain_reading_pending; DELETE FROM coldchain_excursion_work;"
            " DELETE FROM coldchain_excursion_checkpoint"
        )
        governed(cls.evaluation._get_state()).write({"engine_state": False})

    def lot(self, name, product=None):
        return self.env["stock.lot"].create(
            {"name": name, "product_id": (product or self.product).id}
        )

    def move(self, minutes, product, qty, src, dst, lot=None, picking=None):
        """A done stock move at T0 + ``minutes``."""
        with freeze_time(naive(minutes)):
            move = self.env["stock.move"].create(
                {
                    "product_id": product.id,
                    "product_uom_qty": qty,
                    "product_uom": product.uom_id.id,
                    "location_id": src.id,
                    "location_dest_id": dst.id,
                    "picking_id": picking.id if picking else False,
                    "move_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "lot_id": lot.id if lot else False,
                                "quantity": qty,
                                "location_id": src.id,
                                "location_dest_id": dst.id,
                                "picking_id": picking.id if picking else False,
                            }
                        )
                    ],
                }
            )
            move.picked = True
            move._action_done()
        return move

    def readings(self, sensor, start, stop, step, value):
        """Readings every ``step`` minutes in [start, stop)."""
        return [(sensor, at(m), value) for m in range(start, stop, step)]

    def warm_spell(self, back_at=60):
        """Sensor A: 5 °C, 12 °C from T0+30 min, back to 5 °C at ``back_at`` (None: not)."""
        rows = self.readings(self.sensor_a, 0, 30, 5, 5.0)
        if back_at is None:
            rows += self.readings(self.sensor_a, 30, 90, 5, 12.0)
        else:
            rows += self.readings(self.sensor_a, 30, back_at, 5, 12.0)
            rows += self.readings(self.sensor_a, back_at, back_at + 30, 5, 5.0)
        return rows

    def evaluate(self, minutes):
        return self.evaluation._evaluate_excursions(now=naive(minutes))

    def excursions(self, rule=None, sensor=None):
        domain = [("sensor_id", "=", (sensor or self.sensor_a).id)]
        if rule:
            domain.append(("rule_id", "=", rule.id))
        return self.env["coldchain.excursion"].search(domain, order="start, id")
