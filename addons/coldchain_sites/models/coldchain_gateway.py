import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ColdchainGateway(models.Model):
    """A site gateway: publishes its sensors' telemetry under its own topic segment.

    ``code`` is both the ``<gateway>`` segment of its MQTT topics and its broker
    username (the broker ACL confines each username to its own segment).  ``state``
    and ``last_seen`` are maintained by the ingestion service (heartbeats, last
    will, telemetry, silence sweep); ``retired`` is set here and is final for the
    service, which rejects a retired gateway's messages.
    """

    _name = "coldchain.gateway"
    _description = "Cold-chain gateway"
    _inherit = ["mail.thread"]
    _order = "warehouse_id, code"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        string="Topic id",
        required=True,
        tracking=True,
        help="Gateway segment of the MQTT topics and broker username; letters, digits, "
        "'_', '-', '.'.",
    )
    serial = fields.Char(string="Serial number", tracking=True)
    firmware = fields.Char(tracking=True)
    warehouse_id = fields.Many2one(
        "stock.warehouse", string="Site", required=True, ondelete="restrict", tracking=True
    )
    site_code = fields.Char(related="warehouse_id.code", string="Site topic id")
    company_id = fields.Many2one(
        related="warehouse_id.company_id", store=True, index=True, precompute=True
    )
    heartbeat_interval = fields.Integer(
        string="Heartbeat interval (s)",
        default=60,
        help="The gateway reports at least this often; silent for this times the "
        "silence factor of the ingestion service, it is offline.",
    )
    last_seen = fields.Datetime(readonly=True, copy=False)
    state = fields.Selection(
        [("active", "Active"), ("offline", "Offline"), ("retired", "Retired")],
        default="active",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    sensor_ids = fields.One2many("coldchain.sensor", "gateway_id", string="Sensors")
    sensor_count = fields.Integer(compute="_compute_sensor_count")
    topic_prefix = fields.Char(compute="_compute_topic_prefix")

    _code_uniq = models.Constraint("UNIQUE (code)", "A gateway topic id must be unique.")

    @api.constrains("code")
    def _check_code(self):
        for gateway in self:
            if not CODE_PATTERN.match(gateway.code or ""):
                raise ValidationError(
                    self.env._(
                        "Gateway topic id %(code)s may only contain letters, digits, "
                        "'_', '-' and '.'.",
                        code=gateway.code,
                    )
                )

    @api.depends("sensor_ids")
    def _compute_sensor_count(self):
        counts = dict(
            self.env["coldchain.sensor"]._read_group(
                [("gateway_id", "in", self.ids)], ["gateway_id"], ["__count"]
            )
        )
        for gateway in self:
            gateway.sensor_count = counts.get(gateway, 0)

    @api.depends("code", "warehouse_id.code")
    def _compute_topic_prefix(self):
        for gateway in self:
            gateway.topic_prefix = f"sites/{gateway.warehouse_id.code}/gateways/{gateway.code}/"

    def action_retire(self):
        self.write({"state": "retired"})
        self.sensor_ids.write({"state": "retired"})

    def action_reactivate(self):
        self.write({"state": "active"})
