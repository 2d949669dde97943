"""The dashboard's data call, drill-downs, aggregate refresh and target check.

Every figure comes from one SQL aggregate per fact model (grouping sets: the
network and each site in one pass), read through ``_search`` so the caller's
record rules (company, own sites) apply: a site manager's network *is* their
sites.  The definitions are those of ``engine/kpi.py``.
"""

import logging
from datetime import datetime, time

from odoo import api, fields, models
from odoo.addons.distribution_orchestration.models.governance import governed_action
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..engine.kpi import (
    FAILED_EXCHANGE_STATES,
    GRAINS,
    KPI_BY_CODE,
    KPIS,
    REVIEW_APPROVED,
    REVIEW_REJECTED,
    TileTrend,
    below_target,
    network_median_variance,
    next_period,
    period_window,
)

_logger = logging.getLogger(__name__)

GROUP_CS = "distribution_dashboard.group_dashboard_customer_service"
GROUP_SITE = "distribution_dashboard.group_dashboard_site_manager"
GROUP_EXEC = "distribution_dashboard.group_dashboard_executive"

# customer service sees the backlog and the holds, not the SLA figures
CS_KPIS = ("backlog_lines", "backlog_age_days", "exception_rate", "hold_resolution_h")
MAX_PERIODS = 53
ORDER_FACT = "distribution.dashboard.order.fact"
# KPI -> (model, date field of its period or None for a snapshot, further domain)
KPI_RECORDS = {
    "_shipped": (ORDER_FACT, "shipped_at", [("shipped", "=", True)]),
    "on_time_rate": (
        ORDER_FACT,
        "shipped_at",
        [("shipped", "=", True), ("promised_at", "!=", False)],
    ),
    "otif_rate": (ORDER_FACT, "shipped_at", [("shipped", "=", True), ("promised_at", "!=", False)]),
    "exception_rate": (ORDER_FACT, "confirmed_at", [("had_hold", "=", True)]),
    "backlog_lines": ("distribution.dashboard.backlog", None, []),
    "backlog_age_days": ("distribution.dashboard.backlog", None, []),
    "hold_resolution_h": ("distribution.dashboard.hold.fact", "resolved_at", []),
    "pick_to_ship_h": ("distribution.dashboard.delivery.fact", "done_at", []),
    "integration_failure_rate": (
        "wms.exchange",
        "create_date",
        [("state", "in", FAILED_EXCHANGE_STATES)],
    ),
    "excursion_count": ("coldchain.excursion", "start", []),
    "excursion_hours": ("coldchain.excursion", "start", []),
    # a request's decision is a figure of all its reviews, which no field of one
    # review holds: _kpi_records_domain lists the reviews of the requests decided in
    # the period by id (_approval_decided_review_ids)
    "approval_latency_h": ("tier.review", None, []),
}
# the customer's tier (distribution_orchestration) is the segment
SEGMENT_LABELS = [
    ("platinum", "Platinum"),
    ("gold", "Gold"),
    ("silver", "Silver"),
    ("bronze", "Bronze"),
    ("standard", "Standard"),
]
SEGMENTS = {key for key, _label in SEGMENT_LABELS}


def _dt(day):
    return datetime.combine(day, time.min)


class DistributionDashboard(models.AbstractModel):
    _name = "distribution.dashboard"
    _description = "Operations dashboard (data call)"

    # ------------------------------------------------------------ aggregates

    def _grouped(self, model, date_field, start, end, grain, select, extra_domain=()):
        """Rows (period, warehouse_id, *select) for the network (warehouse_id None)
        and each site, over facts of ``model`` visible to the caller."""
        Model = self.env[model]
        domain = [(date_field, ">=", _dt(start)), (date_field, "<", _dt(end)), *extra_domain]
        query = Model._search(domain)
        alias = Model._table
        period = SQL(
            "date_trunc(%s, %s)::date",
            grain,
            SQL.identifier(alias, date_field),
        )
        site = SQL.identifier(alias, "warehouse_id")
        query.groupby = SQL("GROUPING SETS ((%s), (%s, %s))", period, period, site)
        sql = query.select(
            SQL("%s AS period", period),
            SQL("GROUPING(%s) = 0 AS by_site", site),
            SQL("%s AS warehouse_id", site),
            *select,
        )
        self.env.cr.execute(sql)
        return [(row[0], row[2] if row[1] else None, *row[3:]) for row in self.env.cr.fetchall()]

    def _kpi_values(self, grain, starts, now, company=None, segment=None):
        """{(period start, warehouse id or None): {kpi code: value}} over the window.
        ``company``: only its facts (the superuser's target check; users have rules)."""
        self.env.flush_all()  # the plain views read the tables: pending ORM writes first
        end = next_period(starts[-1], grain)
        values = {}
        scope = [("company_id", "=", company.id)] if company else []
        if segment:
            scope.append(("segment", "=", segment))

        def put(period, site, code, value):
            values.setdefault((period, site), {})[code] = value

        def pct(num, den):
            return None if not den else 100.0 * num / den

        t = "distribution_dashboard_order_fact"
        for period, site, med, p90, in_full, lines, on_time, promised, otif in self._grouped(
            "distribution.dashboard.order.fact",
            "shipped_at",
            starts[0],
            end,
            grain,
            [
                SQL(
                    "percentile_cont(0.5) WITHIN GROUP (ORDER BY %s)", SQL.identifier(t, "cycle_h")
                ),
                SQL(
                    "percentile_cont(0.9) WITHIN GROUP (ORDER BY %s)", SQL.identifier(t, "cycle_h")
                ),
                SQL("sum(%s)", SQL.identifier(t, "lines_in_full")),
                SQL("sum(%s)", SQL.identifier(t, "line_count")),
                SQL("count(*) FILTER (WHERE %s)", SQL.identifier(t, "on_time")),
                SQL("count(%s)", SQL.identifier(t, "on_time")),
                SQL("count(*) FILTER (WHERE %s)", SQL.identifier(t, "otif")),
            ],
            [("shipped", "=", True), *scope],
        ):
            put(period, site, "cycle_median_h", med)
            put(period, site, "cycle_p90_h", p90)
            put(period, site, "fill_rate", pct(in_full, lines))
            put(period, site, "on_time_rate", pct(on_time, promised))
            put(period, site, "otif_rate", pct(otif, promised))
        for period, site, orders, held in self._grouped(
            "distribution.dashboard.order.fact",
            "confirmed_at",
            starts[0],
            end,
            grain,
            [SQL("count(*)"), SQL("count(*) FILTER (WHERE %s)", SQL.identifier(t, "had_hold"))],
            scope,
        ):
            put(period, site, "exception_rate", pct(held, orders))
        h = "distribution_dashboard_hold_fact"
        for period, site, med in self._grouped(
            "distribution.dashboard.hold.fact",
            "resolved_at",
            starts[0],
            end,
            grain,
            [
                SQL(
                    "percentile_cont(0.5) WITHIN GROUP (ORDER BY %s)",
                    SQL.identifier(h, "resolution_h"),
                )
            ],
            scope,
        ):
            put(period, site, "hold_resolution_h", med)
        dlv = "distribution_dashboard_delivery_fact"
        for period, site, med in self._grouped(
            "distribution.dashboard.delivery.fact",
            "done_at",
            starts[0],
            end,
            grain,
            [
                SQL(
                    "percentile_cont(0.5) WITHIN GROUP (ORDER BY %s)",
                    SQL.identifier(dlv, "pick_to_ship_h"),
                )
            ],
            scope,
        ):
            put(period, site, "pick_to_ship_h", med)
        # the backlog is a snapshot: it belongs to the current period
        Backlog = self.env["distribution.dashboard.backlog"]
        query = Backlog._search(scope)
        site = SQL.identifier(Backlog._table, "warehouse_id")
        query.groupby = SQL("GROUPING SETS ((), (%s))", site)
        self.env.cr.execute(
            query.select(
                SQL("GROUPING(%s) = 0", site),
                site,
                SQL("count(*)"),
                SQL(
                    "avg(extract(epoch FROM %s - %s) / 86400.0)",
                    now,
                    SQL.identifier(Backlog._table, "confirmed_at"),
                ),
            )
        )
        current = starts[-1]
        put(current, None, "backlog_lines", 0.0)
        put(current, None, "backlog_age_days", None)
        for by_site, warehouse_id, count, age in self.env.cr.fetchall():
            key = warehouse_id if by_site else None
            put(current, key, "backlog_lines", float(count))
            put(current, key, "backlog_age_days", age)
        return values

    def _optional_values(self, grain, starts, now, company=None, segment=None):
        """Figures of other addons, only when they are installed (``needs``): counts
        read in SQL within the caller's companies and, for a site-scoped user, their
        sites (a site manager has no right on those addons' records of their own).
        Definitions: engine/kpi.py integration_kpis, excursion_kpis and
        approval_latency_kpis."""
        values = {}
        if segment:
            return values  # exchanges, excursions and most approval flows have no customer
        window = (_dt(starts[0]), _dt(next_period(starts[-1], grain)))
        companies = list(company.ids if company else self.env.companies.ids)
        user = self.env.user
        sites = user.distribution_warehouse_ids.ids if user.distribution_site_scoped else None
        cr = self.env.cr
        if "wms.exchange" in self.env and sites is None:
            self.env["wms.exchange"].flush_model()
            cr.execute(
                SQL(
                    """SELECT date_trunc(%s, create_date)::date,
                              count(*) FILTER (WHERE state IN %s), count(*)
                         FROM wms_exchange
                        WHERE company_id = ANY(%s) AND create_date >= %s AND create_date < %s
                        GROUP BY 1""",
                    grain,
                    FAILED_EXCHANGE_STATES,
                    companies,
                    *window,
                )
            )
            for period, failed, total in cr.fetchall():
                values.setdefault((period, None), {})["integration_failure_rate"] = (
                    100.0 * failed / total if total else None
                )
        if "coldchain.excursion" in self.env:
            self.env["coldchain.excursion"].flush_model()
            site_filter = SQL("AND warehouse_id = ANY(%s)", sites) if sites is not None else SQL()
            period = SQL("date_trunc(%s, start)::date", grain)
            cr.execute(
                SQL(
                    """SELECT %s AS period, GROUPING(warehouse_id) = 0, warehouse_id,
                              count(*),
                              sum(extract(epoch FROM coalesce("end", %s) - start) / 3600.0)
                         FROM coldchain_excursion
                        WHERE company_id = ANY(%s) AND start >= %s AND start < %s %s
                        GROUP BY GROUPING SETS ((%s), (%s, warehouse_id))""",
                    period,
                    now,
                    companies,
                    *window,
                    site_filter,
                    period,
                    period,
                )
            )
            for period, by_site, site, count, spent in cr.fetchall():
                values.setdefault((period, site if by_site else None), {}).update(
                    {"excursion_count": float(count), "excursion_hours": spent}
                )
        approval_companies = self._approval_companies(company, segment)
        if approval_companies is not None:
            requests = self._approval_requests_sql(approval_companies, *window)
            cr.execute(
                SQL(
                    """SELECT date_trunc(%s, q.decided_at)::date,
                              percentile_cont(0.5) WITHIN GROUP (ORDER BY q.latency_h)
                         FROM (%s) q
                        GROUP BY 1""",
                    grain,
                    requests,
                )
            )
            for period, latency in cr.fetchall():
                values.setdefault((period, None), {})["approval_latency_h"] = latency
        return values

    # ------------------------------------------------------------ approvals

    def _approval_companies(self, company=None, segment=None):
        """The companies whose approval requests the caller's figures cover, or None
        when the caller gets no approval figure: base_tier_validation is not
        installed, a customer segment is chosen (most flows have no customer), or the
        user is site-scoped.  Approval latency is a network figure, as the
        integration one: a review has no site, and its document's site is another
        field in every flow (the hold's order, the count's warehouse, the transfer's
        two sites, the purchase order's picking type) or none, so a site manager's
        share of it would be a different figure for every flow."""
        if "tier.review" not in self.env or segment or self.env.user.distribution_site_scoped:
            return None
        return list(company.ids if company else self.env.companies.ids)

    @api.model
    def _approval_document_tables(self):
        """(model, table) of the documents under tier validation whose company is a
        stored column: read from the registry (no query), whichever addons put
        documents under approval."""
        tables = []
        for name, Model in sorted(self.env.registry.items()):
            reviews = Model._fields.get("review_ids")
            company = Model._fields.get("company_id")
            if (
                not Model._abstract
                and not Model._table_query
                and reviews is not None
                and reviews.type == "one2many"
                and reviews.comodel_name == "tier.review"
                and company is not None
                and company.store
                and company.type == "many2one"
                and company.comodel_name == "res.company"
            ):
                tables.append((name, Model._table))
        return tables

    def _approval_requests_sql(self, companies, start, end):
        """The approval requests of ``companies`` decided within [start, end): rows
        (model, res_id, requested_at, decided_at, latency_h).

        A request is a document's reviews (grouped by model and res_id: all its
        tiers' reviews are created at the request, a restart deletes them), decided
        by engine/kpi.py's approval_decision: the earliest rejection if a review is
        rejected, else the latest review date once every review is approved.

        Its company is its document's (the document models' stored ``company_id``,
        one LEFT JOIN each), else its tier definitions' (``tier_review.company_id``,
        stored related of the definition's company: empty for definitions shared by
        every company, as the ones distribution_approvals ships); a request with
        neither is shared by every company, as tier.review's own record rule has it.
        (The definition's company alone would leave out every request of a shared
        definition, or, taken as shared, count other companies' documents.)"""
        self.env["tier.review"].flush_model()
        documents = self._approval_document_tables()
        joins = []
        document_companies = []
        for index, (model, table) in enumerate(documents):
            self.env[model].flush_model(["company_id"])
            alias = f"doc{index}"
            joins.append(
                SQL(
                    "LEFT JOIN %s AS %s ON r.model = %s AND %s = r.res_id",
                    SQL.identifier(table),
                    SQL.identifier(alias),
                    model,
                    SQL.identifier(alias, "id"),
                )
            )
            document_companies.append(SQL("max(%s)", SQL.identifier(alias, "company_id")))
        company = SQL(
            "COALESCE(%s)", SQL(", ").join([*document_companies, SQL("max(r.company_id)")])
        )
        # Only documents with a review dated within the window can be decided in it
        # (a decision is one of its reviews' dates): the semi-join spares grouping
        # every review ever made.  A shared request's company is NULL: the HAVING
        # keeps it (NULL = ANY(...) is NULL).
        return SQL(
            """SELECT q.model, q.res_id, q.requested_at, q.decided_at,
                      (extract(epoch FROM q.decided_at - q.requested_at) / 3600.0)::float8
                          AS latency_h
                 FROM (SELECT r.model, r.res_id, min(r.create_date) AS requested_at,
                              CASE WHEN bool_or(r.status = %(rejected)s)
                                   THEN min(r.reviewed_date)
                                            FILTER (WHERE r.status = %(rejected)s)
                                   WHEN bool_and(r.status = %(approved)s)
                                   THEN max(r.reviewed_date)
                              END AS decided_at
                         FROM tier_review r
                         %(joins)s
                        WHERE (r.model, r.res_id) IN (
                                SELECT w.model, w.res_id FROM tier_review w
                                 WHERE w.reviewed_date >= %(start)s
                                   AND w.reviewed_date < %(end)s)
                        GROUP BY r.model, r.res_id
                       HAVING COALESCE(%(company)s = ANY(%(companies)s), TRUE)) q
                WHERE q.decided_at >= %(start)s AND q.decided_at < %(end)s""",
            rejected=REVIEW_REJECTED,
            approved=REVIEW_APPROVED,
            joins=SQL(" ").join(joins),
            start=start,
            end=end,
            company=company,
            companies=companies,
        )

    def _approval_decided_review_ids(self, start, end):
        """Ids of the reviews of the approval requests decided within [start, end)
        (every tier of each: the sample of the median, request by request); none
        for a caller without the figure (see _approval_companies)."""
        companies = self._approval_companies()
        if companies is None:
            return []
        requests = self._approval_requests_sql(companies, _dt(start), _dt(end))
        self.env.cr.execute(
            SQL(
                """SELECT r.id FROM tier_review r
                     JOIN (%s) q ON q.model = r.model AND q.res_id = r.res_id
                    ORDER BY r.id""",
                requests,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _breakdown(self, start, end, segment=None):
        """Exception rate and hold resolution by reason, approval latency by flow
        (the network roles), over one period."""
        Hold = self.env["distribution.dashboard.hold.fact"]
        Order = self.env["distribution.dashboard.order.fact"]
        window = [("confirmed_at", ">=", _dt(start)), ("confirmed_at", "<", _dt(end))]
        if segment:
            window.append(("segment", "=", segment))
        orders = Order.search_count(window)
        held_query = Hold._search([("order_id", "in", Order._search(window))])
        h = Hold._table
        held_query.groupby = SQL.identifier(h, "reason")
        self.env.cr.execute(
            held_query.select(
                SQL.identifier(h, "reason"),
                SQL("count(DISTINCT %s)", SQL.identifier(h, "order_id")),
            )
        )
        exception = {
            reason: (100.0 * count / orders if orders else None)
            for reason, count in self.env.cr.fetchall()
        }
        resolved = Hold._search(
            [
                ("resolved_at", ">=", _dt(start)),
                ("resolved_at", "<", _dt(end)),
                *([("segment", "=", segment)] if segment else []),
            ]
        )
        resolved.groupby = SQL.identifier(h, "reason")
        self.env.cr.execute(
            resolved.select(
                SQL.identifier(h, "reason"),
                SQL(
                    "percentile_cont(0.5) WITHIN GROUP (ORDER BY %s)",
                    SQL.identifier(h, "resolution_h"),
                ),
            )
        )
        resolution = dict(self.env.cr.fetchall())
        return {
            "exception_rate_by_reason": dict(sorted(exception.items())),
            "hold_resolution_h_by_reason": dict(sorted(resolution.items())),
            "approval_latency_h_by_flow": self._approval_latency_by_flow(start, end, segment),
        }

    def _approval_latency_by_flow(self, start, end, segment=None):
        """{flow label: median hours} over one period; the label is the document
        model's description (ir.model, in the user's language), joined in the same
        query.  Empty for customer service and for callers without the figure."""
        companies = self._approval_companies(segment=segment)
        if companies is None or self._role() == "customer_service":
            return {}
        requests = self._approval_requests_sql(companies, _dt(start), _dt(end))
        self.env.cr.execute(
            SQL(
                """SELECT q.model,
                          COALESCE(m.name->>%s, m.name->>'en_US', q.model),
                          percentile_cont(0.5) WITHIN GROUP (ORDER BY q.latency_h)
                     FROM (%s) q
                     LEFT JOIN ir_model m ON m.model = q.model
                    GROUP BY q.model, m.name""",
                self.env.lang or "en_US",
                requests,
            )
        )
        by_flow = {}
        for model, label, latency in sorted(self.env.cr.fetchall(), key=lambda row: row[1]):
            # two models described alike stay apart
            by_flow[label if label not in by_flow else f"{label} ({model})"] = latency
        return by_flow

    # ------------------------------------------------------------ the data call

    def _role(self):
        user = self.env.user
        if user.has_group(GROUP_EXEC):
            return "executive"
        if user.has_group(GROUP_SITE):
            return "site_manager"
        return "customer_service"

    @api.model
    @governed_action(GROUP_CS, GROUP_SITE, GROUP_EXEC, rule="sees the sites of their record rules")
    def get_dashboard_data(self, grain="week", periods=8, segment=None):
        """Everything the dashboard shows, in one call (the web client's only one)."""
        if grain not in GRAINS:
            raise UserError(self.env._("Unknown period: %(grain)s.", grain=grain))
        periods = max(1, min(int(periods), MAX_PERIODS))
        now = fields.Datetime.now()
        starts = period_window(now, grain, periods)
        role = self._role()
        codes = [
            k.code
            for k in KPIS
            if (role != "customer_service" or k.code in CS_KPIS)
            and (k.needs is None or k.needs in self.env)
        ]
        if segment and segment not in SEGMENTS:
            raise UserError(self.env._("Unknown customer segment: %(segment)s.", segment=segment))
        values = self._kpi_values(grain, starts, now, segment=segment)
        if role != "customer_service":
            for key, figures in self._optional_values(grain, starts, now, segment=segment).items():
                values.setdefault(key, {}).update(figures)
        current = starts[-1]
        sites = {key[1] for key in values if key[1] is not None}
        warehouses = self.env["stock.warehouse"].browse(sorted(sites)).exists()
        targets = self.env["distribution.dashboard.target"]._targets_by_site(self.env.company)
        Target = self.env["distribution.dashboard.target"]
        tiles = []
        by_site = {}
        for code in codes:
            kpi = KPI_BY_CODE[code]
            value = values.get((current, None), {}).get(code)
            target = Target._target_for(targets, code, False)
            trend = TileTrend([values.get((start, None), {}).get(code) for start in starts])
            tiles.append(
                {
                    "code": code,
                    "label": kpi.label,
                    "unit": kpi.unit,
                    "better": kpi.better,
                    "definition": kpi.definition,
                    "value": value,
                    "target": target,
                    "below_target": below_target(code, value, target),
                    "trend": trend.values,
                    "direction": trend.direction,
                }
            )
            site_values = {w.id: values.get((current, w.id), {}).get(code) for w in warehouses}
            variance = network_median_variance(site_values)
            by_site[code] = {
                "median": variance["median"],
                "sites": [
                    {
                        "warehouse_id": w.id,
                        "name": w.name,
                        "value": site_values[w.id],
                        "target": Target._target_for(targets, code, w.id),
                        "below_target": below_target(
                            code, site_values[w.id], Target._target_for(targets, code, w.id)
                        ),
                        "variance": variance["variance"][w.id],
                    }
                    for w in warehouses
                ],
            }
        return {
            "role": role,
            "grain": grain,
            "periods": [fields.Date.to_string(s) for s in starts],
            "current_period": fields.Date.to_string(current),
            "tiles": tiles,
            "by_site": by_site,
            "segment": segment or False,
            "segments": [[key, label] for key, label in SEGMENT_LABELS],
            "breakdown": self._breakdown(current, next_period(current, grain), segment),
        }

    # ------------------------------------------------------------ drill-down

    @api.model
    def _kpi_records_domain(self, code, start, end):
        """(model, domain): the records one KPI counts over one period."""
        model, date_field, extra = KPI_RECORDS.get(code, KPI_RECORDS["_shipped"])
        if code == "approval_latency_h":
            return model, [("id", "in", self._approval_decided_review_ids(start, end))]
        window = [(date_field, ">=", _dt(start)), (date_field, "<", _dt(end))] if date_field else []
        return model, [*window, *extra]

    @api.model
    @governed_action(GROUP_CS, GROUP_SITE, GROUP_EXEC, rule="sees the sites of their record rules")
    def action_open_kpi(self, code, grain="week", period=None, warehouse_id=None, segment=None):
        """The records behind one tile (or one site's bar): a window action."""
        if code not in KPI_BY_CODE or grain not in GRAINS:
            raise UserError(self.env._("Unknown KPI or period."))
        if self._role() == "customer_service" and code not in CS_KPIS:
            raise UserError(self.env._("This figure is not part of your dashboard."))
        needs = KPI_BY_CODE[code].needs
        if needs and needs not in self.env:
            raise UserError(self.env._("This figure needs an addon that is not installed."))
        start = (
            fields.Date.to_date(period)
            if period
            else period_window(fields.Datetime.now(), grain, 1)[0]
        )
        model, domain = self._kpi_records_domain(code, start, next_period(start, grain))
        if warehouse_id and model not in ("wms.exchange", "tier.review"):  # network figures
            domain.append(("warehouse_id", "=", int(warehouse_id)))
        if segment and not needs:
            domain.append(("segment", "=", str(segment)))
        return {
            "type": "ir.actions.act_window",
            "name": KPI_BY_CODE[code].label,
            "res_model": model,
            "views": [[False, "list"], [False, "form"]],
            "domain": domain,
            "target": "current",
        }

    # ------------------------------------------------------------ refresh & targets

    @api.model
    @governed_action(GROUP_EXEC, rule="rebuilds the aggregates (no table users write to is locked)")
    def action_refresh(self):
        self._refresh()
        return True

    @api.model
    def _refresh(self):
        for model in ("distribution.dashboard.order.fact", "distribution.dashboard.delivery.fact"):
            self.env[model]._refresh_facts()

    @api.model
    def _cron_refresh(self):
        self._refresh()

    @api.model
    def _cron_check_targets(self, grain="week"):
        for company in self.env["res.company"].search([("id", "!=", False)]):
            self._check_targets(company, grain)

    @api.model
    def _check_targets(self, company, grain="week"):
        """One alert (with an activity for the site manager) per site, KPI and period
        whose current value misses its target; later refreshes in the same period add
        nothing.  Runs as superuser for one company (the cron's job)."""
        env = self.sudo().with_company(company).with_context(allowed_company_ids=[company.id])
        Target = env.env["distribution.dashboard.target"]
        targets = Target._targets_by_site(company)
        if not targets:
            return env.env["distribution.dashboard.alert"]
        now = fields.Datetime.now()
        start = period_window(now, grain, 1)[0]
        values = env._kpi_values(grain, [start], now, company=company)
        for key, figures in env._optional_values(grain, [start], now, company=company).items():
            values.setdefault(key, {}).update(figures)
        Alert = env.env["distribution.dashboard.alert"]
        existing = {
            (a.warehouse_id.id, a.kpi_code)
            for a in Alert.search(
                [
                    ("company_id", "=", company.id),
                    ("grain", "=", grain),
                    ("period_start", "=", start),
                ]
            )
        }
        vals_list = []
        for (period, site), figures in values.items():
            if site is None or period != start:
                continue
            for code, value in figures.items():
                target = Target._target_for(targets, code, site)
                if below_target(code, value, target) and (site, code) not in existing:
                    vals_list.append(
                        {
                            "company_id": company.id,
                            "warehouse_id": site,
                            "kpi_code": code,
                            "grain": grain,
                            "period_start": start,
                            "value": value,
                            "target": target,
                        }
                    )
        alerts = Alert.create(vals_list)
        activity_type = env.env.ref("mail.mail_activity_data_todo")
        for alert in alerts:
            manager = alert.warehouse_id.distribution_site_manager_id
            if not manager:
                _logger.info(
                    "KPI alert %s: site %s has no manager", alert.id, alert.warehouse_id.name
                )
                continue
            kpi = KPI_BY_CODE[alert.kpi_code]
            alert.activity_schedule(
                activity_type_id=activity_type.id,
                user_id=manager.id,
                summary=env.env._(
                    "%(kpi)s below target at %(site)s: %(value)s vs %(target)s",
                    kpi=kpi.label,
                    site=alert.warehouse_id.name,
                    value=round(alert.value, 2),
                    target=alert.target,
                ),
            )
        return alerts
