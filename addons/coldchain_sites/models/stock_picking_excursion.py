from odoo import api, fields, models

from .governance import check_governed


class StockPicking(models.Model):
    _inherit = "stock.picking"

    coldchain_excursion_ids = fields.Many2many(
        "coldchain.excursion",
        "coldchain_excursion_picking_rel",
        "picking_id",
        "excursion_id",
        string="Excursions",
        readonly=True,
        copy=False,
        help="Excursions during which goods of this transfer left or entered the zone.",
    )
    coldchain_excursion_count = fields.Integer(compute="_compute_coldchain_excursion_count")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_governed(
                self,
                {"coldchain_excursion_ids"} if vals.get("coldchain_excursion_ids") else set(),
                self.env._("The excursions of a transfer"),
            )
        return super().create(vals_list)

    def write(self, vals):
        # evidence written by the exposure computation (on the excursion's side)
        check_governed(
            self,
            {"coldchain_excursion_ids"}.intersection(vals),
            self.env._("The excursions of a transfer"),
        )
        return super().write(vals)

    def _compute_coldchain_excursion_count(self):
        for picking in self:
            picking.coldchain_excursion_count = len(picking.coldchain_excursion_ids)

    def action_coldchain_view_excursions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "coldchain_sites.coldchain_excursion_action"
        )
        action["domain"] = [("id", "in", self.coldchain_excursion_ids.ids)]
        action["context"] = {}
        return action
