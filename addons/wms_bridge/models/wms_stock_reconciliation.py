from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.exceptions import WmsMappingError

# 846 QTY qualifiers, in order of preference for "what the 3PL holds".
ON_HAND_QUALIFIERS = ("17", "33")


class WmsStockReconciliation(models.Model):
    """The 3PL's stock (846 / INVRPT) against Odoo's quants, per product and lot."""

    _name = "wms.stock.reconciliation"
    _description = "3PL Stock Reconciliation"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    trading_partner_id = fields.Many2one("wms.trading.partner", required=True, readonly=True)
    company_id = fields.Many2one(related="trading_partner_id.company_id", store=True, index=True)
    warehouse_id = fields.Many2one("stock.warehouse", required=True, readonly=True)
    exchange_id = fields.Many2one("wms.exchange", readonly=True)
    report_date = fields.Datetime(readonly=True)
    state = fields.Selection(
        [("draft", "To Review"), ("applied", "Applied"), ("cancel", "Dismissed")],
        default="draft",
        required=True,
        tracking=True,
    )
    line_ids = fields.One2many("wms.stock.reconciliation.line", "reconciliation_id")
    difference_count = fields.Integer(compute="_compute_difference_count", store=True)

    @api.depends("line_ids.difference")
    def _compute_difference_count(self):
        for rec in self:
            rec.difference_count = len(rec.line_ids.filtered("difference"))

    @api.model
    def _create_from_846(self, exchange, doc):
        partner = exchange.trading_partner_id
        warehouse = partner.warehouse_ids[:1]
        if not warehouse:
            raise WmsMappingError(
                self.env._("%(partner)s operates no warehouse.", partner=partner.name)
            )
        items = doc.get("items") or []
        products = exchange.mapping_version_id._find_products(
            partner, [it.get("product_ids") or {} for it in items]
        )
        reported = defaultdict(float)
        for product, item in zip(products, items, strict=True):
            quantities = item.get("quantities") or {}
            qty = next((quantities[q] for q in ON_HAND_QUALIFIERS if q in quantities), 0.0)
            reported[product, item.get("lot") or ""] += qty or 0.0
        odoo = defaultdict(float)
        groups = self.env["stock.quant"]._read_group(
            [
                ("location_id", "child_of", warehouse.lot_stock_id.id),
                ("product_id", "in", [p.id for p in products]),
            ],
            ["product_id", "lot_id"],
            ["quantity:sum"],
        )
        for product, lot, qty in groups:
            odoo[product, lot.name or ""] += qty
        keys = sorted(set(reported) | set(odoo), key=lambda k: (k[0].id, k[1]))
        lot_names = {name for _p, name in keys if name}
        lots = self.env["stock.lot"].search(
            [("product_id", "in", [p.id for p in products]), ("name", "in", list(lot_names))]
        )
        lot_by_key = {(lot.product_id, lot.name): lot for lot in lots}
        date = doc.get("date")
        return self.create(
            {
                "name": f"{partner.name} {doc.get('ref') or exchange.name}",
                "trading_partner_id": partner.id,
                "warehouse_id": warehouse.id,
                "exchange_id": exchange.id,
                "report_date": date if hasattr(date, "hour") else fields.Datetime.now(),
                "line_ids": [
                    fields.Command.create(
                        {
                            "product_id": product.id,
                            "lot_name": lot_name,
                            "lot_id": lot_by_key.get((product, lot_name), self.env["stock.lot"]).id,
                            "partner_qty": reported.get((product, lot_name), 0.0),
                            "odoo_qty": odoo.get((product, lot_name), 0.0),
                        }
                    )
                    for product, lot_name in keys
                ],
            }
        )

    def action_apply_differences(self):
        """Turn the differences into inventory adjustments (stock managers only)."""
        if not self.env.user.has_group("stock.group_stock_manager"):
            raise UserError(self.env._("Only inventory managers apply stock differences."))
        for rec in self.filtered(lambda r: r.state == "draft"):
            rec.line_ids.filtered("difference")._apply_adjustment()
            rec.state = "applied"
        return True

    def action_dismiss(self):
        self.filtered(lambda r: r.state == "draft").state = "cancel"
        return True


class WmsStockReconciliationLine(models.Model):
    _name = "wms.stock.reconciliation.line"
    _description = "3PL Stock Reconciliation Line"
    _order = "reconciliation_id, product_id, lot_name"

    reconciliation_id = fields.Many2one(
        "wms.stock.reconciliation", required=True, ondelete="cascade"
    )
    product_id = fields.Many2one("product.product", required=True)
    lot_name = fields.Char("Lot")
    lot_id = fields.Many2one("stock.lot", "Lot Record")
    partner_qty = fields.Float("3PL Quantity", digits="Product Unit")
    odoo_qty = fields.Float("Odoo Quantity", digits="Product Unit")
    difference = fields.Float(compute="_compute_difference", store=True, digits="Product Unit")
    applied = fields.Boolean(readonly=True)

    @api.depends("partner_qty", "odoo_qty")
    def _compute_difference(self):
        for line in self:
            line.difference = line.product_id.uom_id.round(line.partner_qty - line.odoo_qty)

    def _apply_adjustment(self):
        """stock.quant in inventory mode on the warehouse's stock location."""
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        Lot = self.env["stock.lot"]
        missing = self.filtered(
            lambda ln: ln.lot_name and not ln.lot_id and ln.product_id.tracking != "none"
        )
        created = Lot.create(
            [
                {
                    "product_id": ln.product_id.id,
                    "name": ln.lot_name,
                    "company_id": ln.reconciliation_id.warehouse_id.company_id.id,
                }
                for ln in missing
            ]
        )
        for line, lot in zip(missing, created, strict=True):
            line.lot_id = lot
        quants = Quant
        for line in self:
            location = line.reconciliation_id.warehouse_id.lot_stock_id
            lot = line.lot_id if line.product_id.tracking != "none" else Lot
            current = Quant._gather(line.product_id, location, lot_id=lot, strict=True)
            target = sum(current.mapped("quantity")) + line.difference
            quant = Quant.create(
                {
                    "product_id": line.product_id.id,
                    "location_id": location.id,
                    "lot_id": lot.id,
                    "inventory_quantity": target,
                }
            )
            quants |= quant
        quants.action_apply_inventory()
        self.applied = True
