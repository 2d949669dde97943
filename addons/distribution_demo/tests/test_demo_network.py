from odoo.tests import TransactionCase, tagged

from ..engine import coldchain_states
from ..engine import plan as demo_plan

SCALE = 0.02  # 6 products, 1 customer, 40 sale orders, 8 purchase orders


@tagged("post_install", "-at_install")
class TestDemoNetwork(TransactionCase):
    """The loader builds the planned network through Odoo's flows, once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan = demo_plan.Plan(SCALE)
        cls.env["distribution.demo.network"].load_all(SCALE)

    def _counts(self):
        return {
            "warehouses": self.env["stock.warehouse"].search_count(
                [("code", "in", [w.code for w in demo_plan.WAREHOUSES])]
            ),
            "products": self.env["product.product"].search_count(
                [("default_code", "=like", "DN-%")]
            ),
            "partners": self.env["res.partner"].search_count([("ref", "=like", "DN-%")]),
            "sale_orders": self.env["sale.order"].search_count(
                [("client_order_ref", "=like", "DN-SO-%")]
            ),
            "purchase_orders": self.env["purchase.order"].search_count(
                [("partner_ref", "=like", "DN-PO-%")]
            ),
            "quants": self.env["stock.quant"].search_count(
                [("product_id.default_code", "=like", "DN-%")]
            ),
            "pickings": self.env["stock.picking"].search_count([]),
            "gateways": self.env["coldchain.gateway"].search_count([]),
            "sensors": self.env["coldchain.sensor"].search_count([]),
            "calibrations": self.env["coldchain.calibration"].search_count([]),
            "rule_versions": self.env["distribution.rule.version"].search_count([])
            if "distribution.rule.version" in self.env
            else 0,
        }

    def test_network_matches_the_plan(self):
        sizes = self.plan.sizes
        counts = self._counts()
        self.assertEqual(counts["warehouses"], 5)
        self.assertEqual(counts["products"], sizes.products)
        self.assertEqual(counts["partners"], sizes.customers + sizes.vendors)
        self.assertEqual(counts["sale_orders"], sizes.sale_orders)
        with_lines = sum(1 for po in self.plan.purchase_orders() if po.lines)
        self.assertEqual(counts["purchase_orders"], with_lines)

    def test_loading_again_creates_nothing(self):
        before = self._counts()
        self.env["distribution.demo.network"].load_all(SCALE)
        self.assertEqual(self._counts(), before)

    def test_no_two_sites_share_a_location(self):
        warehouses = self.env["stock.warehouse"].search(
            [("code", "in", [w.code for w in demo_plan.WAREHOUSES])]
        )
        locations = [w._distribution_location() for w in warehouses]
        self.assertEqual(len(warehouses), 5)
        self.assertNotIn(None, locations, "every site has its location")
        self.assertEqual(len(set(locations)), 5, "no two sites share a location")
        self.assertEqual(len(warehouses.partner_id), 5, "each site has its own address")
        self.assertNotIn(self.env.company.partner_id, warehouses.partner_id)
        by_code = {w.code: w for w in warehouses}
        for site in demo_plan.WAREHOUSES:
            self.assertEqual(
                by_code[site.code]._distribution_location(), (site.latitude, site.longitude)
            )
            self.assertEqual(by_code[site.code].partner_id.city, site.city)

    def test_customers_live_at_their_own_places_near_their_home_site(self):
        customers = self.env["res.partner"].search([("ref", "=like", "DN-C%")])
        planned = {p.key: p for p in self.plan.customers()}
        self.assertEqual(len(customers), len(planned))
        for customer in customers:
            plan = planned[customer.ref]
            self.assertEqual(
                (customer.city, customer.partner_latitude, customer.partner_longitude),
                (plan.city, plan.latitude, plan.longitude),
            )
            self.assertEqual(customer.distribution_home_warehouse_id.code, plan.home_warehouse)

    def test_cold_sites_have_chilled_and_frozen_zones(self):
        for site in demo_plan.WAREHOUSES:
            warehouse = self.env["stock.warehouse"].search([("code", "=", site.code)])
            zones = self.env["stock.location"].search(
                [
                    ("location_id", "=", warehouse.lot_stock_id.id),
                    ("barcode", "=like", f"{site.code}-%"),
                ]
            )
            self.assertEqual(
                sorted(zones.mapped("barcode")),
                sorted(f"{site.code}-{zone.key}" for zone in site.cold_zones),
            )

    def test_cold_sites_are_monitored(self):
        recalibrated = {c.sensor for c in coldchain_states.CALIBRATIONS}
        for site in demo_plan.WAREHOUSES:
            warehouse = self.env["stock.warehouse"].search([("code", "=", site.code)])
            gateways = self.env["coldchain.gateway"].search([("warehouse_id", "=", warehouse.id)])
            if not site.cold_zones:
                self.assertFalse(gateways)
                continue
            self.assertEqual(gateways.mapped("code"), [f"{site.code}-GW1"])
            self.assertTrue(warehouse.coldchain_tier_id)
            self.assertEqual(
                warehouse.coldchain_oncall_partner_ids.user_ids.mapped("login"), ["warehouse"]
            )
            # the warehouse operator works at the cold sites (and sees them)
            self.assertIn(
                warehouse, warehouse.coldchain_oncall_partner_ids.user_ids.coldchain_warehouse_ids
            )
            for zone in site.cold_zones:
                location = self.env["stock.location"].search(
                    [("barcode", "=", f"{site.code}-{zone.key}")]
                )
                self.assertEqual(
                    (
                        location.coldchain_profile_id.temp_min,
                        location.coldchain_profile_id.temp_max,
                    ),
                    (zone.min_c, zone.max_c),
                )
                codes = sorted(location.coldchain_sensor_ids.mapped("code"))
                expected = [f"{location.barcode}-T1", f"{location.barcode}-T2"]
                if zone.key == "CHILL":
                    expected.insert(0, f"{location.barcode}-D1")
                self.assertEqual(codes, expected)
                temperature = location.coldchain_sensor_ids.filtered(
                    lambda s: s.kind == "temperature"
                )
                # but the probes the coldchain_states stage left due and overdue
                temperature = temperature.filtered(lambda s: s.code not in recalibrated)
                self.assertEqual(set(temperature.mapped("calibration_status")), {"ok"})
        categories = self.env["product.category"].search(
            [("complete_name", "in", ["Pharmaceuticals / Refrigerated", "Food / Frozen"])]
        )
        self.assertEqual(
            sorted(categories.mapped("coldchain_profile_id.code")), ["-25-15C", "2-8C"]
        )

    def test_temperature_controlled_stock_sits_in_cold_zones(self):
        cold_keys = [p.key for p in self.plan.products() if p.zone]
        quants = self.env["stock.quant"].search(
            [("product_id.default_code", "in", cold_keys), ("location_id.usage", "=", "internal")]
        )
        self.assertTrue(quants, "the plan has cold products with stock")
        self.assertFalse(
            quants.filtered(lambda q: q.location_id.barcode is False),
            "cold products are only stocked in CHILL/FREEZE zones",
        )

    def test_history_is_backdated_with_late_deliveries(self):
        orders = self.env["sale.order"].search([("client_order_ref", "=like", "DN-SO-%")])
        ages = {o.client_order_ref: o.date_order for o in orders}
        planned = {o.key: o for o in self.plan.sale_orders()}
        now = max(ages.values())
        oldest = min(ages.values())
        self.assertGreater((now - oldest).days, 90, "history spans months")
        done = self.env["stock.picking"].search(
            [("sale_id", "in", orders.ids), ("state", "=", "done")]
        )
        self.assertTrue(done)
        late = done.filtered(lambda p: p.date_done > p.date_deadline)
        expected_late = {k for k, o in planned.items() if o.state == "done" and o.delay_days > 0}
        self.assertTrue(late, "some deliveries were late")
        self.assertLessEqual(set(late.sale_id.mapped("client_order_ref")), expected_late)
        cancelled = orders.filtered(lambda o: o.state == "cancel").mapped("client_order_ref")
        self.assertEqual(
            sorted(cancelled), sorted(k for k, o in planned.items() if o.state == "cancelled")
        )

    def test_demo_users_log_in_with_their_roles(self):
        users = self.env["res.users"].search([("login", "in", ["sales", "quality", "integration"])])
        self.assertEqual(len(users), 3)
        sales = users.filtered(lambda u: u.login == "sales")
        self.assertTrue(sales.has_group("distribution_orchestration.group_orchestration_user"))
        self.assertFalse(sales.has_group("coldchain_sites.group_coldchain_quality"))
        self.env["res.users"].with_user(sales)._check_credentials(
            {"type": "password", "password": "sales"}, {"interactive": False}
        )

    def test_rule_governance_shows_a_variant_a_proposal_and_the_freeze(self):
        if "distribution.rule.version" not in self.env:
            self.skipTest("distribution_approvals is not installed")
        company = self.env.company
        self.assertTrue(company.distribution_rule_governance)
        rtm = self.env["stock.warehouse"].search([("code", "=", "RTM")])
        variant = self.env["distribution.check"].search(
            [("code", "=", "min_margin"), ("warehouse_id", "=", rtm.id)]
        )
        self.assertTrue(variant.active)
        self.assertEqual(variant.rule_version_id.state, "active")
        governance = self.env["res.users"].search([("login", "=", "governance")])
        self.assertEqual(variant.rule_version_id.approved_by_id, governance)
        waiting = self.env["distribution.rule.version"].search(
            [("state", "=", "draft"), ("rule_name", "=", "Credit exposure")]
        )
        self.assertEqual(len(waiting), 1)
        self.assertTrue(
            self.env["distribution.change.freeze"].search_count([("name", "=", "Month-end close")])
        )
        Report = self.env["distribution.rule.conformance"].with_user(governance)
        Report.action_open_report()
        row = Report.search([("warehouse_id", "=", rtm.id)])
        self.assertEqual((row.field_label, row.status), ("Minimum Margin (%)", "within"))
