from odoo import api, models
from odoo.tools import SQL


class DistributionDashboardFactMixin(models.AbstractModel):
    """A reporting model backed by one SQL definition (``_fact_query``).

    ``_fact_materialized``: the definition is a materialized view refreshed by
    :meth:`_refresh_facts` (``REFRESH MATERIALIZED VIEW CONCURRENTLY``: readers keep
    reading the old rows, and the tables users write to are only read, never
    locked beyond a plain SELECT).  Otherwise it is a plain view, always current.
    """

    _name = "distribution.dashboard.fact.mixin"
    _description = "Dashboard fact (SQL definition)"

    _fact_materialized = False

    def _fact_query(self):
        raise NotImplementedError

    def init(self):
        if self._abstract:
            return
        table = SQL.identifier(self._table)
        cr = self.env.cr
        cr.execute(SQL("SELECT relkind FROM pg_class WHERE relname = %s", self._table))
        kind = cr.fetchone()
        if kind and kind[0] == "m":
            cr.execute(SQL("DROP MATERIALIZED VIEW %s CASCADE", table))
        elif kind and kind[0] == "v":
            cr.execute(SQL("DROP VIEW %s CASCADE", table))
        if self._fact_materialized:
            cr.execute(SQL("CREATE MATERIALIZED VIEW %s AS (%s)", table, self._fact_query()))
            # CONCURRENTLY needs a unique index; the others serve the dashboard's filters
            cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX %s ON %s (id)",
                    SQL.identifier(f"{self._table}_id_uniq"),
                    table,
                )
            )
            for column in self._fact_indexes():
                cr.execute(
                    SQL(
                        "CREATE INDEX %s ON %s (%s)",
                        SQL.identifier(f"{self._table}_{column}_idx"),
                        table,
                        SQL.identifier(column),
                    )
                )
        else:
            cr.execute(SQL("CREATE VIEW %s AS (%s)", table, self._fact_query()))

    def _fact_indexes(self):
        return ["warehouse_id"]

    @api.model
    def _refresh_facts(self):
        self.env.flush_all()  # the SQL reads the tables: pending ORM writes first
        if self._fact_materialized:
            self.env.cr.execute(
                SQL("REFRESH MATERIALIZED VIEW CONCURRENTLY %s", SQL.identifier(self._table))
            )
        self.invalidate_model()
