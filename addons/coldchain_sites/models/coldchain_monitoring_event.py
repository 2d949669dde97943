from odoo import fields, models

from ..engine import telemetry_sql


class ColdchainMonitoringEvent(models.Model):
    """ "Monitoring lost": a sensor or gateway silent for longer than allowed.

    Opened by the ingestion service's sweep (sensor silent longer than its expected
    interval times the silence factor; gateway without heartbeat, or its last will),
    closed when it reports again.  Read-only in Odoo; the excursion module turns
    them into alerts.
    """

    _name = "coldchain.monitoring.event"
    _description = "Monitoring lost event"
    _inherit = ["coldchain.telemetry.readonly"]
    _auto = False
    _table = "coldchain_monitoring_event_orm"
    _order = "started_at desc, id desc"
    _rec_name = "kind"

    kind = fields.Selection(
        [
            ("sensor_silent", "Sensor silent"),
            ("gateway_silent", "Gateway silent"),
            ("gateway_offline", "Gateway offline (last will)"),
        ],
        readonly=True,
    )
    sensor_id = fields.Many2one("coldchain.sensor", readonly=True)
    gateway_id = fields.Many2one("coldchain.gateway", readonly=True)
    warehouse_id = fields.Many2one(related="gateway_id.warehouse_id", string="Site")
    last_seen = fields.Datetime(readonly=True)
    started_at = fields.Datetime(readonly=True)
    detected_at = fields.Datetime(readonly=True)
    ended_at = fields.Datetime(readonly=True)
    is_open = fields.Boolean(string="Open", readonly=True)

    def init(self):
        telemetry_sql.create_telemetry_tables(self.env.cr)
        telemetry_sql.create_orm_views(self.env.cr)
