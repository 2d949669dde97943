from odoo import api, fields, models
from odoo.exceptions import UserError

from .governance import GROUP_OPERATOR, check_governed, check_sites, governed, governed_action


class ColdchainZoneCheck(models.Model):
    """A zone check confirmed on the floor (scan screen): who, when, what was seen.

    Evidence: created only by :meth:`confirm` (governed action), never changed or
    deleted, by anyone."""

    _name = "coldchain.zone.check"
    _description = "Zone check"
    _order = "checked_at desc, id desc"
    _rec_name = "location_id"

    location_id = fields.Many2one(
        "stock.location", string="Zone", required=True, readonly=True, index=True
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", string="Site", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    checked_by = fields.Many2one("res.users", required=True, readonly=True)
    checked_at = fields.Datetime(required=True, readonly=True)
    temperature = fields.Float(string="Temperature seen (°C)", digits=(5, 1), readonly=True)
    status = fields.Selection(
        [("green", "Green"), ("amber", "Amber"), ("red", "Red")], readonly=True
    )
    note = fields.Text(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        # only confirm() records a check (applies to every user, the superuser included)
        check_governed(self, {"location_id"}, self.env._("A zone check"))
        return super().create(vals_list)

    def write(self, vals):
        if self:
            raise UserError(self.env._("Zone checks are evidence: they cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Zone checks are evidence: they cannot be deleted."))

    @api.model
    @governed_action(GROUP_OPERATOR, rule="zones of the caller's companies and sites")
    def confirm(self, location_id, note=""):
        """Record that the caller checked zone ``location_id`` now."""
        zone = self.env["stock.location"].browse(int(location_id)).exists()
        if not zone or not zone.coldchain_profile_id:
            raise UserError(self.env._("Only a monitored zone can be checked."))
        check_sites(zone, self.env._("Confirm a zone check"))
        status = self.env["coldchain.scan"]._location_status(zone)
        # sudo: operators have no create right on the evidence; governed: this is its path
        check = governed(self.sudo()).create(
            {
                "location_id": zone.id,
                "warehouse_id": zone.warehouse_id.id,
                "company_id": zone.company_id.id,
                "checked_by": self.env.user.id,
                "checked_at": fields.Datetime.now(),
                "temperature": status.get("temperature") or 0.0,
                "status": status["status"],
                "note": note or False,
            }
        )
        return {"id": check.id, "checked_at": fields.Datetime.to_string(check.checked_at)}
