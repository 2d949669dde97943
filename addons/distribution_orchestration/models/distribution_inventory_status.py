import hashlib

from odoo import api, fields, models, tools
from odoo.fields import Domain

from ..engine.atp import available_to_promise_sql
from ..engine.stock_status import StatusParams, StockStatus, status_sql
from .governance import GROUP_USER, governed_action

STATUS_SELECTION = [
    (StockStatus.STOCK_OUT.value, "Stock-out"),
    (StockStatus.BELOW_SAFETY.value, "Below Safety"),
    (StockStatus.HEALTHY.value, "Healthy"),
    (StockStatus.EXCESS.value, "Excess"),
]
#: Display order of the statuses: what needs action first.
STATUS_SEQUENCE = {
    StockStatus.STOCK_OUT.value: 1,
    StockStatus.BELOW_SAFETY.value: 2,
    StockStatus.EXCESS.value: 3,
    StockStatus.HEALTHY.value: 4,
}
#: Open move states that count as incoming / outgoing supply and demand.
OPEN_MOVE_STATES = ("waiting", "confirmed", "partially_available", "assigned")
#: ``id = product_id * ID_FACTOR + warehouse_id``: stable across queries (drill-downs
#: and re-reads find the same row), unique while warehouse ids stay below it.
ID_FACTOR = 1_000_000
#: The live view (figures computed at query time) behind the model's snapshot.
LIVE_VIEW = "distribution_inventory_status_live"
#: Stock positions (quants and safety stock per warehouse and product): the figures
#: available to promise is computed from, read by the live view and by the pipeline.
POSITION_VIEW = "distribution_stock_position"
#: Indexes of the snapshot: the unique id (concurrent refresh), the default order
#: (first page straight from the index), and the usual filters.
SNAPSHOT_INDEXES = [
    ("id", ("id",), True),
    ("order", ("status_sequence", "days_of_cover", "id"), False),
    ("product", ("product_id",), False),
    ("warehouse", ("warehouse_id",), False),
    ("company", ("company_id",), False),
]


class DistributionInventoryStatus(models.Model):
    """Standard stock status per product x warehouse (SQL, ``_auto = False``, read only).

    Three relations, created in :meth:`init`:

    ``distribution_stock_position``
        a plain view of stock positions, one row per quant (on hand, reserved, and the
        *unavailable* part: unreserved quantity in lots that cannot be promised, see
        :meth:`_unavailable_lot_sql`) and per active reordering rule (safety stock), with
        the warehouse of its location.  The order pipeline reads it too
        (:meth:`_stock_positions`), so the screen and the pipeline start from the same
        figures and apply the same rule, :func:`..engine.atp.available_to_promise`.
    ``distribution_inventory_status_live``
        a plain view: the figures computed from quants, moves and reordering rules at
        query time, aggregated in one pass (CTEs, one ``GROUP BY``, no per-row
        subquery).  Filters on product / warehouse are pushed down into it, so reading a
        few products is fast; rebalancing reads it (:meth:`_live_rows`).
    ``distribution_inventory_status`` (this model's table)
        a materialized snapshot of the live view, indexed on the default order, the id
        and the usual filters, refreshed concurrently (readers never wait) every few
        minutes by a scheduled action and on demand ("Refresh" button).  Measured on
        20 warehouses x 10,000 products (bench/bench_inventory_status.py), one pass of
        the live view costs 1-2 s on a busy 2-core machine, and opening the list needs
        two or three of them (first page, count, totals): the snapshot opens in well
        under a second.  A concurrent refresh rewrites only the rows whose figures changed.

    Rows
        One row per *storable* active product and active warehouse where the product has
        stock (a quant in one of the warehouse's internal locations), an open move in or
        out of the warehouse, a done delivery from it in the demand window, or a
        reordering rule: not the full product x warehouse cartesian product (a product
        never stocked, planned or ruled at a site is not a row there).

    Figures (product unit of measure, per warehouse = its internal locations)
        on hand / reserved
            sums of ``stock.quant.quantity`` / ``reserved_quantity``.
        unavailable
            unreserved quantity in quarantined, held or expired lots.
        usable
            ``max(on hand - reserved - unavailable, 0)``.
        available (to promise)
            ``max(usable - safety stock, 0)``: what the order pipeline can promise from
            this site now (:mod:`..engine.atp`, the one definition).
        incoming / outgoing
            open moves (waiting, confirmed, partially available, assigned) into / out of
            the warehouse from / to elsewhere, scheduled up to *horizon* days ahead
            (overdue ones included); moves inside one warehouse do not count.
        safety stock
            sum of the warehouse's active reordering rules' minimum quantity.
        demand per day
            done moves from the warehouse to customer locations over the last *demand
            window* days, divided by that number of days.
        days of cover
            ``usable / demand per day``; empty when there is no recent demand.
        status
            the engine's rule (:func:`..engine.stock_status.status_sql`).

    Parameters are the company's (Settings > Distribution > Inventory Status):
    ``distribution_status_horizon_days`` (14), ``distribution_demand_days`` (30) and
    ``distribution_excess_days_of_cover`` (90), read by the view at query time, so a
    change applies at once without rebuilding the view.  The excess threshold differs
    per company, while ``status_sql`` inlines it as a literal: the view therefore calls
    it with ``demand_per_day * threshold`` as the demand and a threshold of 1, which is
    the same rule (cover > T  <=>  usable > demand x T, and demand x T > 0 <=>
    demand > 0 because T > 0 is enforced on the company).

    The views are rebuilt when the rule that makes a lot unavailable changes (a bridge
    addon or ``product_expiry`` installed or removed): :meth:`_register_hook` compares
    a fingerprint of their definition with the one stored on the views.
    """

    _name = "distribution.inventory.status"
    _description = "Multi-site Inventory Status"
    _auto = False
    _order = "status_sequence, days_of_cover, id"
    _rec_name = "product_id"

    product_id = fields.Many2one("product.product", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", string="Product Template", readonly=True)
    categ_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    uom_id = fields.Many2one("uom.uom", string="Unit", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    on_hand = fields.Float(readonly=True, aggregator="sum")
    reserved = fields.Float(readonly=True, aggregator="sum")
    unavailable = fields.Float(
        string="Quarantined / Expired",
        readonly=True,
        aggregator="sum",
        help="Unreserved quantity in lots that cannot be promised: quarantined or held "
        "(cold chain) or expired.",
    )
    usable = fields.Float(
        readonly=True,
        aggregator="sum",
        help="On hand - reserved - quarantined/expired: what could be picked now, safety "
        "stock included. Days of cover and the status use it.",
    )
    available = fields.Float(
        string="Available to Promise",
        readonly=True,
        aggregator="sum",
        help="Usable - safety stock: what the order pipeline can promise from this site "
        "now (the same figure its stock check and allocation use).",
    )
    incoming = fields.Float(readonly=True, aggregator="sum")
    outgoing = fields.Float(readonly=True, aggregator="sum")
    projected = fields.Float(
        readonly=True,
        aggregator="sum",
        help="On hand + incoming - outgoing within the horizon.",
    )
    safety_stock = fields.Float(readonly=True, aggregator="sum")
    demand_per_day = fields.Float(
        string="Demand / Day", readonly=True, aggregator="sum", digits=(16, 2)
    )
    days_of_cover = fields.Float(
        string="Days of Cover",
        readonly=True,
        aggregator="min",
        digits=(16, 1),
        help="Usable / demand per day; empty when there was no recent demand.",
    )
    status = fields.Selection(STATUS_SELECTION, readonly=True)
    status_sequence = fields.Integer(string="Status Order", readonly=True, aggregator=False)
    horizon_days = fields.Integer(string="Horizon (days)", readonly=True, aggregator=False)

    # ------------------------------------------------------------------ SQL

    @api.model
    def _status_expression(self, usable, safety_stock, demand_per_day, excess_days):
        """The engine's status rule with a per-row excess threshold (see the class doc)."""
        return status_sql(
            usable,
            safety_stock,
            f"({demand_per_day} * {excess_days})",
            StatusParams(excess_days_of_cover=1.0),
        )

    @api.model
    def _unavailable_lot_sql(self, lot):
        """SQL condition on the ``stock_lot`` alias ``lot`` (joined to a quant that has a
        lot): its stock cannot be promised.

        The one place that decides it, for the pipeline, this screen and rebalancing.
        Here: lots past their expiration date when ``product_expiry`` is installed.
        Bridge addons extend it (``distribution_coldchain``: lots on cold-chain hold).
        Conditions are built from trusted column names only, never from user input.
        """
        conditions = []
        if "expiration_date" in self.env["stock.lot"]._fields:
            conditions.append(f"{lot}.expiration_date <= (now() AT TIME ZONE 'UTC')")
        return " OR ".join(f"({condition})" for condition in conditions) or "FALSE"

    @api.model
    def _position_query(self):
        """Stock positions: one row per quant in an internal location of a warehouse, and
        one per active reordering rule (see the class doc)."""
        unavailable = self._unavailable_lot_sql("lot")
        return f"""
SELECT l.warehouse_id,
       q.product_id,
       q.quantity::float8 AS on_hand,
       q.reserved_quantity::float8 AS reserved,
       CASE WHEN lot.id IS NOT NULL AND ({unavailable})
            THEN GREATEST(q.quantity - q.reserved_quantity, 0)::float8
            ELSE 0::float8 END AS unavailable,
       0::float8 AS safety_stock
  FROM stock_quant q
  JOIN stock_location l ON l.id = q.location_id
                       AND l.usage = 'internal'
                       AND l.warehouse_id IS NOT NULL
  LEFT JOIN stock_lot lot ON lot.id = q.lot_id
UNION ALL
SELECT op.warehouse_id, op.product_id, 0, 0, 0, op.product_min_qty::float8
  FROM stock_warehouse_orderpoint op
 WHERE op.active
"""

    @api.model
    def _query(self):
        states = ", ".join(f"'{state}'" for state in OPEN_MOVE_STATES)
        status = self._status_expression(
            "s.usable", "s.safety_stock", "s.demand_per_day", "s.excess_days"
        )
        atp = available_to_promise_sql("t.on_hand", "t.reserved", "t.safety_stock", "t.unavailable")
        sequence = " ".join(f"WHEN '{code}' THEN {rank}" for code, rank in STATUS_SEQUENCE.items())
        return f"""
WITH site_location AS NOT MATERIALIZED (
    -- internal locations of active warehouses, with their company's parameters
    SELECT l.id,
           l.warehouse_id,
           GREATEST(COALESCE(c.distribution_status_horizon_days, 14), 0) AS horizon_days,
           GREATEST(COALESCE(c.distribution_demand_days, 30), 1) AS demand_days
      FROM stock_location l
      JOIN stock_warehouse w ON w.id = l.warehouse_id AND w.active
      JOIN res_company c ON c.id = w.company_id
     WHERE l.usage = 'internal'
),
figures AS (
    -- one narrow stream of partial figures (float8: cheap sums), grouped once below
    SELECT p.product_id,
           p.warehouse_id,
           p.on_hand,
           p.reserved,
           p.unavailable,
           0::float8 AS incoming,
           0::float8 AS outgoing,
           p.safety_stock,
           0::float8 AS demand_per_day
      FROM {POSITION_VIEW} p
    UNION ALL
    SELECT m.product_id, dst.warehouse_id, 0, 0, 0, m.product_qty, 0, 0, 0
      FROM stock_move m
      JOIN site_location dst ON dst.id = m.location_dest_id
      LEFT JOIN site_location src ON src.id = m.location_id
     WHERE m.state IN ({states})
       AND m.date <= now() + make_interval(days => dst.horizon_days)
       AND src.warehouse_id IS DISTINCT FROM dst.warehouse_id
    UNION ALL
    SELECT m.product_id, src.warehouse_id, 0, 0, 0, 0, m.product_qty, 0, 0
      FROM stock_move m
      JOIN site_location src ON src.id = m.location_id
      LEFT JOIN site_location dst ON dst.id = m.location_dest_id
     WHERE m.state IN ({states})
       AND m.date <= now() + make_interval(days => src.horizon_days)
       AND dst.warehouse_id IS DISTINCT FROM src.warehouse_id
    UNION ALL
    SELECT m.product_id, src.warehouse_id, 0, 0, 0, 0, 0, 0, m.product_qty / src.demand_days
      FROM stock_move m
      JOIN site_location src ON src.id = m.location_id
      JOIN stock_location cust ON cust.id = m.location_dest_id AND cust.usage = 'customer'
     WHERE m.state = 'done'
       AND m.date >= now() - make_interval(days => src.demand_days)
       -- a constant lower bound as well, so that the date index can bound the scan
       AND m.date >= now() - make_interval(
               days => (SELECT GREATEST(MAX(COALESCE(distribution_demand_days, 30)), 1)
                          FROM res_company))
),
totals AS (
    SELECT product_id,
           warehouse_id,
           SUM(on_hand) AS on_hand,
           SUM(reserved) AS reserved,
           SUM(unavailable) AS unavailable,
           SUM(incoming) AS incoming,
           SUM(outgoing) AS outgoing,
           SUM(safety_stock) AS safety_stock,
           SUM(demand_per_day) AS demand_per_day
      FROM figures
  GROUP BY product_id, warehouse_id
),
site AS (
    SELECT t.*,
           {atp["usable_now"]} AS usable,
           {atp["now"]} AS available,
           pt.id AS product_tmpl_id,
           pt.categ_id,
           pt.uom_id,
           w.company_id,
           GREATEST(COALESCE(c.distribution_status_horizon_days, 14), 0) AS horizon_days,
           COALESCE(NULLIF(c.distribution_excess_days_of_cover, 0), 90) AS excess_days
      FROM totals t
      JOIN product_product pp ON pp.id = t.product_id AND pp.active
      JOIN product_template pt ON pt.id = pp.product_tmpl_id AND pt.is_storable
      JOIN stock_warehouse w ON w.id = t.warehouse_id AND w.active
      JOIN res_company c ON c.id = w.company_id
),
classified AS (
    SELECT s.*, {status} AS status FROM site s
)
SELECT s.product_id::bigint * {ID_FACTOR} + s.warehouse_id AS id,
       s.product_id,
       s.product_tmpl_id,
       s.categ_id,
       s.uom_id,
       s.warehouse_id,
       s.company_id,
       s.on_hand,
       s.reserved,
       s.unavailable,
       s.usable,
       s.available,
       s.incoming,
       s.outgoing,
       s.on_hand + s.incoming - s.outgoing AS projected,
       s.safety_stock,
       s.demand_per_day,
       CASE WHEN s.demand_per_day > 0 THEN s.usable / s.demand_per_day END AS days_of_cover,
       s.status,
       CASE s.status {sequence} END AS status_sequence,
       s.horizon_days
  FROM classified s
"""

    def init(self):
        cr = self.env.cr
        # The view reads the company's parameters (res_company_inventory.py); on install
        # this model may be initialised before res.company gets those columns.
        if not tools.sql.column_exists(cr, "res_company", "distribution_demand_days"):
            self.env["res.company"]._auto_init()
        tools.drop_view_if_exists(cr, self._table)
        tools.drop_view_if_exists(cr, LIVE_VIEW)
        tools.drop_view_if_exists(cr, POSITION_VIEW)
        for view, query in ((POSITION_VIEW, self._position_query()), (LIVE_VIEW, self._query())):
            cr.execute(
                tools.SQL("CREATE VIEW %s AS (%s)", tools.SQL.identifier(view), tools.SQL(query))
            )
        cr.execute(
            tools.SQL(
                "COMMENT ON VIEW %s IS %s",
                tools.SQL.identifier(POSITION_VIEW),
                self._definition_fingerprint(),
            )
        )
        cr.execute(
            tools.SQL(
                "CREATE MATERIALIZED VIEW %s AS SELECT * FROM %s",
                tools.SQL.identifier(self._table),
                tools.SQL.identifier(LIVE_VIEW),
            )
        )
        for name, columns, unique in SNAPSHOT_INDEXES:
            cr.execute(
                tools.SQL(
                    "CREATE %s INDEX %s ON %s (%s)",
                    tools.SQL("UNIQUE" if unique else ""),
                    tools.SQL.identifier(f"{self._table}_{name}_idx"),
                    tools.SQL.identifier(self._table),
                    tools.SQL(", ").join(tools.SQL.identifier(column) for column in columns),
                )
            )

    @api.model
    def _definition_fingerprint(self):
        """Identifies the views' definition (stored as a comment on the position view)."""
        text = self._position_query() + self._query()
        return "distribution:" + hashlib.sha256(text.encode()).hexdigest()

    def _register_hook(self):
        """Rebuild the views if their definition changed without this module being
        updated (e.g. ``product_expiry`` installed: expired lots become unavailable)."""
        result = super()._register_hook()
        cr = self.env.cr
        if tools.sql.table_kind(cr, POSITION_VIEW) is None:
            return result  # not created yet (this module is being installed)
        cr.execute(
            "SELECT obj_description(%s::regclass, 'pg_class')",
            [POSITION_VIEW],
        )
        if cr.fetchone()[0] != self._definition_fingerprint():
            self.init()
        return result

    @api.model
    def _stock_positions(self, product_ids, warehouse_ids):
        """``{(warehouse_id, product_id): (on_hand, reserved, unavailable, safety_stock)}``
        summed over the position view, for the order pipeline: the same figures as the
        screen (one grouped query, whatever the number of orders or sites).

        Private (not callable over RPC); it reads stock figures without access checks,
        like the pipeline that calls it.
        """
        if not product_ids or not warehouse_ids:
            return {}
        for model in ("stock.quant", "stock.lot", "stock.location", "stock.warehouse.orderpoint"):
            self.env[model].flush_model()
        self.env.cr.execute(
            tools.SQL(
                """SELECT warehouse_id, product_id, SUM(on_hand), SUM(reserved),
                          SUM(unavailable), SUM(safety_stock)
                     FROM %s
                    WHERE product_id = ANY(%s) AND warehouse_id = ANY(%s)
                 GROUP BY warehouse_id, product_id""",
                tools.SQL.identifier(POSITION_VIEW),
                list(product_ids),
                list(warehouse_ids),
            )
        )
        return {(row[0], row[1]): row[2:] for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------------ refresh

    @api.model
    def _refresh(self):
        """Recompute the snapshot from the live view; readers are never blocked."""
        self.browse().check_access("read")
        self.env.flush_all()
        self.env.cr.execute(
            tools.SQL(
                "REFRESH MATERIALIZED VIEW CONCURRENTLY %s", tools.SQL.identifier(self._table)
            )
        )
        self.invalidate_model()

    @api.model
    @governed_action(GROUP_USER)
    def action_refresh(self):
        """Button: refresh the figures now and reload the view."""
        self._refresh()
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    @api.model
    def _cron_refresh(self):
        self._refresh()

    @api.model
    def _live_rows(self, where, fields_sql, order="id"):
        """Rows of the live view (current figures) as dicts, for batch computations.

        ``where`` is an :class:`~odoo.tools.SQL` condition; the user needs read access
        to the status and sees only the allowed companies.
        """
        self.browse().check_access("read")
        self.env.flush_all()
        self.env.cr.execute(
            tools.SQL(
                "SELECT %s FROM %s WHERE company_id IN %s AND %s ORDER BY %s",
                tools.SQL(", ").join(tools.SQL.identifier(name) for name in fields_sql),
                tools.SQL.identifier(LIVE_VIEW),
                tuple(self.env.companies.ids),
                where,
                tools.SQL.identifier(order),
            )
        )
        return self.env.cr.dictfetchall()

    # ------------------------------------------------------------------ drill-down

    def _warehouse_locations_domain(self, field_name):
        """``field_name`` is one of this row's warehouse internal locations."""
        self.ensure_one()
        return Domain(field_name, "child_of", self.warehouse_id.view_location_id.id) & Domain(
            f"{field_name}.usage", "=", "internal"
        )

    def action_open_quants(self):
        """The quants behind the on hand / reserved figures of this row."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Stock of %(product)s at %(warehouse)s",
                product=self.product_id.display_name,
                warehouse=self.warehouse_id.name,
            ),
            "res_model": "stock.quant",
            "view_mode": "list,form",
            "views": [
                (self.env.ref("stock.view_stock_quant_tree_simple").id, "list"),
                (False, "form"),
            ],
            "domain": list(
                Domain("product_id", "=", self.product_id.id)
                & self._warehouse_locations_domain("location_id")
            ),
            "context": {"create": False},
        }

    def action_open_moves(self):
        """The moves in and out of the warehouse for this product (open and done)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.stock_move_action")
        action.update(
            {
                "name": self.env._(
                    "Moves of %(product)s at %(warehouse)s",
                    product=self.product_id.display_name,
                    warehouse=self.warehouse_id.name,
                ),
                "domain": list(
                    Domain("product_id", "=", self.product_id.id)
                    & (
                        self._warehouse_locations_domain("location_id")
                        | self._warehouse_locations_domain("location_dest_id")
                    )
                ),
                "context": {"create": False},
            }
        )
        return action
