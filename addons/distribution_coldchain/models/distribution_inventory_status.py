from odoo import api, models


class DistributionInventoryStatus(models.Model):
    _inherit = "distribution.inventory.status"

    @api.model
    def _unavailable_lot_sql(self, lot):
        """Lots on cold-chain hold cannot be reserved, picked or shipped, and lots past a
        disposition's "use before" restriction must not leave: neither can be promised.

        This is the one hook every consumer of available-to-promise goes through (the
        order pipeline's stock check and allocation, the inventory status screen,
        rebalancing), so an order that needs such a lot goes on hold, the screen shows it
        as quarantined and rebalancing never moves it.
        """
        return " OR ".join(
            (
                f"({super()._unavailable_lot_sql(lot)})",
                f"{lot}.coldchain_hold",
                f"{lot}.coldchain_use_before <= (now() AT TIME ZONE 'UTC')",
            )
        )
