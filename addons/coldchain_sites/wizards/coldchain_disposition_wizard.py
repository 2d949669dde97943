from odoo import api, fields, models
from odoo.exceptions import AccessDenied, UserError

from ..models.coldchain_disposition import DECISIONS


class ColdchainDispositionWizard(models.TransientModel):
    """Sign a disposition: quality group, password re-entered ("I approve"), reason."""

    _name = "coldchain.disposition.wizard"
    _description = "Sign a cold-chain disposition"

    lot_id = fields.Many2one("stock.lot", required=True, domain="[('coldchain_hold', '=', True)]")
    decision = fields.Selection(DECISIONS, required=True, default="release")
    reason = fields.Text(required=True)
    use_before = fields.Datetime(string="New use-before")
    password = fields.Char(help="Your login password: your electronic signature.")

    @api.onchange("decision")
    def _onchange_decision(self):
        if self.decision != "restrict":
            self.use_before = False

    def action_sign(self):
        self.ensure_one()
        user = self.env.user
        if not user.has_group("coldchain_sites.group_coldchain_quality"):
            raise UserError(self.env._("Only a cold-chain quality user can sign a disposition."))
        if not (self.reason or "").strip():
            raise UserError(self.env._("A disposition needs a reason."))
        if not self.lot_id.coldchain_hold:
            raise UserError(self.env._("This lot is not on hold."))
        if self.decision == "restrict" and not self.use_before:
            raise UserError(self.env._("A release with restriction needs the new use-before."))
        try:
            user._check_credentials(
                {"type": "password", "password": self.password or ""}, {"interactive": True}
            )
        except AccessDenied as exc:
            raise UserError(self.env._("Wrong password: the disposition was not signed.")) from exc
        finally:
            self.sudo().write({"password": False})
        disposition = self.env["coldchain.disposition"]._sign(
            self.lot_id, self.decision, self.reason.strip(), self.use_before
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "coldchain.disposition",
            "res_id": disposition.id,
            "view_mode": "form",
            "target": "current",
        }
