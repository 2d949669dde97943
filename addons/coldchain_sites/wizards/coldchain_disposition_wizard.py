from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from ..models.coldchain_disposition import DECISIONS
from ..models.governance import GROUP_QUALITY, check_group, check_sites, governed_action

# Context key of the Sign button carrying the typed password (see action_sign).
PASSWORD_CONTEXT_KEY = "coldchain_sites_signature_password"


class ColdchainDispositionWizard(models.TransientModel):
    """Sign a disposition: quality group, lot's company, reason, password re-entered.

    The password is the electronic signature ("I approve this disposition"). It is
    never stored: ``password`` is a non-stored field, read-only in the form, so the
    web client never sends it with the wizard's values; the form's widgets
    (``coldchain_signature_password`` to type it, ``coldchain_sign_button`` to sign)
    pass it in the context of the signing call only, which Odoo does not log, and
    :meth:`action_sign` drops it from the context before anything else runs.  It is
    checked with Odoo's own credential check; failures are counted and throttled per
    user (``coldchain.signature.failure``).
    """

    _name = "coldchain.disposition.wizard"
    _description = "Sign a cold-chain disposition"

    lot_id = fields.Many2one("stock.lot", required=True, domain="[('coldchain_hold', '=', True)]")
    decision = fields.Selection(DECISIONS, required=True, default="release")
    reason = fields.Text(required=True)
    use_before = fields.Datetime(string="New use-before")
    password = fields.Char(
        store=False, help="Your login password: your electronic signature. Never stored."
    )

    @governed_action(
        GROUP_QUALITY,
        rule="lot on hold, of the caller's companies and of the holding excursions' sites; "
        "reason; the signer's own password (failures throttled per user)",
    )
    def action_sign(self):
        self.ensure_one()
        password = self.env.context.get(PASSWORD_CONTEXT_KEY) or ""
        # nothing called from here on sees the password in its context
        return self.with_context(**{PASSWORD_CONTEXT_KEY: False})._sign(password)

    def _sign(self, password):
        env = self.env
        check_group(env, GROUP_QUALITY, env._("Signing a disposition"))
        lot = self.lot_id
        if lot.company_id and lot.company_id not in env.companies:
            raise AccessError(env._("This lot belongs to a company you do not work for."))
        lot.check_access("read")
        # sudo: which excursions hold the lot, to check their company and site
        holding = lot.sudo().coldchain_exposure_ids.filtered("hold").excursion_id
        check_sites(holding.with_env(env), env._("Signing a disposition"))
        if not (self.reason or "").strip():
            raise UserError(env._("A disposition needs a reason."))
        if not lot.coldchain_hold:
            raise UserError(env._("This lot is not on hold."))
        if self.decision == "restrict" and not self.use_before:
            raise UserError(env._("A release with restriction needs the new use-before."))
        if not password:
            raise UserError(env._("Type your password to sign the disposition."))
        env["coldchain.signature.failure"]._check_signature(password, lot)
        disposition = env["coldchain.disposition"]._sign(
            lot, self.decision, self.reason.strip(), self.use_before
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "coldchain.disposition",
            "res_id": disposition.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            # the web client merges the button's context into the next action's:
            # this key must not travel on with the typed password
            "context": {PASSWORD_CONTEXT_KEY: False},
        }
