from odoo import models
from odoo.addons.distribution_orchestration.models.governance import governed


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _distribution_reallocate_from_dashboard(self):
        """The pipeline's own allocation step again, against today's stock (callers:
        the at-risk worklist's governed action, after its group and access checks)."""
        governed(self)._distribution_allocate()
