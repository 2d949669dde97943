import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .governance import governed, is_governed

_logger = logging.getLogger(__name__)

DECISIONS = [
    ("release", "Release"),
    ("restrict", "Release with restriction"),
    ("destroy", "Destroy / scrap"),
]


class ColdchainDisposition(models.Model):
    """The signed decision on a held lot: an electronic record that is never changed.

    Created only by the signing wizard (quality group, company, password re-entered,
    reason) through :meth:`_sign`, which proves itself with the governance sentinel;
    ``create`` without it, ``write`` and ``unlink`` are refused to everyone, the
    superuser included, and the ACLs grant read only.
    """

    _name = "coldchain.disposition"
    _description = "Cold-chain disposition"
    _order = "signed_at desc, id desc"
    _rec_name = "lot_id"

    lot_id = fields.Many2one("stock.lot", required=True, readonly=True, index=True)
    product_id = fields.Many2one(related="lot_id.product_id", store=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    excursion_ids = fields.Many2many(
        "coldchain.excursion",
        "coldchain_disposition_excursion_rel",
        "disposition_id",
        "excursion_id",
        readonly=True,
    )
    decision = fields.Selection(DECISIONS, required=True, readonly=True)
    reason = fields.Text(required=True, readonly=True)
    use_before = fields.Datetime(string="New use-before", readonly=True)
    signed_by = fields.Many2one("res.users", required=True, readonly=True)
    signed_at = fields.Datetime(required=True, readonly=True)
    signature_meaning = fields.Char(readonly=True)
    scrap_ids = fields.Many2many(
        "stock.scrap",
        "coldchain_disposition_scrap_rel",
        "disposition_id",
        "scrap_id",
        readonly=True,
    )
    scrapped_quantity = fields.Float(readonly=True, digits="Product Unit")

    @api.model_create_multi
    def create(self, vals_list):
        if not is_governed(self):
            raise AccessError(
                self.env._(
                    "A disposition is only created by signing it (Sign disposition on the "
                    "held lot)."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if self:
            raise UserError(self.env._("A signed disposition cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("A signed disposition cannot be deleted."))

    @api.model
    def _sign(self, lot, decision, reason, use_before=False):
        """Record and apply a disposition (the wizard has checked who signs).

        Private: not callable over RPC; the wizard calls it after checking the
        signer's group, company and password."""
        # sudo: the signer's rights were checked by the wizard; the lot, its quants
        # and the scrap are written whatever their stock ACLs say
        lot = lot.sudo()
        excursions = lot.coldchain_exposure_ids.filtered("hold").excursion_id
        scraps = self.env["stock.scrap"]
        scrapped = 0.0
        if decision == "destroy":
            scraps, scrapped = self._scrap_lot(lot)
        disposition = governed(self.sudo()).create(
            {
                "lot_id": lot.id,
                "company_id": (lot.company_id or excursions.company_id[:1] or self.env.company).id,
                "excursion_ids": [fields.Command.set(excursions.ids)],
                "decision": decision,
                "reason": reason,
                "use_before": use_before if decision == "restrict" else False,
                "signed_by": self.env.user.id,
                "signed_at": fields.Datetime.now(),
                "signature_meaning": self.env._("I approve this disposition"),
                "scrap_ids": [fields.Command.set(scraps.ids)],
                "scrapped_quantity": scrapped,
            }
        )
        lot_vals = {"coldchain_hold": False}
        if decision == "restrict":
            lot_vals["coldchain_use_before"] = use_before
            if "expiration_date" in lot._fields and (
                not lot.expiration_date or lot.expiration_date > use_before
            ):
                lot_vals["expiration_date"] = use_before
        governed(lot).write(lot_vals)
        _logger.info(
            "coldchain: disposition %s (%s) of lot %s signed by user %s",
            disposition.id,
            decision,
            lot.id,
            self.env.user.id,
        )
        lot.message_post(
            body=self.env._(
                "Disposition signed by %(user)s: %(decision)s. Reason: %(reason)s",
                user=self.env.user.name,
                decision=dict(DECISIONS)[decision],
                reason=reason,
            )
        )
        return disposition

    @api.model
    def _scrap_lot(self, lot):
        """Scrap every quantity of ``lot`` in internal locations."""
        # sudo: every internal quant of the lot, whatever the signer's warehouses
        quants = (
            self.env["stock.quant"]
            .sudo()
            .search(
                [
                    ("lot_id", "=", lot.id),
                    ("location_id.usage", "=", "internal"),
                    ("quantity", ">", 0),
                ]
            )
        )
        total = sum(quants.mapped("quantity"))
        # sudo: see _sign; governed: the only way a held lot leaves its location
        Scrap = governed(self.env["stock.scrap"].sudo())
        scraps = Scrap.create(
            [
                {
                    "product_id": quant.product_id.id,
                    "lot_id": lot.id,
                    "location_id": quant.location_id.id,
                    "scrap_qty": quant.quantity,
                    "product_uom_id": quant.product_id.uom_id.id,
                    "package_id": quant.package_id.id,
                    "owner_id": quant.owner_id.id,
                    "company_id": quant.company_id.id,
                }
                for quant in quants
            ]
        )
        if scraps:
            scraps.do_scrap()
        return scraps, total
