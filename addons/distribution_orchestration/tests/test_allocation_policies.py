"""Acceptance: every allocation policy on the README's worked example, through the
pipeline, with its reasons in the decision log; the same input in another order gives
the same sourcing; warehouses without a location rank last."""

import json

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

from ..models.governance import governed
from ..models.sale_order import haversine_km

#: README.md, "Allocation policies": (warehouse key, quantity) per product, per policy.
README_SOURCING = {
    "home_then_nearest": {"vaccine": [("EIN", 5.0)], "gloves": [("RTM", 8.0)]},
    "nearest_with_stock": {"vaccine": [("EIN", 5.0)], "gloves": [("AMS", 8.0)]},
    "nearest_first": {"vaccine": [("AMS", 3.0), ("RTM", 2.0)], "gloves": [("AMS", 8.0)]},
    "fewest_shipments": {"vaccine": [("EIN", 5.0)], "gloves": [("RTM", 8.0)]},
    "ship_complete": {"vaccine": [], "gloves": []},
}
#: What the log must say about each policy's decision (beyond the line reasons).
README_REASONS = {
    "home_then_nearest": "Policy home then nearest: home warehouse first",
    "nearest_with_stock": "Policy nearest with stock: the nearest warehouse able to serve",
    "nearest_first": "Policy nearest first: the nearest warehouse gives all it can",
    "fewest_shipments": "Fewest shipments: 2 warehouses",
    "ship_complete": "Ship complete impossible, whole order backordered",
}


class ThreeSiteNetwork:
    """The README example: a customer in Utrecht whose home site is Rotterdam; sites in
    Amsterdam (34.2 km), Rotterdam (47.8 km) and Eindhoven (76.1 km); 5 vaccines and 8
    boxes of gloves ordered, stock split across the sites."""

    SITES = {
        "AMS": ("Amsterdam DC", 52.3676, 4.9041),
        "RTM": ("Rotterdam DC", 51.9244, 4.4777),
        "EIN": ("Eindhoven DC", 51.4416, 5.4697),
    }
    STOCK = {
        ("AMS", "vaccine"): 3,
        ("RTM", "vaccine"): 4,
        ("EIN", "vaccine"): 10,
        ("AMS", "gloves"): 20,
        ("RTM", "gloves"): 8,
    }

    @classmethod
    def setup_three_sites(cls):
        env = cls.env
        cls.company = env.company
        cls.company.write(
            {
                "distribution_pipeline_enabled": True,
                "distribution_allocation_policy": "home_then_nearest",
                "distribution_allow_split": True,
                "distribution_release_mode": "immediate",
                "distribution_max_shipments": 0,
                "distribution_min_split_qty": 0.0,
            }
        )
        env["distribution.check"]._create_defaults(cls.company)
        checks = env["distribution.check"].search([("company_id", "=", cls.company.id)])
        checks.filtered(lambda c: c.code in ("required_data", "min_margin")).active = False
        cls.sites = {
            key: env["stock.warehouse"].create(
                {
                    "name": name,
                    "code": f"T{key}",
                    "distribution_latitude": latitude,
                    "distribution_longitude": longitude,
                }
            )
            for key, (name, latitude, longitude) in cls.SITES.items()
        }
        cls.customer = env["res.partner"].create(
            {
                "name": "Utrecht Pharmacy",
                "street": "Neude 1",
                "city": "Utrecht",
                "partner_latitude": 52.0907,
                "partner_longitude": 5.1214,
                "distribution_home_warehouse_id": cls.sites["RTM"].id,
                "credit_limit": 1_000_000.0,
            }
        )
        Product = env["product.product"]
        cls.products = {
            key: Product.create(
                {
                    "name": name,
                    "type": "consu",
                    "is_storable": True,
                    "list_price": price,
                    "standard_price": price / 2,
                }
            )
            for key, name, price in (("vaccine", "Vaccine", 40.0), ("gloves", "Gloves", 8.0))
        }
        for (site, product), quantity in cls.STOCK.items():
            env["stock.quant"]._update_available_quantity(
                cls.products[product], cls.sites[site].lot_stock_id, quantity
            )
        cls.sales_user = new_test_user(
            env,
            login="alloc_sales",
            groups="sales_team.group_sale_salesman_all_leads,"
            "distribution_orchestration.group_orchestration_user,"
            "distribution_orchestration.group_orchestration_all_sites",
        )

    def readme_order(self, reverse=False):
        lines = [("vaccine", 5), ("gloves", 8)]
        if reverse:
            lines.reverse()
        return (
            self.env["sale.order"]
            .with_user(self.sales_user)
            .create(
                {
                    "partner_id": self.customer.id,
                    "warehouse_id": self.sites["RTM"].id,
                    "order_line": [
                        (0, 0, {"product_id": self.products[key].id, "product_uom_qty": qty})
                        for key, qty in lines
                    ],
                }
            )
        )

    def sourcing(self, order):
        key_of = {site: key for key, site in self.sites.items()}
        result = {}
        for key, product in self.products.items():
            allocations = order.distribution_allocation_ids.filtered(
                lambda a, p=product: a.product_id == p
            ).sorted("sequence")
            result[key] = [(key_of[a.warehouse_id], a.quantity) for a in allocations]
        return result


@tagged("post_install", "-at_install")
class TestAllocationPolicies(ThreeSiteNetwork, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_three_sites()

    def test_distances_are_each_sites_own(self):
        """Distinct sites, distinct distances; the company's address did not move."""
        distances = {
            key: round(
                haversine_km(
                    self.customer.partner_latitude,
                    self.customer.partner_longitude,
                    site.distribution_latitude,
                    site.distribution_longitude,
                ),
                1,
            )
            for key, site in self.sites.items()
        }
        self.assertEqual(distances, {"AMS": 34.2, "RTM": 47.8, "EIN": 76.1})
        self.assertEqual(len(self.sites["AMS"] | self.sites["RTM"] | self.sites["EIN"]), 3)
        self.assertEqual(
            {site.partner_id for site in self.sites.values()},
            {self.company.partner_id},
            "the sites share the company's address record, and that is fine",
        )
        self.assertNotEqual(self.company.partner_id.partner_latitude, 51.4416)

    def test_each_policy_sources_as_the_readme_says_with_reasons_in_the_log(self):
        # released in batches: allocated orders wait, so every policy sees the same stock
        self.company.distribution_release_mode = "batch"
        for policy, expected in README_SOURCING.items():
            with self.subTest(policy=policy):
                self.company.distribution_allocation_policy = policy
                order = self.readme_order()
                order.action_confirm()
                entry = order.distribution_log_ids.filtered(lambda e: e.event == "allocate")
                self.assertEqual(len(entry), 1, order.distribution_hold_ids.mapped("explanation"))
                self.assertEqual(order.distribution_state, "allocated")
                self.assertEqual(self.sourcing(order), expected)
                message = entry.message
                self.assertIn(README_REASONS[policy], message)
                self.assertIn("Amsterdam DC: 34.2 km (great-circle)", message)
                self.assertIn("Eindhoven DC: 76.1 km (great-circle)", message)
                # every line's reason is in the log, not only on the allocation lines
                self.assertIn("\nVaccine: ", message)
                self.assertIn("\nGloves: ", message)
                for allocation in order.distribution_allocation_ids:
                    for sentence in allocation.explanation.split("\n"):
                        self.assertIn(sentence, message)
                inputs = json.loads(entry.inputs)
                self.assertEqual(inputs["policy"], policy)
                by_name = {site["name"]: site for site in inputs["sites"]}
                self.assertEqual(by_name["Rotterdam DC"]["distance_km"], 47.8)
                self.assertTrue(by_name["Rotterdam DC"]["home"])
                self.assertEqual(entry.result, "failed" if policy == "ship_complete" else "passed")

    def test_nearest_first_log_names_the_split(self):
        self.company.distribution_allocation_policy = "nearest_first"
        order = self.readme_order()
        order.action_confirm()
        message = order.distribution_log_ids.filtered(lambda e: e.event == "allocate").message
        self.assertIn(
            "Vaccine: Split nearest first: 3 from Amsterdam DC (34.2 km (great-circle), all it "
            "has), 2 from Rotterdam DC (47.8 km (great-circle)).",
            message,
        )
        self.assertEqual(order.distribution_state, "released")
        self.assertEqual(
            order.picking_ids.picking_type_id.warehouse_id,
            self.sites["AMS"] | self.sites["RTM"],
            "one delivery per shipping site",
        )
        self.assertEqual(len(order.picking_ids), 2)

    def test_company_limits(self):
        self.company.write(
            {"distribution_allocation_policy": "nearest_first", "distribution_min_split_qty": 3}
        )
        order = self.readme_order()
        order.action_confirm()
        self.assertEqual(
            self.sourcing(order), {"vaccine": [("EIN", 5.0)], "gloves": [("AMS", 8.0)]}
        )
        self.assertIn(
            "at least 3 per split part",
            order.distribution_log_ids.filtered(lambda e: e.event == "allocate").message,
        )

    def test_same_input_in_another_order_gives_the_same_sourcing(self):
        """Lines entered the other way round, warehouses given in the reverse order."""
        warehouses = self.env["stock.warehouse"].search([("company_id", "=", self.company.id)])
        for policy, expected in README_SOURCING.items():
            with self.subTest(policy=policy):
                self.company.distribution_allocation_policy = policy
                # the pipeline's own step, as the pipeline runs it
                first = governed(self.readme_order().sudo())
                second = governed(self.readme_order(reverse=True).sudo())
                # allocation alone (no release): both see the same stock
                first._distribution_allocate(warehouses=warehouses)
                second._distribution_allocate(warehouses=warehouses.sorted("id", reverse=True))
                self.assertEqual(self.sourcing(first), self.sourcing(second))
                self.assertEqual(self.sourcing(first), expected)

    def test_warehouse_without_location_ranks_last_and_says_why(self):
        nowhere = self.env["stock.warehouse"].create({"name": "Unplaced DC", "code": "TUNP"})
        self.assertFalse(nowhere.distribution_has_location)
        self.env["stock.quant"]._update_available_quantity(
            self.products["vaccine"], nowhere.lot_stock_id, 100
        )
        self.company.distribution_allocation_policy = "nearest_with_stock"
        order = self.readme_order()
        order.action_confirm()
        self.assertEqual(self.sourcing(order)["vaccine"], [("EIN", 5.0)])
        entry = order.distribution_log_ids.filtered(lambda e: e.event == "allocate")
        site = next(s for s in json.loads(entry.inputs)["sites"] if s["name"] == "Unplaced DC")
        self.assertEqual(
            (site["distance_km"], site["distance_from"]),
            (None, "no location set on the warehouse"),
        )
        # the ranking lists it after every located site (when it is among the first shown)
        ranking = entry.message.split("\n")[1]
        self.assertLess(ranking.index("Eindhoven DC"), ranking.index("distance unknown"))
        if "Unplaced DC" in ranking:
            self.assertIn(
                "Unplaced DC: distance unknown: no location set on the warehouse, ranked last",
                ranking,
            )

    def test_customer_without_location(self):
        self.customer.write({"partner_latitude": 0.0, "partner_longitude": 0.0})
        order = self.readme_order()
        order.action_confirm()
        message = order.distribution_log_ids.filtered(lambda e: e.event == "allocate").message
        self.assertIn("distance unknown: the delivery address has no location", message)


@tagged("post_install", "-at_install")
class TestTransitTable(ThreeSiteNetwork, TransactionCase):
    """A transit table row replaces the great-circle distance for its delivery zone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_three_sites()
        cls.netherlands = cls.env.ref("base.nl")
        cls.customer.write({"country_id": cls.netherlands.id, "zip": "3511 AB"})
        cls.company.distribution_allocation_policy = "nearest_first"
        cls.manager = new_test_user(
            cls.env,
            login="alloc_manager",
            groups="distribution_orchestration.group_orchestration_manager",
        )
        Rule = cls.env["distribution.transit.rule"].with_user(cls.manager)
        cls.rules = Rule.create(
            [
                # Eindhoven reaches Utrecht's 35xx postcodes by motorway in 20 km (fiction)
                {
                    "warehouse_id": cls.sites["EIN"].id,
                    "country_id": cls.netherlands.id,
                    "zip_prefix": "35",
                    "distance_km": 20.0,
                    "lead_time_days": 1.0,
                },
                # a whole-country row is less specific: it does not apply to Eindhoven
                {
                    "warehouse_id": cls.sites["EIN"].id,
                    "country_id": cls.netherlands.id,
                    "distance_km": 150.0,
                },
                {
                    "warehouse_id": cls.sites["AMS"].id,
                    "country_id": cls.netherlands.id,
                    "distance_km": 90.0,
                },
            ]
        )

    def test_matching_row_overrides_the_great_circle_distance(self):
        order = self.readme_order()
        order.action_confirm()
        # Eindhoven (20 km by the table) is now nearest and has all the vaccines
        self.assertEqual(
            self.sourcing(order), {"vaccine": [("EIN", 5.0)], "gloves": [("RTM", 8.0)]}
        )
        message = order.distribution_log_ids.filtered(lambda e: e.event == "allocate").message
        self.assertIn(
            "1. Eindhoven DC: 20.0 km (transit table (TEIN → NL / 35, 1 day(s) in transit))",
            message,
        )
        self.assertIn("2. Rotterdam DC: 47.8 km (great-circle)", message)
        self.assertIn("3. Amsterdam DC: 90.0 km (transit table (TAMS → NL", message)

    def test_rows_of_another_zone_do_not_apply(self):
        self.customer.write({"country_id": self.env.ref("base.be").id, "zip": "3500"})
        order = self.readme_order()
        order.action_confirm()
        self.assertEqual(
            self.sourcing(order),
            {"vaccine": [("AMS", 3.0), ("RTM", 2.0)], "gloves": [("AMS", 8.0)]},
        )

    def test_only_administrators_maintain_the_table(self):
        rows = self.rules.with_user(self.sales_user)
        self.assertEqual(rows.mapped("distance_km"), [20.0, 150.0, 90.0], "users read it")
        with self.assertRaises(AccessError):
            rows[0].write({"distance_km": 1.0})
        with self.assertRaises(AccessError):
            self.env["distribution.transit.rule"].with_user(self.sales_user).create(
                {
                    "warehouse_id": self.sites["RTM"].id,
                    "country_id": self.netherlands.id,
                    "distance_km": 1.0,
                }
            )
        self.assertEqual(self.rules[0].distance_km, 20.0)
        with self.assertRaises(ValidationError):
            self.rules[0].with_user(self.manager).distance_km = -5.0


@tagged("post_install", "-at_install")
class TestWarehouseLocation(TransactionCase):
    def test_coordinates_belong_to_the_warehouse(self):
        Warehouse = self.env["stock.warehouse"]
        company_partner = self.env.company.partner_id
        before = (company_partner.partner_latitude, company_partner.partner_longitude)
        first = Warehouse.create(
            {
                "name": "Loc A",
                "code": "LOCA",
                "distribution_latitude": 45.0,
                "distribution_longitude": 7.0,
            }
        )
        second = Warehouse.create({"name": "Loc B", "code": "LOCB"})
        second.write({"distribution_latitude": 0.0, "distribution_longitude": 9.5})
        self.assertEqual(first._distribution_location(), (45.0, 7.0))
        self.assertTrue(second.distribution_has_location, "writing a coordinate sets it")
        self.assertEqual(second._distribution_location(), (0.0, 9.5), "0.0 is a coordinate")
        self.assertEqual(
            (company_partner.partner_latitude, company_partner.partner_longitude), before
        )
        second.distribution_has_location = False
        self.assertIsNone(second._distribution_location())

    def test_bad_coordinates_are_refused(self):
        with self.assertRaisesRegex(Exception, "invalid coordinates"):
            self.env["stock.warehouse"].create(
                {"name": "Loc C", "code": "LOCC", "distribution_latitude": 91.0}
            )

    def test_form_warns_and_sets_the_location(self):
        with Form(self.env["stock.warehouse"]) as form:
            form.name = "Loc D"
            form.code = "LOCD"
            self.assertFalse(form.distribution_has_location)
            form.distribution_latitude = 48.85
            form.distribution_longitude = 2.35
            self.assertTrue(form.distribution_has_location)
        arch = self.env["stock.warehouse"].get_view(view_type="form")["arch"]
        self.assertIn("This warehouse has no location", arch)
