from odoo import fields, models

from ..engine import telemetry_sql


class ColdchainReading(models.Model):
    """Raw readings, read-only in Odoo (written by the ingestion service).

    The table ``coldchain_reading`` is created by :mod:`..engine.telemetry_sql`, the
    same DDL the service runs (storage design in that module's docstring), with a
    trigger forbidding UPDATE, DELETE and TRUNCATE.  This model reads it through the
    view ``coldchain_reading_orm`` (timestamps as naive UTC); the ORM refuses to
    create, write or unlink, and the ACLs grant read only.
    """

    _name = "coldchain.reading"
    _description = "Sensor reading"
    _inherit = ["coldchain.telemetry.readonly"]
    _auto = False
    _table = "coldchain_reading_orm"
    _order = "ts desc, id desc"
    _rec_name = "sensor_id"

    sensor_id = fields.Many2one("coldchain.sensor", readonly=True)
    gateway_id = fields.Many2one("coldchain.gateway", readonly=True)
    ts = fields.Datetime(string="Measured at", readonly=True)
    value = fields.Float(readonly=True, digits=(16, 2), aggregator="avg")
    seq = fields.Integer(string="Sequence", readonly=True, aggregator=None)
    received_at = fields.Datetime(readonly=True)
    late = fields.Boolean(readonly=True, help="Received long after it was measured.")
    calibration_expired = fields.Boolean(
        readonly=True, help="Measured after the sensor's calibration due date: suspect."
    )
    warehouse_id = fields.Many2one(related="sensor_id.warehouse_id", string="Site")
    location_id = fields.Many2one(related="sensor_id.location_id", string="Zone")
    kind = fields.Selection(related="sensor_id.kind")

    def init(self):
        telemetry_sql.create_telemetry_tables(self.env.cr)
        telemetry_sql.create_orm_views(self.env.cr)
