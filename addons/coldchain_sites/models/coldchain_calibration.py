from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class ColdchainCalibration(models.Model):
    """A calibration of a sensor against a reference standard.

    Calibration records are evidence: once created they can be neither changed nor
    deleted, by anyone (a correction is a new record, which then becomes the
    latest).  The sensor's calibration due date follows its latest record.
    """

    _name = "coldchain.calibration"
    _description = "Sensor calibration"
    _order = "date desc, id desc"

    sensor_id = fields.Many2one("coldchain.sensor", required=True, ondelete="restrict", index=True)
    warehouse_id = fields.Many2one(related="sensor_id.warehouse_id", store=True, string="Site")
    company_id = fields.Many2one(related="sensor_id.company_id", store=True)
    date = fields.Date(required=True, default=fields.Date.context_today)
    reference_standard = fields.Char(
        required=True, help="Reference instrument and its traceability (e.g. certificate id)."
    )
    result = fields.Selection(
        [("pass", "Passed"), ("fail", "Failed")], required=True, default="pass"
    )
    deviation = fields.Float(string="Deviation (°C)", digits=(5, 2))
    next_due_date = fields.Date(required=True)
    performed_by = fields.Char()
    note = fields.Text()

    @api.constrains("date", "next_due_date")
    def _check_dates(self):
        for calibration in self:
            if calibration.next_due_date <= calibration.date:
                raise ValidationError(self.env._("The next due date must follow the calibration."))

    def write(self, vals):
        if self:
            raise UserError(
                self.env._("Calibration records are evidence: record a new calibration instead.")
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Calibration records are evidence and cannot be deleted."))
