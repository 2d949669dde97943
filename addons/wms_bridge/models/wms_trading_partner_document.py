from odoo import api, fields, models

from .wms_trading_partner import DOCUMENT_DIRECTIONS, DOCUMENT_TYPES


class WmsTradingPartnerDocument(models.Model):
    _name = "wms.trading.partner.document"
    _description = "Document Exchanged with a Trading Partner"
    _order = "trading_partner_id, document_type"

    trading_partner_id = fields.Many2one("wms.trading.partner", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="trading_partner_id.company_id", store=True)
    document_type = fields.Selection(DOCUMENT_TYPES, required=True)
    direction = fields.Selection(
        [("in", "Incoming"), ("out", "Outgoing")],
        required=True,
        help="Filled from the document type when left empty (997/999 default to incoming).",
    )

    _document_unique = models.Constraint(
        "UNIQUE(trading_partner_id, document_type, direction)",
        "A document type is listed once per direction.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("direction"):
                vals["direction"] = DOCUMENT_DIRECTIONS.get(vals.get("document_type"), "in")
        return super().create(vals_list)

    @api.onchange("document_type")
    def _onchange_document_type(self):
        for line in self:
            line.direction = DOCUMENT_DIRECTIONS.get(line.document_type, line.direction or "in")
