from odoo import fields, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    distribution_count_threshold_value = fields.Float(
        string="Count Approval Above (value)",
        help="Counted quantities of one count that differ from the system by more than "
        "this value in total (cost price) are applied only once approved. 0: off.",
    )
    distribution_count_threshold_pct = fields.Float(
        string="Count Approval Above (%)",
        help="... or when one line differs by more than this share of its system quantity. 0: off.",
    )
    distribution_transfer_threshold_value = fields.Float(
        string="Transfer Approval Above (value)",
        help="Inter-warehouse transfers created from rebalancing suggestions out of this "
        "site are validated only once approved above this value (cost price). 0: off.",
    )
