"""The governed order pipeline on sale.order (a thin adapter around ``engine/``).

Confirming an order of a company with the pipeline enabled runs:

    lock → validate input → checks (engine.checks) → holds, or
    allocation (engine.allocation) → release (Odoo procurement, one picking per site)

Every step gathers what it needs for all orders at once (``_distribution_*_facts``),
calls the engine with plain data and writes the result back; every decision is
written to the append-only ``distribution.log``.
"""

import json
from collections import defaultdict
from datetime import datetime, time, timedelta

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engine import allocation as engine_allocation
from ..engine import checks as engine_checks
from ..engine import geo as engine_geo
from ..engine import messages as engine_messages
from ..engine import scoring as engine_scoring
from .governance import (
    GROUP_MANAGER,
    GROUP_USER,
    governed,
    governed_action,
    is_governed,
    refuse_protected,
    require_group,
)
from .res_company import ALLOCATION_POLICIES

STAGES = [
    ("draft", "Draft"),
    ("checking", "Checking"),
    ("on_hold", "On Hold"),
    ("allocated", "Allocated"),
    ("released", "Released"),
    ("cancelled", "Cancelled"),
]
STATES = [
    ("draft", "Draft"),
    ("checking", "Checking"),
    ("on_hold", "On Hold"),
    ("allocated", "Allocated"),
    ("released", "Released"),
    ("partially_shipped", "Partially Shipped"),
    ("shipped", "Shipped"),
    ("closed", "Closed"),
    ("cancelled", "Cancelled"),
]


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km (:func:`..engine.geo.great_circle_km`); None when a
    coordinate is None.  0.0 is a coordinate (the equator, Greenwich), not a missing one."""
    if None in (lat1, lon1, lat2, lon2):
        return None
    return engine_geo.great_circle_km((lat1, lon1), (lat2, lon2))


def partner_location(partner):
    """``(latitude, longitude)`` of a contact, or None.  Odoo stores an unset
    coordinate as 0.0, so only the exact point (0.0, 0.0) means "no location"; one
    coordinate at 0.0 is a real place."""
    location = (partner.partner_latitude or 0.0, partner.partner_longitude or 0.0)
    return None if location == (0.0, 0.0) else location


class SaleOrder(models.Model):
    _inherit = "sale.order"

    distribution_stage = fields.Selection(
        STAGES,
        string="Pipeline Stage",
        default="draft",
        required=True,
        copy=False,
        readonly=True,
        index=True,
    )
    distribution_state = fields.Selection(
        STATES,
        string="Orchestration",
        compute="_compute_distribution_state",
        store=True,
        index=True,
        group_expand="_group_expand_distribution_state",
        help="Standard status used at every site: draft → checking → on hold → allocated "
        "→ released → partially shipped → shipped → closed (or cancelled).",
    )
    distribution_customer_status = fields.Char(
        string="Customer Status",
        compute="_compute_distribution_customer_status",
        compute_sudo=True,  # a summary of holds and sites, for every user who sees the order
        help="What to tell the customer about this order.",
    )
    distribution_hold_ids = fields.One2many("distribution.hold", "order_id", string="Holds")
    distribution_open_hold_count = fields.Integer(
        compute="_compute_distribution_open_holds", compute_sudo=True
    )
    distribution_allocation_ids = fields.One2many(
        "distribution.allocation", "order_id", string="Allocation", readonly=True
    )
    distribution_log_ids = fields.One2many("distribution.log", "order_id", string="Decisions")
    distribution_policy_override = fields.Selection(
        ALLOCATION_POLICIES,
        string="Allocation Policy Override",
        copy=False,
        groups="distribution_orchestration.group_orchestration_manager",
        help="Governed: only orchestration administrators set it, and it is logged.",
    )
    distribution_submitted_by_id = fields.Many2one(
        "res.users",
        string="Submitted By",
        readonly=True,
        copy=False,
        help="Who sent the order into the pipeline: they cannot release its holds.",
    )
    distribution_release_score = fields.Float(
        string="Release Priority",
        readonly=True,
        copy=False,
        digits=(6, 2),
        help="0–100: promised date, customer tier, value and margin. Higher goes first.",
    )
    distribution_warehouse_ids = fields.Many2many(
        "stock.warehouse",
        compute="_compute_distribution_warehouses",
        compute_sudo=True,
        string="Shipping Sites",
    )

    # ------------------------------------------------------------------ computes

    @api.model
    def _group_expand_distribution_state(self, states, domain):
        return [key for key, _label in STATES]

    @api.depends("distribution_stage", "state", "picking_ids.state", "invoice_status")
    def _compute_distribution_state(self):
        for order in self:
            stage = order.distribution_stage
            if order.state == "cancel" or stage == "cancelled":
                order.distribution_state = "cancelled"
            elif stage == "released" or (stage == "draft" and order.state == "sale"):
                deliveries = order.picking_ids.filtered(
                    lambda p: p.picking_type_code == "outgoing" and p.state != "cancel"
                )
                done = deliveries.filtered(lambda p: p.state == "done")
                if deliveries and done == deliveries:
                    invoiced = order.invoice_status == "invoiced"
                    order.distribution_state = "closed" if invoiced else "shipped"
                elif done:
                    order.distribution_state = "partially_shipped"
                else:
                    order.distribution_state = "released"
            else:
                order.distribution_state = stage

    @api.depends("distribution_hold_ids.state")
    def _compute_distribution_open_holds(self):
        for order in self:
            order.distribution_open_hold_count = len(
                order.distribution_hold_ids.filtered(lambda h: h.state == "open")
            )

    @api.depends("distribution_allocation_ids.warehouse_id", "picking_ids.picking_type_id")
    def _compute_distribution_warehouses(self):
        for order in self:
            order.distribution_warehouse_ids = (
                order.distribution_allocation_ids.warehouse_id
                or order.picking_ids.picking_type_id.warehouse_id
            )

    @api.depends_context("lang")
    @api.depends("distribution_state", "distribution_hold_ids.state", "distribution_warehouse_ids")
    def _compute_distribution_customer_status(self):
        for order in self:
            state = order.distribution_state
            sites = ", ".join(order.distribution_warehouse_ids.mapped("name"))
            if state == "on_hold":
                holds = order.distribution_hold_ids.filtered(lambda h: h.state == "open")
                due = max(holds.mapped("due_at"), default=False)
                reasons = ", ".join(
                    sorted(
                        set(
                            holds.mapped(
                                lambda h: dict(
                                    h._fields["check_code"]._description_selection(self.env)
                                )[h.check_code]
                            )
                        )
                    )
                )
                text = self.env._("On hold for review (%(reasons)s)", reasons=reasons)
                if due:
                    text += self.env._(
                        "; decision expected by %(due)s", due=fields.Datetime.to_string(due)[:16]
                    )
            elif state == "checking":
                text = self.env._("Being checked")
            elif state == "allocated":
                text = self.env._(
                    "Accepted; stock reserved at %(sites)s, awaiting release", sites=sites
                )
            elif state == "released":
                text = self.env._(
                    "Being prepared at %(sites)s", sites=sites or order.warehouse_id.name
                )
            elif state == "partially_shipped":
                text = self.env._("Partially shipped")
            elif state == "shipped":
                text = self.env._("Shipped")
            elif state == "closed":
                text = self.env._("Shipped and invoiced")
            elif state == "cancelled":
                rejected = order.distribution_hold_ids.filtered(lambda h: h.state == "rejected")
                text = self.env._("Cancelled")
                if rejected:
                    text += ": " + "; ".join(rejected.mapped("resolution_note"))
            else:
                text = self.env._("Quotation")
            order.distribution_customer_status = text

    # ------------------------------------------------------------------ entry points

    # Fields only the pipeline's own steps change (see governance.py).
    _DISTRIBUTION_PROTECTED = (
        "distribution_stage",
        "distribution_release_score",
        "distribution_submitted_by_id",
    )

    def action_confirm(self):
        """Confirming an order of a company with the pipeline enabled submits it.

        Every caller gets this: the web client, JSON-RPC/XML-RPC, EDI, the web shop
        or a payment; there is no context key that skips the pipeline.  Only the
        pipeline's own release step (``_distribution_release``) confirms a governed
        order through Odoo's standard flow."""
        if is_governed(self.env):
            return super().action_confirm()
        governed_orders = self.filtered(lambda o: o.company_id.distribution_pipeline_enabled)
        plain = self - governed_orders
        result = super(SaleOrder, plain).action_confirm() if plain else True
        if governed_orders:
            governed_orders._distribution_submit()
        return result

    def action_distribution_submit(self):
        """The "Submit" button: same as confirming when the pipeline is enabled."""
        return self.action_confirm()

    def action_draft(self):
        """A cancelled order set back to quotation re-enters the pipeline from the start."""
        result = super().action_draft()
        back = self.filtered(lambda o: o.state == "draft" and o.distribution_stage != "draft")
        if back:
            governed(back).write({"distribution_stage": "draft"})
        return result

    def _action_cancel(self):
        result = super()._action_cancel()
        stopped = self.filtered(lambda o: o.distribution_stage not in ("draft", "cancelled"))
        if stopped:
            governed(stopped).write({"distribution_stage": "cancelled"})
        return result

    @governed_action(GROUP_USER)
    def action_distribution_release_batch(self):
        """Release allocated orders now, by priority (button on the list)."""
        orders = self.filtered(lambda o: o.distribution_stage == "allocated")
        if not orders:
            raise UserError(self.env._("None of the selected orders awaits release."))
        orders._distribution_release_batch()
        return True

    @api.model
    def _cron_distribution_release_batch(self):
        orders = self.search(
            [
                ("distribution_stage", "=", "allocated"),
                ("company_id.distribution_release_mode", "=", "batch"),
            ]
        )
        for company in orders.company_id:
            orders.filtered(lambda o, c=company: o.company_id == c)._distribution_release_batch()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # a new order starts as a pipeline draft, whoever creates it
            given = {
                key: value
                for key, value in vals.items()
                if key in self._DISTRIBUTION_PROTECTED and value not in ("draft", 0, 0.0, False)
            }
            refuse_protected(self, given, self._DISTRIBUTION_PROTECTED)
        return super().create(vals_list)

    def write(self, vals):
        refuse_protected(self, vals, self._DISTRIBUTION_PROTECTED)
        if "distribution_policy_override" in vals:
            require_group(
                self.env, [GROUP_MANAGER], self.env._("Overriding an order's allocation policy")
            )
            default = engine_messages.msg("policy_company_default")
            self.env["distribution.log"]._record(
                [
                    {
                        "order": order,
                        "event": "override",
                        "reason": (
                            "policy_override",
                            {
                                "policy": vals["distribution_policy_override"] or default,
                                "old": order.sudo().distribution_policy_override or default,
                            },
                        ),
                        "inputs": {"policy": vals["distribution_policy_override"]},
                    }
                    for order in self
                ]
            )
        result = super().write(vals)
        if "distribution_policy_override" in vals:
            allocated = self.filtered(lambda o: o.distribution_stage == "allocated")
            if allocated:
                governed(allocated)._distribution_allocate()
        return result

    # ------------------------------------------------------------------ pipeline

    def _distribution_lock(self):
        """Row-lock the orders: two users submitting or releasing the same order at
        once cannot both allocate it (the second is told, nothing is half-done)."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM sale_order WHERE id = ANY(%s) FOR UPDATE NOWAIT",
                    [self.ids],
                )
        except pg_errors.LockNotAvailable:
            raise UserError(
                self.env._(
                    "Another user is processing one of these orders right now. Try again in a "
                    "moment."
                )
            ) from None
        self.invalidate_recordset(["distribution_stage", "state"])

    def _distribution_validate_input(self):
        problems = []
        for order in self:
            lines = order.order_line.filtered(lambda line: not line.display_type)
            if order.state not in ("draft", "sent"):
                problems.append(self.env._("%(order)s is already confirmed.", order=order.name))
                continue
            if order.distribution_stage not in ("draft", "on_hold"):
                problems.append(
                    self.env._(
                        "%(order)s is already in the pipeline (%(stage)s).",
                        order=order.name,
                        stage=dict(STAGES)[order.distribution_stage],
                    )
                )
                continue
            if not lines:
                problems.append(self.env._("%(order)s has no lines.", order=order.name))
            for line in lines:
                if line.product_uom_qty <= 0:
                    problems.append(
                        self.env._(
                            "%(order)s: %(product)s has a quantity of %(qty)s; only positive "
                            "quantities can be ordered.",
                            order=order.name,
                            product=line.product_id.display_name,
                            qty=line.product_uom_qty,
                        )
                    )
                if not line.product_id.active:
                    problems.append(
                        self.env._(
                            "%(order)s: %(product)s is archived and cannot be sold.",
                            order=order.name,
                            product=line.product_id.display_name,
                        )
                    )
        if problems:
            raise UserError("\n".join(problems))

    def _distribution_submit(self):
        """Enter the pipeline (from ``action_confirm``): the steps below run as the
        pipeline itself (``governed``), whoever submitted; the submitter is kept so
        they can never resolve their own order's holds."""
        orders = governed(self)
        orders._distribution_lock()
        orders._distribution_validate_input()
        orders.write(
            {"distribution_stage": "checking", "distribution_submitted_by_id": self.env.uid}
        )
        orders.env["distribution.log"]._record(
            [{"order": order, "event": "submit"} for order in orders]
        )
        orders._distribution_run_checks()

    def _distribution_resume(self):
        """After a hold is resolved: cancel on rejection, re-run the checks once no
        hold is open (released checks are waived), then allocate and release."""
        orders = governed(self)  # called by hold resolution only, after its checks
        rejected = orders.filtered(
            lambda o: (
                o.distribution_stage == "on_hold"
                and "rejected" in o.distribution_hold_ids.mapped("state")
            )
        )
        if rejected:
            # sudo: the resolver may lack write access on the order's other holds;
            # closing them follows from the rejection they were allowed to make
            rejected.distribution_hold_ids.filtered(lambda h: h.state == "open").sudo().write(
                {
                    "state": "rejected",
                    "resolved_by_id": orders.env.user.id,
                    "resolved_at": fields.Datetime.now(),
                    "resolution_note": orders.env._("Order rejected for another reason."),
                }
            )
            # sudo: a credit controller may reject an order they cannot cancel
            rejected.sudo().with_context(disable_cancel_warning=True)._action_cancel()
        ready = (orders - rejected).filtered(
            lambda o: o.distribution_stage == "on_hold" and not o.distribution_open_hold_count
        )
        if ready:
            ready = ready.sudo()  # the resolver may not be allowed to confirm orders
            ready._distribution_lock()
            ready.write({"distribution_stage": "checking"})
            ready._distribution_run_checks()

    def _distribution_run_checks(self):
        # sudo: check configuration is readable to the pipeline whoever submits;
        # users of the standard sales groups have no access to distribution.check
        Check = self.env["distribution.check"].sudo()
        checks_by_order = Check._effective_checks(self)
        facts, availability = self._distribution_check_facts(checks_by_order)
        now = fields.Datetime.now()
        holds, log, passed = [], [], self.browse()
        cleared = self.env["distribution.hold"]
        for order in self:
            waived = set(
                order.distribution_hold_ids.filtered(lambda h: h.state == "released").mapped(
                    "check_code"
                )
            )
            configured = {c.id: c for c in checks_by_order[order.id] if c.code not in waived}
            configs = [
                engine_checks.CheckConfig(c.code, c._engine_params(), key=c.id)
                for c in configured.values()
            ]
            results = engine_checks.run_checks(configs, facts[order.id])
            for result in results:
                log.append(
                    {
                        "order": order,
                        "event": "check",
                        "check_code": result.check,
                        "result": "passed" if result.passed else "failed",
                        "reason": (result.reason_code, result.params),
                        "inputs": {"inputs": result.inputs, "details": result.details},
                    }
                )
            failures = engine_checks.failed(results)
            # an order submitted again while on hold: a hold whose check passes now is
            # cleared (its facts changed), one whose check still fails stays as it is
            still_open = order.distribution_hold_ids.filtered(lambda h: h.state == "open")
            failing = {result.check for result in failures}
            cleared |= still_open.filtered(lambda h, f=failing: h.check_code not in f)
            kept = set(still_open.mapped("check_code")) & failing
            if not failures:
                passed |= order
                continue
            for result in failures:
                if result.check in kept:
                    continue
                check = configured[result.config_key]
                holds.append(
                    {
                        "order_id": order.id,
                        "check_id": check.id,
                        "check_code": result.check,
                        "reason_code": result.reason_code,
                        "reason_params": result.params,
                        "explanation_text": result.explanation,
                        "inputs": json.dumps(
                            {"inputs": result.inputs, "details": result.details},
                            sort_keys=True,
                            default=str,
                        ),
                        "responsible_group_id": check.resolver_group_id.id,
                        "due_at": now + timedelta(hours=check.due_hours),
                    }
                )
                log.append(
                    {
                        "order": order,
                        "event": "hold",
                        "check_code": result.check,
                        "result": "failed",
                        "reason": (
                            "hold_for_group",
                            {
                                "group": check.resolver_group_id.full_name,
                                "why": {"msg": result.reason_code, "params": result.params},
                            },
                        ),
                    }
                )
        if cleared:
            cleared._clear_on_resubmission()
        self.env["distribution.hold"].sudo().create(holds)
        self.env["distribution.log"]._record(log)
        (self - passed).write({"distribution_stage": "on_hold"})
        if passed:
            passed._distribution_compute_scores()
            # the stock gathered for the checks serves the allocation too
            passed._distribution_allocate(availability=availability)
            immediate = passed.filtered(
                lambda o: o.company_id.distribution_release_mode == "immediate"
            )
            if immediate:
                immediate._distribution_release()

    # ------------------------------------------------------------------ gathering

    def _distribution_goods_lines(self):
        return self.order_line.filtered(
            lambda line: (
                not line.display_type
                and line.product_id.type == "consu"
                and line.product_id.is_storable
            )
        )

    def _distribution_promised(self):
        self.ensure_one()
        return self.commitment_date or self.expected_date or fields.Datetime.now()

    def _distribution_stock_lines(self):
        """{order id: [engine OrderLine]}: storable lines in the product's unit."""
        result = defaultdict(list)
        for line in self._distribution_goods_lines():
            quantity = line.product_uom_id._compute_quantity(
                line.product_uom_qty, line.product_id.uom_id, round=False
            )
            result[line.order_id.id].append(
                engine_allocation.OrderLine(
                    line_id=line.id,
                    product_id=line.product_id.id,
                    quantity=quantity,
                    date=line.order_id._distribution_promised(),
                    label=line.product_id.display_name,
                )
            )
        return result

    def _distribution_availability(self, products, warehouses, horizon):
        """Available to promise (on hand − reserved − quarantined/held/expired lots −
        safety stock, :mod:`..engine.atp`), incoming receipts up to ``horizon`` and
        picking capacity left today, for all ``warehouses``: one grouped query per
        source, whatever the number of orders or sites.  The stock figures come from
        the same SQL view as the inventory status screen (its stock positions: every
        internal location of each warehouse), so the two never disagree."""
        # sudo: stock figures of every site are needed to allocate, whoever submits
        positions = (
            self.env["distribution.inventory.status"]
            .sudo()
            ._stock_positions(products.ids, warehouses.ids)
        )
        stock_positions = [
            engine_allocation.StockPosition(
                warehouse_id=wh,
                product_id=prod,
                on_hand=on_hand,
                reserved=reserved,
                unavailable=unavailable,
                safety_stock=safety,
            )
            for (wh, prod), (on_hand, reserved, unavailable, safety) in positions.items()
        ]
        incoming_groups = (
            self.env["stock.move"]
            .sudo()
            ._read_group(
                [
                    ("product_id", "in", products.ids),
                    ("state", "in", ("waiting", "confirmed", "partially_available", "assigned")),
                    # into the sites' internal locations, as in the stock positions
                    ("location_dest_id", "child_of", warehouses.view_location_id.ids),
                    ("location_dest_id.usage", "=", "internal"),
                    ("location_id.usage", "not in", ("internal", "transit")),
                    ("date", "<=", horizon),
                ],
                ["location_dest_id", "product_id", "date:day"],
                ["product_qty:sum"],
            )
        )
        incoming = [
            engine_allocation.IncomingSupply(
                warehouse_id=location.warehouse_id.id,
                product_id=product.id,
                quantity=quantity,
                date=day,
            )
            for location, product, day, quantity in incoming_groups
            if location.warehouse_id in warehouses
        ]
        today = datetime.combine(fields.Date.context_today(self), time.min)
        released_today = defaultdict(int)
        for picking_type, count in (
            self.env["stock.move"]
            .sudo()
            ._read_group(
                [
                    ("picking_type_id.code", "=", "outgoing"),
                    ("picking_type_id.warehouse_id", "in", warehouses.ids),
                    ("create_date", ">=", today),
                    ("state", "!=", "cancel"),
                ],
                ["picking_type_id"],
                ["__count"],
            )
        ):
            released_today[picking_type.warehouse_id] += count
        capacity = {
            warehouse.id: max(
                0, warehouse.distribution_capacity_lines - released_today.get(warehouse, 0)
            )
            if warehouse.distribution_capacity_lines
            else None
            for warehouse in warehouses
        }
        return engine_allocation.Availability.from_positions(
            stock_positions, incoming, capacity, products=products.ids
        )

    def _distribution_check_facts(self, checks_by_order):
        """({order id: engine OrderFacts}, network availability or None), gathered for
        all orders at once; each order's checks see their own copy of the stock."""
        codes = {check.code for checks in checks_by_order.values() for check in checks}
        partners = self.partner_id.commercial_partner_id
        lines = self._distribution_goods_lines()
        facts = {}
        receivable, uninvoiced, history, availability = {}, defaultdict(float), {}, None
        if "credit_limit" in codes:
            # only customers with a limit have an exposure to compute (no limit: passes)
            limited = partners.sudo().filtered("credit_limit")
            receivable = {p.id: p.credit for p in limited}
            for partner, amount in (
                self.env["sale.order.line"]
                .sudo()
                ._read_group(
                    [
                        ("order_id.state", "=", "sale"),
                        ("order_partner_id", "child_of", limited.ids),
                        ("order_id", "not in", self.ids),
                    ],
                    ["order_partner_id"],
                    ["untaxed_amount_to_invoice:sum"],
                )
            ):
                uninvoiced[partner.commercial_partner_id.id] += amount
        if "quantity_anomaly" in codes:
            days = max(
                (
                    c.anomaly_history_days
                    for cs in checks_by_order.values()
                    for c in cs
                    if c.code == "quantity_anomaly"
                ),
                default=365,
            )
            history = defaultdict(lambda: defaultdict(list))
            for partner, product, _order, quantity in (
                self.env["sale.order.line"]
                .sudo()
                ._read_group(
                    [
                        ("order_id.state", "=", "sale"),
                        ("order_partner_id", "child_of", partners.ids),
                        ("product_id", "in", lines.product_id.ids),
                        ("order_id", "not in", self.ids),
                        ("order_id.date_order", ">=", fields.Datetime.now() - timedelta(days=days)),
                    ],
                    ["order_partner_id", "product_id", "order_id"],
                    ["product_uom_qty:sum"],
                )
            ):
                history[partner.commercial_partner_id.id][product.id].append(quantity)
        stock_lines = self._distribution_stock_lines()
        if "stock_availability" in codes:
            warehouses = self.env["stock.warehouse"].search(
                [("company_id", "in", self.company_id.ids)]
            )
            horizon = max(order._distribution_promised() for order in self)
            availability = self._distribution_availability(lines.product_id, warehouses, horizon)
        for order in self:
            partner = order.partner_id.commercial_partner_id
            shipping = order.partner_shipping_id
            priced = [
                engine_checks.PricedLine(
                    line_id=line.id,
                    product_id=line.product_id.id,
                    quantity=line.product_uom_qty,
                    unit_price=line.price_subtotal / line.product_uom_qty,
                    unit_cost=line.product_id.uom_id._compute_price(
                        line.product_id.standard_price, line.product_uom_id
                    ),
                    floor_price=line.product_id.distribution_floor_price or None,
                    label=line.product_id.display_name,
                )
                for line in order.order_line
                if not line.display_type and line.product_uom_qty > 0
            ]
            facts[order.id] = engine_checks.OrderFacts(
                order_id=order.id,
                receivable=receivable.get(partner.id, 0.0),
                uninvoiced=uninvoiced.get(partner.id, 0.0),
                order_amount=order.amount_total,
                credit_limit=partner.sudo().credit_limit or None,
                customer_on_hold=partner.distribution_on_hold,
                customer_blocked=partner.distribution_blocked,
                customer_hold_note=partner.distribution_hold_note or None,
                delivery_address=((shipping.street or shipping.city) and shipping.id) or None,
                incoterm=order.incoterm.code or None,
                payment_term=order.payment_term_id.name or None,
                customer_reference=order.client_order_ref or None,
                requires_customer_reference=partner.distribution_requires_reference,
                priced_lines=priced,
                quantity_history=history.get(partner.id, {}),
                stock_lines=stock_lines.get(order.id, []),
                availability=availability.copy() if availability else None,
            )
        return facts, availability

    def _distribution_policy(self):
        """The policy (order override, else customer's, else company's) with the
        company's split options and limits."""
        self.ensure_one()
        company = self.company_id
        name = (
            self.sudo().distribution_policy_override
            or self.partner_id.commercial_partner_id.distribution_allocation_policy
            or company.distribution_allocation_policy
        )
        return engine_allocation.AllocationPolicy(
            name=name,
            allow_split=company.distribution_allow_split,
            max_shipments_per_order=company.distribution_max_shipments or None,
            min_split_quantity=company.distribution_min_split_qty or 0.0,
        )

    def _distribution_customer_location(self):
        """The delivery address's location, else the customer's (a delivery contact
        often has no coordinates of its own); None when neither has one."""
        self.ensure_one()
        return partner_location(self.partner_shipping_id) or partner_location(
            self.partner_id.commercial_partner_id
        )

    def _distribution_zone(self):
        """The delivery zone of this order, as the transit table sees it (country and
        state by id, postcode): the delivery address's, else the customer's."""
        self.ensure_one()
        address = self.partner_shipping_id
        if not address.country_id:
            address = self.partner_id.commercial_partner_id
        return engine_geo.DeliveryZone(
            country=address.country_id.id or None,
            state=address.state_id.id or None,
            postcode=address.zip or None,
        )

    def _distribution_sites(self, warehouses, rules=None):
        """Engine warehouses as seen from this order's customer: the distance in km
        from the warehouse's transit table when a row matches the delivery zone, else
        the great-circle distance from each site's own location, else unknown (the
        site then ranks last, and the explanation says why).  ``rules``: the engine
        rules of the warehouses' transit tables, when the caller has them already."""
        self.ensure_one()
        if rules is None:
            # sudo: the table is read for every order, whoever submits it
            rules = warehouses.sudo().distribution_transit_rule_ids._engine_rules()
        home = self.partner_id.commercial_partner_id.distribution_home_warehouse_id
        home = home or self.warehouse_id
        customer = self._distribution_customer_location()
        zone = self._distribution_zone() if rules else None
        sites = []
        for warehouse in warehouses:
            distance, note = engine_geo.site_distance(
                warehouse.id, warehouse._distribution_location(), customer, zone, rules
            )
            sites.append(
                engine_allocation.Warehouse(
                    warehouse_id=warehouse.id,
                    distance=distance,
                    priority=warehouse.sequence,
                    cost=warehouse.distribution_cost,
                    is_home=warehouse == home,
                    active=warehouse.active,
                    name=warehouse.name,
                    distance_note=note,
                )
            )
        return sites

    def _distribution_compute_scores(self):
        now = fields.Datetime.now()
        margins = defaultdict(float)
        for line in self._distribution_goods_lines():
            cost = line.product_id.uom_id._compute_price(
                line.product_id.standard_price, line.product_uom_id
            )
            margins[line.order_id.id] += line.price_subtotal - cost * line.product_uom_qty
        for order in self:
            score = engine_scoring.release_score(
                engine_scoring.OrderPriorityInput(
                    order_id=order.id,
                    promised_date=order._distribution_promised(),
                    customer_tier=order.partner_id.commercial_partner_id.distribution_tier,
                    amount=order.amount_untaxed,
                    margin=margins[order.id],
                ),
                now,
            )
            order.distribution_release_score = score.score

    # ------------------------------------------------------------------ allocation

    def _distribution_allocate(self, availability=None, warehouses=None):
        """Allocate the orders, in release-priority order, against one shared view
        of the network's stock (every active site of their companies, or
        ``warehouses``); write the allocation and log each decision."""
        if warehouses is None:
            warehouses = self.env["stock.warehouse"].search(
                [("company_id", "in", self.company_id.ids)]
            )
        lines = self._distribution_goods_lines()
        if availability is None and lines:
            horizon = max(order._distribution_promised() for order in self)
            availability = self._distribution_availability(lines.product_id, warehouses, horizon)
        stock_lines = self._distribution_stock_lines()
        ordered = self.sorted(lambda o: (-o.distribution_release_score, o.id))
        # sudo: the transit table is read for every order, whoever submits it
        rules = warehouses.sudo().distribution_transit_rule_ids._engine_rules()
        requests = [
            engine_allocation.OrderRequest(
                order_id=order.id,
                lines=stock_lines.get(order.id, []),
                warehouses=order._distribution_sites(
                    warehouses.filtered(lambda w, o=order: w.company_id == o.company_id),
                    rules,
                ),
                policy=order._distribution_policy(),
            )
            for order in ordered
            if stock_lines.get(order.id)
        ]
        results = engine_allocation.allocate_batch(requests, availability) if requests else []
        sites_of = {request.order_id: request.warehouses for request in requests}
        labels = {
            line.line_id: line.product_label for lines in stock_lines.values() for line in lines
        }
        self.distribution_allocation_ids.sudo().unlink()
        vals, log = [], []
        for result in results:
            for line in result.lines:
                for sequence, (warehouse_id, quantity) in enumerate(line.allocations):
                    vals.append(
                        {
                            "order_id": result.order_id,
                            "order_line_id": line.line_id,
                            "warehouse_id": warehouse_id,
                            "quantity": quantity,
                            "sequence": sequence,
                            "explanation": "\n".join(line.explanation),
                        }
                    )
            log.append(
                {
                    "order": result.order_id,
                    "event": "allocate",
                    "result": "passed" if result.is_complete and not result.error else "failed",
                    "message": self._distribution_allocation_message(result, labels),
                    "inputs": {
                        "policy": str(result.policy),
                        "sites": [
                            {
                                "warehouse": site.warehouse_id,
                                "name": site.name,
                                "distance_km": None
                                if site.distance is None
                                else round(site.distance, 1),
                                "distance_from": site.distance_note,
                                "home": site.is_home,
                                "active": site.active,
                            }
                            for site in sites_of[result.order_id]
                        ],
                        "lines": [
                            {
                                "line": line.line_id,
                                "product": line.product_id,
                                "requested": line.requested,
                                "allocations": line.allocations,
                                "unallocated": line.unallocated,
                                "reason": line.reason,
                            }
                            for line in result.lines
                        ],
                    },
                }
            )
        self.env["distribution.allocation"].sudo().create(vals)
        self.env["distribution.log"]._record(log)
        self.write({"distribution_stage": "allocated"})
        return availability

    @api.model
    def _distribution_allocation_message(self, result, labels):
        """The decision log's text of one order's allocation: the order's reasons
        (policy, warehouses by distance, outcome), then each line's."""
        parts = list(result.explanation) or [result.error or ""]
        for line in result.lines:
            reasons = " ".join(line.explanation)
            parts.append(f"{labels.get(line.line_id, line.product_id)}: {reasons}")
        return "\n".join(parts)

    def _distribution_release(self):
        """Confirm the orders through Odoo's own flow; the lines' procurements are
        split per allocated warehouse (see sale.order.line), one picking per site."""
        archived = self.distribution_allocation_ids.warehouse_id.filtered(lambda w: not w.active)
        if archived:
            stale = self.filtered(lambda o: o.distribution_allocation_ids.warehouse_id & archived)
            self.env["distribution.log"]._record(
                [
                    {
                        "order": order,
                        "event": "allocate",
                        "result": "info",
                        "reason": (
                            "reallocated_archived",
                            {"sites": ", ".join(archived.mapped("name"))},
                        ),
                    }
                    for order in stale
                ]
            )
            stale._distribution_allocate()
        governed(self).action_confirm()
        governed(self).write({"distribution_stage": "released"})
        self.env["distribution.log"]._record(
            [
                {
                    "order": order,
                    "event": "release",
                    "result": "passed",
                    "reason": (
                        "released_pickings",
                        {
                            "pickings": ", ".join(
                                f"{p.name} ({p.picking_type_id.warehouse_id.code})"
                                for p in order.picking_ids
                            )
                        },
                    ),
                }
                for order in self
            ]
        )

    def _distribution_release_batch(self):
        """Release competing orders by priority score against one view of stock."""
        governed_self = governed(self)  # the button checked its group; or the cron
        governed_self._distribution_lock()
        orders = governed_self.filtered(lambda o: o.distribution_stage == "allocated")
        if not orders:
            return
        orders._distribution_compute_scores()
        orders._distribution_allocate()
        orders._distribution_release()
