from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from ..engine import coldchain_states, history_pipeline
from ..engine import plan as demo_plan
from ..models.demo_network import BATCH

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
            "holds": self.env["distribution.hold"].search_count([]),
            "pipeline_log": self.env["distribution.log"].search_count([]),
            "allocations": self.env["distribution.allocation"].search_count([]),
            "governance_log": self.env["distribution.partner.log"].search_count([]),
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

    def _history(self):
        orders = self.env["sale.order"].search([("client_order_ref", "=like", "DN-SO-%")])
        planned = {o.key: o for o in self.plan.sale_orders()}
        return orders, planned

    def test_history_went_through_the_governed_pipeline(self):
        orders, planned = self._history()
        sales = self.env["res.users"].search([("login", "=", "sales")])
        fate = {o: planned[o.client_order_ref].state for o in orders}
        quotations = orders.filtered(lambda o: fate[o] == "quotation")
        submitted = orders - quotations
        self.assertEqual(quotations.mapped("distribution_state"), ["draft"] * len(quotations))
        self.assertFalse(quotations.distribution_log_ids)
        self.assertEqual(submitted.distribution_submitted_by_id, sales)
        went_on = submitted.filtered(lambda o: fate[o] in ("done", "open"))
        self.assertTrue(went_on)
        for order in went_on:
            events = set(order.distribution_log_ids.mapped("event"))
            self.assertLessEqual({"submit", "check", "allocate", "release"}, events, order.name)
            self.assertEqual(order.distribution_stage, "released", order.name)
            self.assertTrue(order.distribution_allocation_ids, order.name)
            # shipped from where the pipeline allocated it (what it could not: the
            # order's own warehouse, as a backorder)
            sites = order.distribution_allocation_ids.warehouse_id | order.warehouse_id
            self.assertLessEqual(order.picking_ids.picking_type_id.warehouse_id, sites)
        shipped = went_on.filtered(lambda o: fate[o] == "done")
        self.assertEqual(set(shipped.mapped("distribution_state")), {"shipped"})
        self.assertEqual(
            set(went_on.filtered(lambda o: fate[o] == "open").mapped("distribution_state"))
            - {"released"},
            set(),
        )
        cancelled = submitted.filtered(lambda o: fate[o] == "cancelled")
        self.assertEqual(set(cancelled.mapped("distribution_state")), {"cancelled"})

    def test_credit_control_decided_the_history_holds(self):
        orders, planned = self._history()
        credit = self.env["res.users"].search([("login", "=", "credit")])
        admin = self.env.ref("base.user_admin")
        holds = orders.distribution_hold_ids
        self.assertFalse(holds.filtered(lambda h: h.state == "open"), "every hold decided")
        released = holds.filtered(lambda h: h.state == "released")
        rejected = holds.filtered(lambda h: h.state == "rejected")
        by_credit = holds.filtered(lambda h: h.resolved_by_id == credit)
        self.assertTrue(by_credit & released, "some holds released by credit control")
        self.assertTrue(by_credit & rejected, "some rejected")
        # credit control decides what it may; the administrator what only an
        # orchestration administrator may (stock not available across the network)
        self.assertLessEqual((released | rejected).resolved_by_id, credit | admin)
        for hold in holds - by_credit:
            self.assertNotIn(hold.responsible_group_id, credit.all_group_ids, hold.name)
        for hold in released | rejected:
            fate = planned[hold.order_id.client_order_ref].state
            self.assertTrue(hold.explanation.strip())
            self.assertTrue(hold.resolution_note.strip())
            if hold.state == "rejected":
                self.assertEqual(fate, "cancelled", hold.name)
                self.assertEqual(hold.order_id.state, "cancel")
            else:
                self.assertIn(fate, ("done", "open"), hold.name)
                self.assertEqual(hold.order_id.state, "sale")
        # the orders that came in while credit control had their customer on hold
        history = history_pipeline.HistoryPipeline(self.plan, BATCH)
        spelled = orders.filtered(lambda o: history.spell_of(planned[o.client_order_ref]))
        self.assertTrue(spelled)
        for order in spelled:
            spell = history.spell_of(planned[order.client_order_ref])
            hold = order.distribution_hold_ids.filtered(lambda h: h.check_code == "customer_hold")
            self.assertEqual(len(hold), 1, order.name)
            self.assertIn(spell.note, hold.explanation)
        customers = self.env["res.partner"].search([("ref", "=like", "DN-C%")])
        self.assertFalse(customers.filtered("distribution_on_hold"), "all taken off hold")
        log = customers.distribution_partner_log_ids.filtered(
            lambda e: e.field_name == "distribution_on_hold"
        )
        self.assertEqual(log.user_id, credit)
        spells = {history.spell_of(planned[o.client_order_ref]) for o in spelled}
        self.assertEqual(len(log), 2 * len(spells), "put on hold and taken off, per spell")

    def test_history_holds_are_backdated_with_their_orders(self):
        orders, planned = self._history()
        history = history_pipeline.HistoryPipeline(self.plan, BATCH)
        now = fields.Datetime.now()
        for hold in orders.distribution_hold_ids:
            order = hold.order_id
            item = planned[order.client_order_ref]
            self.assertEqual(hold.create_date, order.date_order, hold.name)
            hours = (hold.resolved_at - hold.create_date).total_seconds() / 3600
            self.assertAlmostEqual(hours, history.decided_after_hours(item), places=2)
            self.assertLess(hold.resolved_at, now)
            self.assertEqual(
                hold.due_at - hold.create_date, timedelta(hours=hold.check_id.due_hours)
            )
            if item.state == "done":
                done = order.picking_ids.filtered(lambda p: p.state == "done")
                first_shipped = min(done.mapped("date_done"))
                self.assertLess(hold.resolved_at, first_shipped, hold.name)
        for order in orders.filtered("distribution_log_ids"):
            log = order.distribution_log_ids
            self.assertEqual(min(log.mapped("create_date")), order.date_order)
            self.assertLess(max(log.mapped("create_date")), now)
        credit_log = orders.partner_id.distribution_partner_log_ids.filtered(
            lambda e: e.field_name == "distribution_on_hold"
        )
        self.assertLess(max(credit_log.mapped("create_date")), now)

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
