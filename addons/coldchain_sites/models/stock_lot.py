from odoo import api, fields, models


class StockLot(models.Model):
    _inherit = "stock.lot"

    coldchain_profile_id = fields.Many2one(
        "coldchain.temperature.profile",
        string="Storage requirement",
        ondelete="restrict",
        help="This lot's own storage range (e.g. a stability study); empty: the product's.",
    )
    coldchain_effective_profile_id = fields.Many2one(
        "coldchain.temperature.profile",
        string="Effective storage requirement",
        compute="_compute_coldchain_effective_profile_id",
    )

    @api.depends("coldchain_profile_id", "product_id.product_tmpl_id.coldchain_profile_id")
    def _compute_coldchain_effective_profile_id(self):
        for lot in self:
            lot.coldchain_effective_profile_id = (
                lot.coldchain_profile_id
                or lot.product_id.product_tmpl_id.coldchain_effective_profile_id
            )

    # quarantine (excursions and dispositions)
    coldchain_hold = fields.Boolean(
        string="Cold-chain hold",
        readonly=True,
        copy=False,
        tracking=True,
        help="Exposed to an excursion that put product at risk: it cannot be reserved, "
        "picked or shipped until quality signs a disposition.",
    )
    coldchain_use_before = fields.Datetime(
        string="Use before (restriction)",
        readonly=True,
        copy=False,
        tracking=True,
        help="Shorter shelf life set by a 'release with restriction' disposition.",
    )
    coldchain_exposure_ids = fields.One2many(
        "coldchain.excursion.exposure", "lot_id", string="Excursion exposures"
    )
    coldchain_exposure_count = fields.Integer(compute="_compute_coldchain_exposure_count")
    coldchain_disposition_ids = fields.One2many(
        "coldchain.disposition", "lot_id", string="Dispositions"
    )

    @api.depends("coldchain_exposure_ids")
    def _compute_coldchain_exposure_count(self):
        counts = dict(
            self.env["coldchain.excursion.exposure"]._read_group(
                [("lot_id", "in", self.ids)], ["lot_id"], ["__count"]
            )
        )
        for lot in self:
            lot.coldchain_exposure_count = counts.get(lot, 0)

    def _coldchain_put_on_hold(self, exposures):
        """Hold these lots (exposed with product at risk); idempotent."""
        to_hold = self.filtered(lambda lot: not lot.coldchain_hold)
        if not to_hold:
            return to_hold
        to_hold.sudo().write({"coldchain_hold": True})
        by_lot = exposures.grouped("lot_id")
        for lot in to_hold:
            lot.sudo().message_post(
                body=self.env._(
                    "Put on hold: exposed to excursion(s) %(names)s with product at risk.",
                    names=", ".join(by_lot[lot].excursion_id.mapped("name")),
                )
            )
        return to_hold

    def action_coldchain_view_exposures(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "coldchain_sites.coldchain_excursion_exposure_action"
        )
        action["domain"] = [("lot_id", "=", self.id)]
        return action

    def action_coldchain_disposition(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "coldchain_sites.coldchain_disposition_wizard_action"
        )
        action["context"] = {"default_lot_id": self.id}
        return action
