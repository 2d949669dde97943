from odoo import api, fields, models

from ..engine import checks as engine_checks

CHECK_CODES = [
    ("credit_limit", "Credit exposure"),
    ("customer_hold", "Customer on hold / blocked"),
    ("required_data", "Required data"),
    ("min_margin", "Minimum margin"),
    ("price_floor", "Price below floor"),
    ("quantity_anomaly", "Quantity anomaly"),
    ("stock_availability", "Stock availability across the network"),
]


class DistributionCheck(models.Model):
    """A configured order check: which check, in which order, with which parameters,
    for which company (and optionally which site), resolved by which group."""

    _name = "distribution.check"
    _description = "Order Check"
    _order = "company_id, sequence, id"

    name = fields.Char(compute="_compute_name", store=True)
    code = fields.Selection(CHECK_CODES, required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="Site",
        domain="[('company_id', '=', company_id)]",
        help="Empty: every site of the company. A site-specific check replaces the "
        "company-wide check of the same kind for that site's orders.",
    )
    resolver_group_id = fields.Many2one(
        "res.groups",
        string="Resolved By",
        required=True,
        default=lambda self: self.env.ref("distribution_orchestration.group_orchestration_credit"),
    )
    due_hours = fields.Float(
        string="Resolve Within (hours)", default=24.0, help="Due time of the holds it raises."
    )
    # parameters (each check reads the ones it needs)
    tolerance_pct = fields.Float(
        string="Tolerance (%)",
        help="Credit: exposure may exceed the limit by this share. Price floor: a price "
        "may be this far below the floor.",
    )
    min_margin_pct = fields.Float(string="Minimum Margin (%)", default=10.0)
    anomaly_factor = fields.Float(default=3.0)
    anomaly_min_history = fields.Integer(string="Minimum History (orders)", default=3)
    anomaly_min_quantity = fields.Float(string="Never Flag Up To (quantity)")
    anomaly_history_days = fields.Integer(string="History (days)", default=365)
    include_incoming = fields.Boolean(string="Count Incoming Receipts", default=True)
    require_delivery_address = fields.Boolean(default=True)
    require_incoterm = fields.Boolean(default=False)
    require_payment_term = fields.Boolean(default=True)
    require_customer_reference = fields.Boolean(
        default=True, help="Only for customers who require their reference."
    )

    _code_site_unique = models.Constraint(
        "UNIQUE NULLS NOT DISTINCT (company_id, warehouse_id, code)",
        "A check of each kind per company and site.",
    )

    @api.depends("code", "warehouse_id")
    def _compute_name(self):
        labels = dict(self._fields["code"]._description_selection(self.env))
        for check in self:
            label = labels.get(check.code, check.code or "")
            check.name = f"{label} ({check.warehouse_id.code})" if check.warehouse_id else label

    def _engine_params(self):
        """The engine's parameter object of this check."""
        self.ensure_one()
        build = {
            "credit_limit": lambda: engine_checks.CreditParams(tolerance_pct=self.tolerance_pct),
            "customer_hold": engine_checks.CustomerHoldParams,
            "required_data": lambda: engine_checks.RequiredDataParams(
                require_delivery_address=self.require_delivery_address,
                require_incoterm=self.require_incoterm,
                require_payment_term=self.require_payment_term,
                require_customer_reference=self.require_customer_reference,
            ),
            "min_margin": lambda: engine_checks.MarginParams(min_margin_pct=self.min_margin_pct),
            "price_floor": lambda: engine_checks.PriceFloorParams(tolerance_pct=self.tolerance_pct),
            "quantity_anomaly": lambda: engine_checks.QuantityAnomalyParams(
                factor=self.anomaly_factor,
                min_history=self.anomaly_min_history,
                min_quantity=self.anomaly_min_quantity,
            ),
            "stock_availability": lambda: engine_checks.StockAvailabilityParams(
                include_incoming=self.include_incoming
            ),
        }
        return build[self.code]()

    @api.model
    def _effective_checks(self, orders):
        """{order id: checks in order}: the company's checks, site checks replacing them."""
        checks = self.search([("company_id", "in", orders.company_id.ids)])
        result = {}
        for order in orders:
            by_code = {}
            for check in checks:
                if check.company_id != order.company_id:
                    continue
                if check.warehouse_id and check.warehouse_id != order.warehouse_id:
                    continue
                if check.code not in by_code or check.warehouse_id:
                    by_code[check.code] = check
            result[order.id] = sorted(by_code.values(), key=lambda c: (c.sequence, c.id))
        return result

    @api.model
    def _create_defaults(self, companies):
        """The standard set of checks for companies that have none."""
        configured = set(
            self.with_context(active_test=False)
            .search([("company_id", "in", companies.ids)])
            .company_id.ids
        )
        credit = self.env.ref("distribution_orchestration.group_orchestration_credit")
        manager = self.env.ref("distribution_orchestration.group_orchestration_manager")
        resolver = {
            "credit_limit": credit,
            "customer_hold": credit,
            "required_data": self.env.ref("distribution_orchestration.group_orchestration_user"),
            "min_margin": manager,
            "price_floor": manager,
            "quantity_anomaly": credit,
            "stock_availability": manager,
        }
        self.create(
            [
                {
                    "company_id": company.id,
                    "code": code,
                    "sequence": 10 * (index + 1),
                    "resolver_group_id": resolver[code].id,
                }
                for company in companies
                if company.id not in configured
                for index, (code, _label) in enumerate(CHECK_CODES)
            ]
        )
