from odoo import fields, models

from .wms_exchange import STATES
from .wms_trading_partner import DOCUMENT_TYPES


class WmsExchangeReport(models.Model):
    """Exchange statistics for the monitoring dashboard (SQL view, one row per
    business exchange): average of ``failed`` is the failure rate, max of
    ``unacked_hours`` the oldest unacknowledged exchange."""

    _name = "wms.exchange.report"
    _description = "EDI Exchange Analysis"
    _auto = False
    _order = "date desc"

    trading_partner_id = fields.Many2one("wms.trading.partner", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    document_type = fields.Selection(DOCUMENT_TYPES, readonly=True)
    direction = fields.Selection([("in", "Incoming"), ("out", "Outgoing")], readonly=True)
    state = fields.Selection(STATES, readonly=True)
    date = fields.Datetime(readonly=True)
    exchange_count = fields.Integer("Exchanges", readonly=True, aggregator="sum")
    failed = fields.Float("Failure Rate (%)", readonly=True, aggregator="avg")
    failed_count = fields.Integer("Failures", readonly=True, aggregator="sum")
    unacked_count = fields.Integer("Unacknowledged", readonly=True, aggregator="sum")
    unacked_hours = fields.Float(
        "Oldest Unacknowledged (h)", readonly=True, aggregator="max", digits=(16, 1)
    )
    retry_count = fields.Integer("Retries", readonly=True, aggregator="sum")

    @property
    def _table_query(self):
        return """
            SELECT e.id,
                   e.trading_partner_id,
                   e.company_id,
                   e.document_type,
                   e.direction,
                   e.state,
                   COALESCE(e.sent_date, e.received_date, e.create_date) AS date,
                   1 AS exchange_count,
                   CASE WHEN e.state IN ('rejected', 'error', 'parked')
                        THEN 100.0 ELSE 0.0 END AS failed,
                   CASE WHEN e.state IN ('rejected', 'error', 'parked')
                        THEN 1 ELSE 0 END AS failed_count,
                   CASE WHEN e.state = 'sent' AND e.ack_expected THEN 1 ELSE 0 END
                        AS unacked_count,
                   CASE WHEN e.state = 'sent' AND e.ack_expected
                        THEN EXTRACT(EPOCH FROM (now() AT TIME ZONE 'UTC' - e.sent_date)) / 3600.0
                        ELSE 0.0 END AS unacked_hours,
                   e.retry_count
              FROM wms_exchange e
             WHERE e.document_type NOT IN ('x12', 'edifact')
        """
