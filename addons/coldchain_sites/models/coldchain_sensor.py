import re
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .governance import GROUP_MANAGER, governed_action

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# A calibration due within this many days shows as "due".
CALIBRATION_DUE_SOON_DAYS = 30


class ColdchainSensor(models.Model):
    """A sensor placed in a zone, reporting through a gateway.

    ``calibration_due_date`` is the next due date of the sensor's latest calibration
    when that calibration passed (none otherwise); the ingestion service reads it and
    flags readings taken after it as ``calibration_expired``.
    """

    _name = "coldchain.sensor"
    _description = "Cold-chain sensor"
    _inherit = ["mail.thread"]
    _order = "warehouse_id, location_id, code"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        string="Topic id",
        required=True,
        tracking=True,
        help="Sensor segment of the MQTT topics and code in batched payloads.",
    )
    serial = fields.Char(string="Serial number", tracking=True)
    gateway_id = fields.Many2one(
        "coldchain.gateway", required=True, ondelete="restrict", tracking=True, index=True
    )
    warehouse_id = fields.Many2one(
        related="gateway_id.warehouse_id", store=True, index=True, precompute=True, string="Site"
    )
    company_id = fields.Many2one(
        related="gateway_id.warehouse_id.company_id", store=True, index=True, precompute=True
    )
    location_id = fields.Many2one(
        "stock.location",
        string="Zone",
        tracking=True,
        index=True,
        domain="[('usage', '=', 'internal'), ('warehouse_id', '=', warehouse_id)]",
    )
    profile_id = fields.Many2one(related="location_id.coldchain_profile_id", string="Zone profile")
    kind = fields.Selection(
        [("temperature", "Temperature"), ("humidity", "Humidity"), ("door", "Door contact")],
        required=True,
        default="temperature",
    )
    expected_interval = fields.Integer(
        string="Expected interval (s)",
        required=True,
        default=60,
        help="The sensor reports at least this often; silent for this times the silence "
        "factor of the ingestion service, monitoring is lost.",
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
    calibration_ids = fields.One2many("coldchain.calibration", "sensor_id")
    calibration_due_date = fields.Date(
        compute="_compute_calibration_due_date", store=True, readonly=True
    )
    conflicting_reading_count = fields.Integer(
        string="Conflicting readings",
        compute="_compute_conflicting_reading_count",
        help="Readings received again for a timestamp already stored, with another "
        "value: the first value is kept, each conflict is a dead letter.",
    )
    calibration_status = fields.Selection(
        [("ok", "Calibrated"), ("due", "Due soon"), ("expired", "Expired")],
        compute="_compute_calibration_status",
        search="_search_calibration_status",
    )

    _code_uniq = models.Constraint("UNIQUE (code)", "A sensor topic id must be unique.")
    _interval_positive = models.Constraint(
        "CHECK (expected_interval > 0)", "The expected interval must be positive."
    )

    @api.constrains("code")
    def _check_code(self):
        for sensor in self:
            if not CODE_PATTERN.match(sensor.code or ""):
                raise ValidationError(
                    self.env._(
                        "Sensor topic id %(code)s may only contain letters, digits, "
                        "'_', '-' and '.'.",
                        code=sensor.code,
                    )
                )

    @api.constrains("location_id", "gateway_id")
    def _check_location(self):
        for sensor in self:
            if sensor.location_id and sensor.location_id.warehouse_id != sensor.warehouse_id:
                raise ValidationError(
                    self.env._(
                        "Sensor %(sensor)s is on a gateway of %(site)s: "
                        "its zone must be there too.",
                        sensor=sensor.code,
                        site=sensor.warehouse_id.display_name,
                    )
                )

    @api.depends("calibration_ids.date", "calibration_ids.result", "calibration_ids.next_due_date")
    def _compute_calibration_due_date(self):
        for sensor in self:
            latest = sensor.calibration_ids.sorted(lambda c: (c.date, c.id))[-1:]
            sensor.calibration_due_date = latest.next_due_date if latest.result == "pass" else False

    @api.depends("calibration_due_date")
    def _compute_calibration_status(self):
        today = fields.Date.context_today(self)
        soon = today + timedelta(days=CALIBRATION_DUE_SOON_DAYS)
        for sensor in self:
            due = sensor.calibration_due_date
            if not due or due < today:
                sensor.calibration_status = "expired"
            elif due <= soon:
                sensor.calibration_status = "due"
            else:
                sensor.calibration_status = "ok"

    def _search_calibration_status(self, operator, value):
        if operator not in ("=", "in"):
            return NotImplemented
        values = {value} if operator == "=" else set(value)
        today = fields.Date.context_today(self)
        soon = today + timedelta(days=CALIBRATION_DUE_SOON_DAYS)
        domains = {
            "expired": [
                "|",
                ("calibration_due_date", "=", False),
                ("calibration_due_date", "<", today),
            ],
            "due": [("calibration_due_date", ">=", today), ("calibration_due_date", "<=", soon)],
            "ok": [("calibration_due_date", ">", soon)],
        }
        parts = [domains[v] for v in values if v in domains]
        if not parts:
            return [(0, "=", 1)]
        return fields.Domain.OR(parts)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_readings(self):
        self.env.cr.execute(
            "SELECT DISTINCT sensor_id FROM coldchain_reading WHERE sensor_id = ANY(%s)",
            [self.ids],
        )
        if self.env.cr.fetchall():
            raise UserError(
                self.env._("A sensor with readings cannot be deleted: retire it instead.")
            )

    @governed_action(GROUP_MANAGER, rule="sensors the caller may write (company, site)")
    def action_retire(self):
        self.check_access("write")
        self.write({"state": "retired"})

    @governed_action(GROUP_MANAGER, rule="sensors the caller may write (company, site)")
    def action_reactivate(self):
        self.check_access("write")
        self.filtered(lambda s: s.state == "retired").write({"state": "active"})

    def _compute_conflicting_reading_count(self):
        counts = dict(
            self.env["coldchain.dead.letter"]._read_group(
                [("sensor_id", "in", self.ids), ("reason_code", "=", "conflicting_value")],
                ["sensor_id"],
                ["__count"],
            )
        )
        for sensor in self:
            sensor.conflicting_reading_count = counts.get(sensor, 0)

    def action_view_conflicting_readings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "coldchain_sites.coldchain_dead_letter_action"
        )
        action["domain"] = [("sensor_id", "=", self.id), ("reason_code", "=", "conflicting_value")]
        return action

    def action_view_readings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "coldchain_sites.coldchain_reading_action"
        )
        action["domain"] = [("sensor_id", "=", self.id)]
        action["context"] = {"graph_mode": "line"}
        action["views"] = [
            (self.env.ref("coldchain_sites.coldchain_reading_view_graph_sensor").id, "graph"),
            (False, "list"),
            (False, "pivot"),
        ]
        return action
