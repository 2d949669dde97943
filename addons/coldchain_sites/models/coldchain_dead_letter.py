from odoo import fields, models

from ..engine import telemetry, telemetry_sql


class ColdchainDeadLetter(models.Model):
    """Messages (or parts of batches) the ingestion service refused, with the reason.

    The first bytes of the raw payload (``ingest_dead_letter_payload_bytes``, 2 KiB)
    are kept unaltered in ``coldchain_dead_letter.payload`` with the payload's size
    and SHA-256; Odoo shows them escaped.  ``conflicting_value`` rows record a second,
    different value for a reading already stored (counted on the sensor).
    Read-only like the readings.
    """

    _name = "coldchain.dead.letter"
    _description = "Telemetry dead letter"
    _inherit = ["coldchain.telemetry.readonly"]
    _auto = False
    _table = "coldchain_dead_letter_orm"
    _order = "received_at desc, id desc"
    _rec_name = "reason_code"

    topic = fields.Char(readonly=True)
    payload = fields.Text(readonly=True)
    payload_size = fields.Integer(string="Size (bytes)", readonly=True)
    payload_sha256 = fields.Char(string="SHA-256", readonly=True)
    payload_truncated = fields.Boolean(string="Payload cut", readonly=True)
    item_index = fields.Integer(string="Reading #", readonly=True, aggregator=None)
    reason_code = fields.Selection(
        [(code, code) for code in telemetry.REASONS], string="Reason", readonly=True
    )
    reason_text = fields.Char(string="Detail", readonly=True)
    gateway_id = fields.Many2one("coldchain.gateway", readonly=True)
    sensor_id = fields.Many2one("coldchain.sensor", readonly=True)
    received_at = fields.Datetime(readonly=True)
    warehouse_id = fields.Many2one(related="gateway_id.warehouse_id", string="Site")

    def init(self):
        telemetry_sql.create_telemetry_tables(self.env.cr)
        telemetry_sql.create_orm_views(self.env.cr)
