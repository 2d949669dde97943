from odoo.tests import HttpCase, TransactionCase, new_test_user


class DistributionNetworkMixin:
    """Two sites 300 km apart, a customer next to the first, stocked products."""

    @classmethod
    def setup_distribution_network(cls):
        env = cls.env
        cls.company = env.company
        cls.company.write(
            {
                "distribution_pipeline_enabled": True,
                "distribution_allocation_policy": "home_then_nearest",
                "distribution_allow_split": True,
                "distribution_release_mode": "immediate",
            }
        )
        env["distribution.check"]._create_defaults(cls.company)
        cls.checks = env["distribution.check"].search([("company_id", "=", cls.company.id)])
        # neutral defaults for tests: each test enables what it exercises
        cls.checks.filtered(lambda c: c.code in ("required_data", "min_margin")).active = False
        Warehouse = env["stock.warehouse"]
        # each site has its own location (not the company's address record they share)
        cls.wh_north = Warehouse.create(
            {
                "name": "Test North",
                "code": "TNO",
                "distribution_latitude": 52.0,
                "distribution_longitude": 5.0,
            }
        )
        cls.wh_south = Warehouse.create(
            {
                "name": "Test South",
                "code": "TSO",
                "distribution_latitude": 49.5,
                "distribution_longitude": 5.0,
            }
        )
        cls.customer = env["res.partner"].create(
            {
                "name": "Test Pharmacy",
                "street": "1 Main Street",
                "city": "Utrecht",
                "partner_latitude": 52.1,
                "partner_longitude": 5.1,
                "distribution_home_warehouse_id": cls.wh_north.id,
                "credit_limit": 1_000_000.0,
            }
        )
        cls.product = env["product.product"].create(
            {
                "name": "Test Vaccine",
                "is_storable": True,
                "type": "consu",
                "list_price": 100.0,
                "standard_price": 60.0,
            }
        )
        cls.product_b = env["product.product"].create(
            {
                "name": "Test Gloves",
                "is_storable": True,
                "type": "consu",
                "list_price": 10.0,
                "standard_price": 5.0,
            }
        )
        cls.service = env["product.product"].create(
            {
                "name": "Test Handling Fee",
                "type": "service",
                "list_price": 15.0,
            }
        )
        Quant = env["stock.quant"]
        Quant._update_available_quantity(cls.product, cls.wh_north.lot_stock_id, 6)
        Quant._update_available_quantity(cls.product, cls.wh_south.lot_stock_id, 10)
        Quant._update_available_quantity(cls.product_b, cls.wh_north.lot_stock_id, 100)
        cls.sales_user = new_test_user(
            env,
            login="dist_sales",
            groups="sales_team.group_sale_salesman_all_leads,"
            "distribution_orchestration.group_orchestration_user,"
            "distribution_orchestration.group_orchestration_all_sites",
        )
        cls.credit_user = new_test_user(
            env,
            login="dist_credit",
            groups="sales_team.group_sale_salesman_all_leads,"
            "distribution_orchestration.group_orchestration_credit,"
            "distribution_orchestration.group_orchestration_all_sites",
        )
        cls.manager = new_test_user(
            env,
            login="dist_manager",
            groups="sales_team.group_sale_manager,"
            "distribution_orchestration.group_orchestration_manager",
        )

    def make_order(self, lines, partner=None, user=None, **values):
        """A draft order as a sales user would create it: lines are (product, qty[, price])."""
        order_lines = []
        for line in lines:
            product, quantity = line[0], line[1]
            vals = {"product_id": product.id, "product_uom_qty": quantity}
            if len(line) > 2:
                vals["price_unit"] = line[2]
            order_lines.append((0, 0, vals))
        env = self.env(user=user or self.sales_user)
        return env["sale.order"].create(
            {
                "partner_id": (partner or self.customer).id,
                "warehouse_id": self.wh_north.id,
                "order_line": order_lines,
                **values,
            }
        )

    def check(self, code):
        return self.checks.filtered(lambda c: c.code == code)


class DistributionCase(DistributionNetworkMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_distribution_network()


class DistributionHttpCase(DistributionNetworkMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_distribution_network()
