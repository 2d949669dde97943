"""At-risk worklist: open orders scored by engine/risk.py, one row per order.

The rows are rebuilt in batch (cron, or "Reassess" by a site manager): gather the
open orders (the backlog view), their sites' history (order facts), the sites'
backlog against their usual one, and stock availability at the site, call the
engine once, write the rows back.  The suggested actions run through the pipeline's
records with the caller's rights, checked here on the server.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.distribution_orchestration.models.governance import governed_action
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..engine.risk import DEFAULT_THRESHOLD, History, HistoryOrder, OpenOrder, assess_all
from .distribution_dashboard import GROUP_CS, GROUP_EXEC, GROUP_SITE

_logger = logging.getLogger(__name__)

HISTORY_DAYS = 180
ACTIONS = [
    ("none", "None"),
    ("expedite", "Expedite"),
    ("reallocate", "Reallocate to a site with stock"),
    ("inform_customer", "Inform the customer"),
]


class DistributionDashboardRisk(models.Model):
    _name = "distribution.dashboard.risk"
    _description = "At-risk order"
    _order = "score desc, amount desc, id"
    _rec_name = "order_id"

    order_id = fields.Many2one(
        "sale.order", required=True, readonly=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    warehouse_id = fields.Many2one("stock.warehouse", string="Site", readonly=True, index=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    amount = fields.Float(string="Order Value", readonly=True)
    promised_at = fields.Datetime(string="Commitment", readonly=True)
    estimated_ship = fields.Datetime(readonly=True)
    score = fields.Float(string="Risk", readonly=True, digits=(5, 1))
    at_risk = fields.Boolean(readonly=True, index=True)
    reasons = fields.Text(readonly=True)
    suggested_action = fields.Selection(ACTIONS, readonly=True)
    assessed_at = fields.Datetime(readonly=True)
    done_action = fields.Selection(ACTIONS, string="Action Taken", readonly=True)

    # ------------------------------------------------------------ assessment

    @api.model
    def _assess(self, company, now=None):
        """Rebuild ``company``'s rows.  Superuser job (the cron); users' views of the
        rows follow the company and site rules."""
        now = now or fields.Datetime.now()
        # sudo: the job rebuilds derived rows for every site of the company; users
        # read them through the company and site rules
        risk = self.sudo()
        risk.env.flush_all()
        Backlog = risk.env["distribution.dashboard.backlog"]
        open_lines = Backlog.search_read(
            [("company_id", "=", company.id)],
            ["order_id", "warehouse_id", "product_id", "open_qty"],
        )
        risk.search([("company_id", "=", company.id)]).unlink()
        if not open_lines:
            return risk.browse()
        orders = risk.env["sale.order"].browse({line["order_id"][0] for line in open_lines})
        products = risk.env["product.product"].browse(
            {line["product_id"][0] for line in open_lines}
        )
        sites = risk.env["stock.warehouse"].browse(
            {line["warehouse_id"][0] for line in open_lines if line["warehouse_id"]}
        )
        available = risk._available(products, sites)
        storable = set(products.filtered("is_storable").ids)
        short = defaultdict(int)
        lines = defaultdict(int)
        for line in open_lines:
            order_id = line["order_id"][0]
            lines[order_id] += 1
            site = line["warehouse_id"] and line["warehouse_id"][0]
            product = line["product_id"][0]
            if (
                product in storable
                and available.get((product, site), 0.0) < line["open_qty"] - 1e-9
            ):
                short[order_id] += 1
        categories = {o.id: o.order_line[:1].product_id.categ_id.id for o in orders}
        history, ratio = risk._history(company, sites, now)
        inputs = [
            OpenOrder(
                order_id=order.id,
                site=order.warehouse_id.id,
                confirmed_at=order.date_order,
                promised_at=order.commitment_date,
                line_count=lines[order.id],
                category=categories[order.id],
                lines_short=short[order.id],
                value=order.amount_total,
            )
            for order in orders
        ]
        results = assess_all(inputs, history, now, ratio)
        by_id = {o.id: o for o in orders}
        return risk.create(
            [
                {
                    "order_id": r.order_id,
                    "company_id": company.id,
                    "warehouse_id": by_id[r.order_id].warehouse_id.id,
                    "partner_id": by_id[r.order_id].partner_id.id,
                    "amount": by_id[r.order_id].amount_total,
                    "promised_at": by_id[r.order_id].commitment_date,
                    "estimated_ship": r.estimated_ship,
                    "score": r.score,
                    "at_risk": r.score >= DEFAULT_THRESHOLD,
                    "reasons": "; ".join(r.reasons),
                    "suggested_action": r.suggested_action,
                    "assessed_at": now,
                }
                for r in results
            ]
        )

    def _available(self, products, sites):
        """{(product, site): on hand minus reserved} in the sites' stock."""
        groups = self.env["stock.quant"]._read_group(
            [
                ("product_id", "in", products.ids),
                ("location_id.warehouse_id", "in", sites.ids),
                ("location_id.usage", "=", "internal"),
            ],
            ["product_id", "location_id"],
            ["quantity:sum", "reserved_quantity:sum"],
        )
        available = defaultdict(float)
        for product, location, qty, reserved in groups:
            available[(product.id, location.warehouse_id.id)] += qty - reserved
        return available

    def _history(self, company, sites, now):
        """Shipped orders of the last HISTORY_DAYS days at these sites, and each
        site's backlog against its usual one (lines a day x median cycle, Little's law)."""
        since = now - timedelta(days=HISTORY_DAYS)
        cr = self.env.cr
        cr.execute(
            SQL(
                """SELECT warehouse_id, line_count, category_id,
                          extract(isodow FROM confirmed_at)::int - 1, cycle_h,
                          extract(epoch FROM promised_at - confirmed_at) / 3600.0
                     FROM distribution_dashboard_order_fact
                    WHERE company_id = %s AND shipped AND shipped_at >= %s""",
                company.id,
                since,
            )
        )
        history = History.build(HistoryOrder(*row) for row in cr.fetchall())
        cr.execute(
            SQL(
                """SELECT warehouse_id,
                          sum(line_count)::float / %s,
                          percentile_cont(0.5) WITHIN GROUP (ORDER BY cycle_h) / 24.0
                     FROM distribution_dashboard_order_fact
                    WHERE company_id = %s AND shipped AND shipped_at >= %s
                    GROUP BY warehouse_id""",
                HISTORY_DAYS,
                company.id,
                since,
            )
        )
        usual = {site: per_day * days for site, per_day, days in cr.fetchall()}
        current = dict(
            self.env["distribution.dashboard.backlog"]._read_group(
                [("company_id", "=", company.id)], ["warehouse_id"], ["__count"]
            )
        )
        ratio = {
            site.id: current.get(site, 0) / usual[site.id] for site in sites if usual.get(site.id)
        }
        return history, ratio

    @api.model
    def _cron_assess(self):
        for company in self.env["res.company"].search([("id", "!=", False)]):
            self._assess(company)

    @api.model
    @governed_action(GROUP_SITE, GROUP_EXEC, rule="reassesses the companies they work in")
    def action_reassess(self):
        for company in self.env.companies:
            self._assess(company)
        return True

    # ------------------------------------------------------------ one-click actions

    def _check_order_access(self):
        """The caller must see (record rules: company and own sites) and be allowed
        to change the order; checked here, whoever calls."""
        self.order_id.check_access("write")

    @governed_action(GROUP_SITE, GROUP_EXEC, rule="orders of their own sites")
    def action_expedite(self):
        """Top priority on the order's open deliveries, so the site picks them first."""
        self._check_order_access()
        for risk in self:
            deliveries = risk.order_id.picking_ids.filtered(
                lambda p: p.picking_type_code == "outgoing" and p.state not in ("done", "cancel")
            )
            if not deliveries:
                raise UserError(
                    self.env._(
                        "%(order)s has no open delivery to expedite.", order=risk.order_id.name
                    )
                )
            deliveries.write({"priority": "1"})
            risk.order_id.message_post(
                body=self.env._(
                    "Expedited from the at-risk worklist (risk %(score)s: %(reasons)s).",
                    score=risk.score,
                    reasons=risk.reasons,
                )
            )
        self.sudo().write({"done_action": "expedite"})  # sudo: derived rows, written by the action
        return True

    @governed_action(GROUP_CS, GROUP_SITE, GROUP_EXEC, rule="orders of their own sites")
    def action_inform_customer(self):
        """Tell the customer the new estimated ship date, on the order's thread."""
        self._check_order_access()
        for risk in self:
            order = risk.order_id
            order.message_post(
                body=self.env._(
                    "Your order %(order)s is now expected to ship on %(date)s. We are sorry "
                    "for the delay.",
                    order=order.name,
                    date=fields.Date.to_string(risk.estimated_ship),
                ),
                partner_ids=order.partner_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.sudo().write({"done_action": "inform_customer"})  # sudo: derived rows
        return True

    @governed_action(GROUP_SITE, GROUP_EXEC, rule="orders of their own sites, not released yet")
    def action_reallocate(self):
        """Allocate again against today's stock of the network, through the pipeline's
        own step (only while the order is allocated and not released to a site)."""
        self._check_order_access()
        orders = self.order_id
        released = orders.filtered(lambda o: o.distribution_stage != "allocated")
        if released:
            raise UserError(
                self.env._(
                    "%(orders)s already left for a site: reallocation needs a rebalancing "
                    "suggestion (Network > Rebalancing) or a return to draft.",
                    orders=", ".join(released.mapped("name")),
                )
            )
        orders._distribution_reallocate_from_dashboard()
        self.sudo().write({"done_action": "reallocate"})  # sudo: derived rows
        return True
