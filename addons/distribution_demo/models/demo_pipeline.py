"""The order pipeline's current state on the demo network (stage ``pipeline_state``).

The orders of ``engine/pipeline_plan.py`` go through the governed pipeline for
real, as the demo's people would work them: the ``sales`` login creates and
submits them (the holds come from the pipeline's own checks), ``credit`` puts a
customer on hold, sets a trial credit limit and resolves some holds (released
with a note, or rejected with a reason), ``warehouse`` ships some deliveries in
full and one in part (a backorder).  Orders left *allocated* are submitted while
the company releases in batches; the company is back to immediate release
afterwards, so they wait for "Release by Priority" on the pipeline board.

Idempotent: orders are recognised by their key (the source document,
``DN-SO-L...``), customers by their reference (``DNP-C..``); what exists is
never submitted, resolved or shipped again.
"""

import logging
from collections import defaultdict

from odoo import api, fields, models

from ..engine import pipeline_plan

_logger = logging.getLogger(__name__)

PIPELINE_USERS = ("sales", "credit", "warehouse")
BATCH_REASON = "Evening order wave: release by priority in batches"
BACK_REASON = "Evening wave allocated: back to immediate release"


class DistributionDemoPipeline(models.AbstractModel):
    _inherit = "distribution.demo.network"  # pylint: disable=consider-merging-classes-inherited

    def _load_pipeline_state(self, plan, anchor):
        company = self.env.company
        if not company.distribution_pipeline_enabled:
            _logger.warning("demo network: the order pipeline is off, no pipeline state loaded")
            return False
        pipeline = pipeline_plan.PipelinePlan(plan.scale, plan.seed)
        Order = self.env["sale.order"].with_context(active_test=False)
        existing = set(Order.search([("origin", "=like", "DN-SO-L%")]).mapped("origin"))
        todo = [item for item in pipeline.orders() if item.key not in existing]
        if not self._pipeline_can_change_release_mode():
            # the allocated orders wait for the end of the freeze (a later load)
            todo = [item for item in todo if item.kind != "allocated"]
        if not todo:
            return False
        users = self._pipeline_users()
        customers = self._pipeline_customers(pipeline, users["credit"])
        self._pipeline_floor_price(pipeline)
        warehouses = self._warehouses()
        products = self._products({line.product for item in todo for line in item.lines})
        created = (
            self.env["sale.order"]
            .with_user(users["sales"])
            .create(
                [
                    {
                        "partner_id": customers[item.customer].id,
                        "warehouse_id": warehouses[item.warehouse].id,
                        "origin": item.key,
                        "client_order_ref": item.reference or False,
                        "order_line": [
                            (
                                0,
                                0,
                                {
                                    "product_id": products[line.product].id,
                                    "product_uom_qty": line.quantity,
                                    "price_unit": line.price_unit,
                                },
                            )
                            for line in item.lines
                        ],
                    }
                    for item in todo
                ]
            )
        )
        by_key = {order.origin: order.with_env(self.env) for order in created}
        self._pipeline_submit(pipeline, todo, by_key, users["sales"])
        self._pipeline_resolve(todo, by_key, users["credit"])
        self._pipeline_ship(todo, by_key, users["warehouse"])
        _logger.info("demo network: %d orders in the order pipeline", len(todo))
        return False

    # ------------------------------------------------------------------ people

    def _pipeline_users(self):
        users = self.env["res.users"].search([("login", "in", PIPELINE_USERS)])
        by_login = {user.login: user for user in users}
        missing = set(PIPELINE_USERS) - set(by_login)
        if missing:
            raise ValueError(f"demo users missing for the pipeline state: {sorted(missing)}")
        return by_login

    def _pipeline_customers(self, pipeline, credit):
        """The pipeline's customers; their governance (trial credit limit, on hold)
        set by credit control through the partner's governed write (logged)."""
        planned = pipeline.customers
        existing = self._partners("DNP-C")
        countries = {
            c.code: c
            for c in self.env["res.country"].search(
                [("code", "in", sorted({p.country_code for p in planned}))]
            )
        }
        warehouses = self._warehouses()
        term = self.env.ref("account.account_payment_term_30days", raise_if_not_found=False)
        new = self.env["res.partner"].create(
            [
                {
                    "name": p.name,
                    "ref": p.key,
                    "is_company": True,
                    "street": p.street,
                    "city": p.city,
                    "country_id": countries[p.country_code].id,
                    "email": f"orders@{p.key.lower()}.example.com",
                    "customer_rank": 1,
                    "partner_latitude": p.latitude,
                    "partner_longitude": p.longitude,
                    "distribution_home_warehouse_id": warehouses[p.home_warehouse].id,
                    "distribution_tier": p.tier,
                    "distribution_requires_reference": p.requires_reference,
                    "property_payment_term_id": term.id if term else False,
                    "comment": f"Order pipeline demo customer ({p.role}).",
                }
                for p in planned
                if p.key not in existing
            ]
        )
        partners = {**existing, **{p.ref: p for p in new}}
        for p in planned:
            partner = partners[p.key]
            values = {}
            if p.credit_limit and not partner.credit_limit:
                values["credit_limit"] = p.credit_limit
            if p.hold_note and not partner.distribution_on_hold:
                values.update(distribution_on_hold=True, distribution_hold_note=p.hold_note)
            if values:
                partner.with_user(credit).write(values)
        return partners

    def _pipeline_floor_price(self, pipeline):
        product = self._products({pipeline.floor_product.key})[pipeline.floor_product.key]
        if not product.distribution_floor_price:
            product.product_tmpl_id.distribution_floor_price = pipeline.floor_price

    # ------------------------------------------------------------------ pipeline

    def _pipeline_submit(self, pipeline, todo, by_key, sales):
        """Submit phase by phase, as the sales user (one call per phase); the
        allocated orders while the company releases in batches."""
        keys = {item.key for item in todo}
        for index, kinds in enumerate(pipeline_plan.PHASES):
            orders = self.env["sale.order"].browse(
                [by_key[item.key].id for item in pipeline.by_phase()[index] if item.key in keys]
            )
            if not orders:
                continue
            if "allocated" in kinds:
                mode = self.env.company.distribution_release_mode
                self._pipeline_release_mode("batch", BATCH_REASON)
                orders.with_user(sales).action_confirm()
                self._pipeline_release_mode(mode, BACK_REASON)
            else:
                orders.with_user(sales).action_confirm()

    def _pipeline_can_change_release_mode(self):
        """With governed rule changes (distribution_approvals) the release mode changes
        through an activated version, which a freeze period defers."""
        company = self.env.company
        if not self._pipeline_rules_governed():
            return True
        Freeze = self.env["distribution.change.freeze"]
        return not Freeze._covering(company, self.env["stock.warehouse"], fields.Datetime.now())

    def _pipeline_rules_governed(self):
        company = self.env.company
        return "distribution_rule_governance" in company._fields and bool(
            company.distribution_rule_governance
        )

    def _pipeline_release_mode(self, mode, reason):
        """Set the company's release mode: directly, or, when rule changes are governed,
        as a version proposed here and activated by the demo's rule approver."""
        company = self.env.company
        if company.distribution_release_mode == mode:
            return
        if not self._pipeline_rules_governed():
            company.distribution_release_mode = mode
            return
        login = self.RULE_GOVERNANCE_USER[0]
        approver = self.env["res.users"].search([("login", "=", login)], limit=1)
        draft = self.env["distribution.rule.version"]._propose(
            company, [[("distribution_release_mode", mode)]], reason=reason
        )
        draft.with_user(approver).action_activate()

    def _pipeline_resolve(self, todo, by_key, credit):
        """Credit control releases some holds with a note and rejects others."""
        groups = defaultdict(lambda: self.env["distribution.hold"])
        for item in todo:
            if not item.resolution:
                continue
            holds = by_key[item.key].distribution_hold_ids.filtered(
                lambda h, code=item.check: h.state == "open" and h.check_code == code
            )
            groups[(item.resolution, item.note)] |= holds
        for (resolution, note), holds in sorted(groups.items(), key=lambda kv: kv[0]):
            if resolution == "release":
                holds.with_user(credit).action_release(note)
            else:
                holds.with_user(credit).action_reject(note)

    def _pipeline_ship(self, todo, by_key, warehouse_user):
        """The warehouse ships some deliveries in full and one in part (backorder)."""
        full = self.env["stock.picking"]
        partial = self.env["stock.picking"]
        for item in todo:
            pickings = by_key[item.key].picking_ids.filtered(
                lambda p: p.picking_type_code == "outgoing" and p.state not in ("done", "cancel")
            )
            if item.delivery == "full":
                full |= pickings
            elif item.delivery == "partial":
                partial |= pickings
        full = full.with_user(warehouse_user)
        partial = partial.with_user(warehouse_user)
        for move in partial.move_ids:
            move.quantity = max(1.0, move.product_uom_qty // 2)
        (full | partial).move_ids.filtered(lambda m: m.quantity > 0).picked = True
        if full:
            full.with_context(
                skip_backorder=True, picking_ids_not_to_backorder=full.ids
            ).button_validate()
        if partial:
            partial.with_context(skip_backorder=True).button_validate()

    @api.model
    def _pipeline_orders(self):
        """The pipeline's demo orders (tests, reports)."""
        return self.env["sale.order"].search([("origin", "=like", "DN-SO-L%")])
