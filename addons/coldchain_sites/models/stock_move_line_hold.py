from odoo import models
from odoo.exceptions import UserError


class StockMoveLine(models.Model):
    """No move of a held lot out of where it is, except a signed disposition's scrap."""

    _inherit = "stock.move.line"

    def _action_done(self):
        if not self.env.context.get("coldchain_sites_disposition"):
            held = self.filtered(
                lambda ml: ml.lot_id.coldchain_hold and ml.location_id.usage == "internal"
            )
            if held:
                raise UserError(
                    self.env._(
                        "Lot(s) %(lots)s are on cold-chain hold: they cannot be picked or "
                        "shipped until quality signs a disposition.",
                        lots=", ".join(held.lot_id.mapped("display_name")),
                    )
                )
        return super()._action_done()
