from odoo import api, fields, models
from odoo.exceptions import UserError

from .governance import (
    GROUP_OPERATOR,
    GROUP_QUALITY,
    check_governed,
    check_group,
    check_sites,
    governed,
    governed_action,
)

# Set only by the excursion hold (evaluation) and a signed disposition.
HOLD_FIELDS = frozenset({"coldchain_hold", "coldchain_use_before"})


class StockLot(models.Model):
    _inherit = "stock.lot"

    coldchain_profile_id = fields.Many2one(
        "coldchain.temperature.profile",
        string="Storage requirement",
        ondelete="restrict",
        tracking=True,
        help="This lot's own storage range (e.g. a stability study); empty: the product's. "
        "Set by cold-chain quality only: it decides whether an excursion holds the lot.",
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

    # ------------------------------------------------------------ protection

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._coldchain_check_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        changing = {
            name
            for name in HOLD_FIELDS.intersection(vals)
            if any(
                lot[name] != self._fields[name].convert_to_cache(vals[name], lot) for lot in self
            )
        }
        check_governed(self, changing, self.env._("The cold-chain hold of a lot"))
        if "coldchain_profile_id" in vals and not self.env.su:
            check_group(self.env, GROUP_QUALITY, self.env._("Changing a lot's storage requirement"))
        return super().write(vals)

    def _coldchain_check_vals(self, vals):
        """A new lot starts without hold or restriction, unless governed code says so."""
        set_fields = {name for name in HOLD_FIELDS if vals.get(name)}
        check_governed(self, set_fields, self.env._("The cold-chain hold of a lot"))
        if vals.get("coldchain_profile_id") and not self.env.su:
            check_group(self.env, GROUP_QUALITY, self.env._("Setting a lot's storage requirement"))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_coldchain_evidence(self):
        # sudo: only counts the evidence attached to the lots being deleted
        evidence = self.sudo().filtered(
            lambda lot: (
                lot.coldchain_hold or lot.coldchain_exposure_ids or lot.coldchain_disposition_ids
            )
        )
        if evidence:
            raise UserError(
                self.env._(
                    "Lot(s) %(lots)s carry cold-chain evidence (hold, exposure or "
                    "disposition) and cannot be deleted.",
                    lots=", ".join(evidence.mapped("display_name")),
                )
            )

    # ------------------------------------------------------------ governed paths

    def _coldchain_put_on_hold(self, exposures):
        """Hold these lots (exposed with product at risk); idempotent.

        Called by the excursion evaluation only (trusted server code)."""
        to_hold = self.filtered(lambda lot: not lot.coldchain_hold)
        if not to_hold:
            return to_hold
        # sudo: the evaluation holds lots of every company; governed: this is the hold path
        governed(to_hold.sudo()).write({"coldchain_hold": True})
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

    @governed_action(GROUP_QUALITY)
    def action_coldchain_disposition(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "coldchain_sites.coldchain_disposition_wizard_action"
        )
        action["context"] = {"default_lot_id": self.id}
        return action

    @governed_action(
        GROUP_OPERATOR, rule="lots in internal locations of the caller's companies and sites"
    )
    def action_coldchain_quarantine(self):
        """Move every internal quant of these lots into their site's quarantine location.

        The move of a held lot goes through the governance sentinel (the only path a
        held lot may move by besides a signed disposition's scrap)."""
        Quant = self.env["stock.quant"]
        quants = Quant.search(
            [
                ("lot_id", "in", self.ids),
                ("quantity", ">", 0),
                ("location_id.usage", "=", "internal"),
            ]
        )
        if not quants:
            raise UserError(self.env._("No stock of these lots is in an internal location."))
        check_sites(quants, self.env._("Move into quarantine"), company_field="company_id")
        moved = Quant
        for site, site_quants in quants.grouped("warehouse_id").items():
            quarantine = site._coldchain_quarantine_location()
            todo = site_quants.filtered(lambda q, loc=quarantine: q.location_id != loc)
            if todo:
                self._coldchain_move_quants(todo, quarantine)
                moved |= todo
        for lot in self:
            lot.message_post(
                body=self.env._("Moved into quarantine by %(user)s.", user=self.env.user.name)
            )
        return {"moved": len(moved)}

    def _coldchain_move_quants(self, quants, destination):
        """One done internal move per quant (lot, package kept), through the sentinel."""
        # sudo: the caller's group and sites were checked by the public action
        Move = self.env["stock.move"].sudo()
        moves = Move
        for quant in quants:
            moves |= Move.create(
                {
                    "product_id": quant.product_id.id,
                    "product_uom_qty": quant.quantity,
                    "product_uom": quant.product_id.uom_id.id,
                    "location_id": quant.location_id.id,
                    "location_dest_id": destination.id,
                    "origin": self.env._("Cold-chain quarantine"),
                    "move_line_ids": [
                        fields.Command.create(
                            {
                                "product_id": quant.product_id.id,
                                "lot_id": quant.lot_id.id,
                                "package_id": quant.package_id.id,
                                "result_package_id": quant.package_id.id,
                                "quantity": quant.quantity,
                                "location_id": quant.location_id.id,
                                "location_dest_id": destination.id,
                            }
                        )
                    ],
                }
            )
        moves.picked = True
        governed(moves)._action_done()
        return moves
