from collections import defaultdict
from datetime import date, datetime, time

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engine.stock_report import (
    line_label,
    ordered_ids,
    stock_report_from_846,
    stock_report_from_invrpt,
)
from ..tools.exceptions import WmsMappingError
from .wms_governed_mixin import create_governed

STOCK_MANAGER = "stock.group_stock_manager"
INTEGRATION_USER = "wms_bridge.group_wms_bridge_user"
# What the 3PL reported and what Odoo had then: set when the report is read, never
# changed afterwards (before or after an approval).
REPORT_FIELDS = frozenset(
    {
        "name",
        "trading_partner_id",
        "warehouse_id",
        "exchange_id",
        "report_date",
        "line_ids",
        "soap_exchange_record_ids",
    }
)
LINE_REPORT_FIELDS = frozenset(
    {"reconciliation_id", "product_id", "lot_name", "partner_qty", "odoo_qty"}
)


def _report_datetime(value):
    """Datetime of the report; a bare date is read at noon UTC, which displays as
    that calendar day in every timezone within 11 hours of UTC."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(12, 0))
    return fields.Datetime.now()


class WmsStockReconciliation(models.Model):
    """The 3PL's stock (846 / INVRPT) against Odoo's quants, per product and lot."""

    _name = "wms.stock.reconciliation"
    _description = "3PL Stock Reconciliation"
    _inherit = ["mail.thread", "wms.governed.mixin"]
    _order = "id desc"
    # Created by reading a 3PL's stock report; the report never changes, the state
    # only through Apply Differences and Dismiss.
    _wms_governed_create = True

    name = fields.Char(required=True, readonly=True)
    trading_partner_id = fields.Many2one("wms.trading.partner", required=True, readonly=True)
    company_id = fields.Many2one(related="trading_partner_id.company_id", store=True, index=True)
    warehouse_id = fields.Many2one("stock.warehouse", required=True, readonly=True)
    exchange_id = fields.Many2one("wms.exchange", readonly=True)
    soap_exchange_record_ids = fields.Many2many(
        "edi.exchange.record",
        string="SOAP Calls",
        readonly=True,
        help="The calls of the WMS stock query this reconciliation was made from.",
    )
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

    def _wms_protected_fields(self):
        return frozenset({"state", "company_id", "difference_count"})

    def _wms_immutable_fields(self):
        return REPORT_FIELDS

    @api.ondelete(at_uninstall=False)
    def _unlink_except_applied(self):
        """An applied reconciliation is the record of the inventory adjustments it
        made."""
        applied = self.filtered(lambda r: r.state == "applied")
        if applied:
            raise UserError(
                self.env._(
                    "%(names)s: applied reconciliations are kept as the record of the "
                    "inventory adjustments they made.",
                    names=", ".join(applied.mapped("name")),
                )
            )

    def unlink(self):
        """Administrators (access rights) may delete a reconciliation not applied,
        with its lines and validations."""
        return super(WmsStockReconciliation, self._wms_governed()).unlink()

    @api.model
    def _create_from_846(self, exchange, doc):
        return self._create_from_stock_report(exchange, stock_report_from_846(doc))

    @api.model
    def _create_from_invrpt(self, exchange, doc):
        return self._create_from_stock_report(exchange, stock_report_from_invrpt(doc))

    @api.model
    def _create_from_stock_report(self, exchange, report):
        """One reconciliation from a stock report (see the shape above), linked to
        ``exchange``: the reported quantities per product and lot against the quants
        of the warehouse the partner operates.

        Products are found with the partner's mapping (its chosen code kind first,
        then any code the line carries) and must be usable in the partner's company.
        Every line problem (unknown product, missing, negative or unconvertible
        quantity) is collected and raised as one WmsMappingError naming the lines:
        the exchange is parked and nothing is created."""
        return self._reconcile_stock_report(
            exchange.trading_partner_id,
            exchange.mapping_version_id,
            report,
            {"exchange_id": exchange.id, "name_ref": report.get("ref") or exchange.name},
        )

    @api.model
    def _reconcile_stock_report(self, partner, mapping, report, origin):
        """The reconciliation of ``partner``'s warehouse against ``report`` (any
        source: an 846 or INVRPT exchange, a SOAP stock query); ``origin``: the
        values linking it to its source, ``name_ref`` its reference in the name."""
        origin = dict(origin)
        name_ref = origin.pop("name_ref", None) or report.get("ref") or ""
        warehouse = partner.warehouse_ids[:1]
        if not warehouse:
            raise WmsMappingError(
                self.env._("%(partner)s operates no warehouse.", partner=partner.name)
            )
        lines = report.get("lines") or []
        problems = [
            problem for line in lines if (problem := self._stock_report_qty_problem(report, line))
        ]
        try:
            products = mapping._find_products(
                partner, [ordered_ids(line["product_ids"], mapping.product_code) for line in lines]
            )
        except WmsMappingError as exc:
            raise WmsMappingError("\n".join([exc.args[0], *problems])) from exc
        reported = defaultdict(float)
        for product, line in zip(products, lines, strict=True):
            qty, problem = self._stock_report_product_qty(partner, mapping, product, line)
            if problem:
                problems.append(problem)
            elif qty is not None:
                reported[product, line["lot"]] += qty
        if problems:
            raise WmsMappingError("\n".join(problems))
        product_ids = list({product.id for product in products})
        odoo = defaultdict(float)
        groups = self.env["stock.quant"]._read_group(
            [
                ("location_id", "child_of", warehouse.lot_stock_id.id),
                ("product_id", "in", product_ids),
            ],
            ["product_id", "lot_id"],
            ["quantity:sum"],
        )
        for product, lot, qty in groups:
            odoo[product, lot.name or ""] += qty
        keys = sorted(set(reported) | set(odoo), key=lambda k: (k[0].id, k[1]))
        lot_names = {name for _p, name in keys if name}
        lots = self.env["stock.lot"].search(
            [
                ("product_id", "in", product_ids),
                ("name", "in", list(lot_names)),
                ("company_id", "in", [partner.company_id.id, False]),
            ]
        )
        lot_by_key = {(lot.product_id, lot.name): lot for lot in lots}
        return create_governed(
            self,
            {
                **origin,
                "name": f"{partner.name} {name_ref}",
                "trading_partner_id": partner.id,
                "warehouse_id": warehouse.id,
                "report_date": _report_datetime(report.get("date")),
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
            },
        )

    @api.model
    def _stock_report_qty_problem(self, report, line):
        """What is wrong with the line's quantity itself (no database needed)."""
        if line["qty"] is None:
            return self.env._(
                "Line %(line)s: no on-hand quantity (QTY qualifier %(qualifiers)s).",
                line=line_label(line),
                qualifiers=" or ".join(report.get("qualifiers") or ()),
            )
        if line["qty"] < 0:
            return self.env._(
                "Line %(line)s: negative quantity %(qty)s.", line=line_label(line), qty=line["qty"]
            )
        return None

    @api.model
    def _stock_report_product_qty(self, partner, mapping, product, line):
        """``(qty in the product's unit, problem)`` for a line whose product is known."""
        if product.company_id and product.company_id != partner.company_id:
            return None, self.env._(
                "Line %(line)s: %(product)s belongs to another company.",
                line=line_label(line),
                product=product.display_name,
            )
        if line["qty"] is None or line["qty"] < 0:
            return None, None  # reported by _stock_report_qty_problem
        if not line["uom"]:
            return line["qty"], None
        uom = mapping._uom_from_code(line["uom"], self.env["uom.uom"])
        if not uom:
            return None, self.env._(
                "Line %(line)s: unit %(code)s is not in the unit mapping.",
                line=line_label(line),
                code=line["uom"],
            )
        if not uom._has_common_reference(product.uom_id):
            return None, self.env._(
                "Line %(line)s: %(code)s (%(unit)s) cannot be converted to %(product_unit)s "
                "of %(product)s.",
                line=line_label(line),
                code=line["uom"],
                unit=uom.name,
                product_unit=product.uom_id.name,
                product=product.display_name,
            )
        return uom._compute_quantity(line["qty"], product.uom_id, round=False), None

    def action_apply_differences(self):
        """Turn the differences into inventory adjustments (inventory managers only)."""
        self._wms_check_action(self.env._("Apply Differences"), [STOCK_MANAGER])
        for rec in self._wms_governed().filtered(lambda r: r.state == "draft"):
            rec.line_ids.filtered("difference")._apply_adjustment()
            rec.state = "applied"
        return True

    def action_dismiss(self):
        """Book nothing: the report stays, as dismissed (integration team or
        inventory managers)."""
        self._wms_check_action(self.env._("Dismiss"), [INTEGRATION_USER, STOCK_MANAGER])
        self._wms_governed().filtered(lambda r: r.state == "draft").state = "cancel"
        return True


class WmsStockReconciliationLine(models.Model):
    _name = "wms.stock.reconciliation.line"
    _description = "3PL Stock Reconciliation Line"
    _inherit = ["wms.governed.mixin"]
    _order = "reconciliation_id, product_id, lot_name"
    # Lines come with their reconciliation; the reported quantities never change,
    # the lot and the applied flag only when the differences are applied.
    _wms_governed_create = True

    reconciliation_id = fields.Many2one(
        "wms.stock.reconciliation", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="reconciliation_id.company_id", store=True, index=True)
    product_id = fields.Many2one("product.product", required=True)
    lot_name = fields.Char("Lot")
    lot_id = fields.Many2one("stock.lot", "Lot Record")
    partner_qty = fields.Float("3PL Quantity", digits="Product Unit")
    odoo_qty = fields.Float("Odoo Quantity", digits="Product Unit")
    difference = fields.Float(compute="_compute_difference", store=True, digits="Product Unit")
    applied = fields.Boolean(readonly=True)

    def _wms_protected_fields(self):
        return frozenset({"lot_id", "applied", "company_id", "difference"})

    def _wms_immutable_fields(self):
        return LINE_REPORT_FIELDS

    @api.ondelete(at_uninstall=False)
    def _unlink_only_with_reconciliation(self):
        """A line goes with its reconciliation only."""
        if not self._wms_is_governed():
            raise UserError(
                self.env._(
                    "Lines of a 3PL stock reconciliation cannot be deleted: they are what "
                    "the 3PL reported. Dismiss the reconciliation instead."
                )
            )

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

        # One search of the current quants, one creation of the missing ones, one
        # inventory application: not a query (or a create) per line.
        def key_of(line):
            lot = line.lot_id if line.product_id.tracking != "none" else Lot
            return line.product_id.id, line.reconciliation_id.warehouse_id.lot_stock_id.id, lot.id

        keys = {line: key_of(line) for line in self}
        existing = Quant.sudo().search(
            [
                ("product_id", "in", list({k[0] for k in keys.values()})),
                ("location_id", "in", list({k[1] for k in keys.values()})),
                ("package_id", "=", False),
                ("owner_id", "=", False),
            ],
            order="id",
        )
        by_key = {}
        for quant in existing:
            by_key.setdefault(
                (quant.product_id.id, quant.location_id.id, quant.lot_id.id), Quant.sudo()
            )
            by_key[quant.product_id.id, quant.location_id.id, quant.lot_id.id] |= quant
        missing_keys = sorted({k for k in keys.values() if k not in by_key})
        created_quants = Quant.sudo().create(
            [
                {"product_id": product_id, "location_id": location_id, "lot_id": lot_id or False}
                for product_id, location_id, lot_id in missing_keys
            ]
        )
        for key, quant in zip(missing_keys, created_quants, strict=True):
            by_key[key] = quant
        targets = {}
        for line, key in keys.items():
            current = by_key[key]
            quant = current[:1]
            base = targets.get(quant, sum(current.mapped("quantity")))
            targets[quant] = base + line.difference
        by_target = defaultdict(list)
        for quant, target in targets.items():
            by_target[target].append(quant.id)
        today = fields.Date.today()
        for target, ids in by_target.items():  # one write per distinct counted quantity
            Quant.sudo().browse(ids).write(
                {"inventory_quantity": target, "user_id": self.env.user.id, "inventory_date": today}
            )
        Quant.sudo().browse([quant.id for quant in targets]).action_apply_inventory()
        self.applied = True
