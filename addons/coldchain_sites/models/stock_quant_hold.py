from odoo import models

# Marks the recursion of _get_reserve_quantity; an object, so no RPC context sets it.
_EXCLUDE_HELD = object()


class StockQuant(models.Model):
    """Held lots are invisible to reservation (quarantine).

    The hook is ``_get_reserve_quantity``, the one place every reservation (move
    assignment, manual reservation, wave/batch) asks "how much can I take from which
    quants": when reserving (positive quantity) it gathers quants without held lots.
    Unreserving, inventory and quant updates still see held stock as it is.

    ``coldchain_sites_exclude_held`` is only this method's recursion flag, and its
    value is a module-level object: a caller who puts the key in a context from RPC
    changes nothing (and even then it would only exclude held lots).  Releasing held
    stock needs the governance sentinel (``governance.py``).
    """

    _inherit = "stock.quant"

    def _get_reserve_quantity(
        self,
        product_id,
        location_id,
        quantity,
        uom_id=None,
        lot_id=None,
        package_id=None,
        owner_id=None,
        strict=False,
    ):
        if (
            quantity > 0
            and product_id.tracking != "none"
            and self.env.context.get("coldchain_sites_exclude_held") is not _EXCLUDE_HELD
        ):
            recursion = self.with_context(coldchain_sites_exclude_held=_EXCLUDE_HELD)
            return recursion._get_reserve_quantity(
                product_id,
                location_id,
                quantity,
                uom_id=uom_id,
                lot_id=lot_id,
                package_id=package_id,
                owner_id=owner_id,
                strict=strict,
            )
        return super()._get_reserve_quantity(
            product_id,
            location_id,
            quantity,
            uom_id=uom_id,
            lot_id=lot_id,
            package_id=package_id,
            owner_id=owner_id,
            strict=strict,
        )

    def _gather(
        self,
        product_id,
        location_id,
        lot_id=None,
        package_id=None,
        owner_id=None,
        strict=False,
        qty=0,
    ):
        quants = super()._gather(
            product_id,
            location_id,
            lot_id=lot_id,
            package_id=package_id,
            owner_id=owner_id,
            strict=strict,
            qty=qty,
        )
        if self.env.context.get("coldchain_sites_exclude_held") is _EXCLUDE_HELD:
            quants = quants.filtered(lambda q: not q.lot_id.coldchain_hold)
        return quants
