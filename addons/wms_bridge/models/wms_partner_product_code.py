from odoo import fields, models


class WmsPartnerProductCode(models.Model):
    """The partner's own code for a product ("theirs": BP for a 3PL, IN for a buyer)."""

    _name = "wms.partner.product.code"
    _description = "Trading Partner Product Code"
    _order = "trading_partner_id, code"

    trading_partner_id = fields.Many2one("wms.trading.partner", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="trading_partner_id.company_id", store=True)
    product_id = fields.Many2one("product.product", required=True, ondelete="cascade")
    code = fields.Char(required=True)

    _code_unique = models.Constraint(
        "UNIQUE(trading_partner_id, code)", "A partner code designates one product."
    )
