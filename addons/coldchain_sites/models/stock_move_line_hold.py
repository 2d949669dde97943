from odoo import models
from odoo.exceptions import UserError

from .governance import is_governed


class StockMoveLine(models.Model):
    """No move of a held lot out of where it is, except a signed disposition's scrap.

    The disposition proves itself with the governance sentinel (see
    ``governance.py``), which no RPC caller can put in a context: a context key
    would let any stock user ship a quarantined lot.
    """

    _inherit = "stock.move.line"

    def _action_done(self):
        if not is_governed(self):
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
