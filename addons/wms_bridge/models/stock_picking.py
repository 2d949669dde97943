from collections import defaultdict
from datetime import datetime

from odoo import api, fields, models

from ..tools.exceptions import WmsMappingError

# AT7 shipment status codes met from carriers (X12 1650).
CARRIER_STATUS = {
    "X3": "Arrived at pick-up location",
    "AF": "Picked up",
    "X6": "En route",
    "X1": "Arrived at delivery location",
    "AG": "Estimated delivery",
    "SD": "Delayed",
    "A9": "Shipment damaged",
    "D1": "Delivered",
    "CD": "Delivered",
}


# Written by the bridge only: the 940/943 sent for the transfer (cleared, the cron
# would send a second shipping order) and the carrier's status from its 214.
PROTECTED_FIELDS = frozenset(
    {
        "wms_order_exchange_id",
        "wms_carrier_status",
        "wms_carrier_status_date",
        "wms_carrier_status_location",
    }
)


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "wms.governed.mixin"]

    carrier_tracking_ref = fields.Char("Tracking Reference", copy=False)
    wms_bill_of_lading = fields.Char("Bill of Lading", copy=False)
    wms_carrier_status = fields.Char("Carrier Status", copy=False, readonly=True)
    wms_carrier_status_date = fields.Datetime("Carrier Status Date", copy=False, readonly=True)
    wms_carrier_status_location = fields.Char("Carrier Location (214)", copy=False, readonly=True)
    wms_exchange_ids = fields.One2many("wms.exchange", "picking_id", "EDI Exchanges")
    wms_order_exchange_id = fields.Many2one(
        "wms.exchange",
        "3PL Order (940/943)",
        copy=False,
        readonly=True,
        help="The shipping order or inbound notice sent to the 3PL for this transfer.",
    )
    wms_trading_partner_id = fields.Many2one(
        "wms.trading.partner",
        "Operating 3PL",
        compute="_compute_wms_trading_partner_id",
    )

    def _wms_protected_fields(self):
        return PROTECTED_FIELDS

    def _compute_wms_trading_partner_id(self):
        partners = self.env["wms.trading.partner"].search(
            [("role", "=", "3pl"), ("warehouse_ids", "in", self.picking_type_id.warehouse_id.ids)]
        )
        by_warehouse = {}
        for partner in partners:
            for warehouse in partner.warehouse_ids:
                by_warehouse.setdefault(warehouse.id, partner)
        for picking in self:
            picking.wms_trading_partner_id = by_warehouse.get(
                picking.picking_type_id.warehouse_id.id, False
            )

    # ================================================================== 940 / 943 out
    def _wms_order_domain(self):
        """Ready 3PL transfers without a shipping order / inbound notice yet."""
        warehouses = self.env["wms.trading.partner"].search([("role", "=", "3pl")]).warehouse_ids
        return [
            ("state", "=", "assigned"),
            ("wms_order_exchange_id", "=", False),
            ("picking_type_code", "in", ("outgoing", "incoming")),
            ("picking_type_id.warehouse_id", "in", warehouses.ids),
        ]

    @api.model
    def _cron_send_3pl_orders(self):
        self.search(self._wms_order_domain())._wms_send_3pl_orders()

    def action_assign(self):
        res = super().action_assign()
        self.filtered_domain(self._wms_order_domain())._wms_send_3pl_orders()
        return res

    def action_wms_send_to_3pl(self):
        """Button: send the 940 / 943 now (the cron does it for the others)."""
        self._wms_check_action(self.env._("Send to 3PL"), ["stock.group_stock_user"])
        self.filtered_domain(self._wms_order_domain())._wms_send_3pl_orders()
        return True

    def _wms_send_3pl_orders(self):
        # sudo: warehouse staff confirm and reserve transfers without rights on EDI
        # records; what is created is the one shipping order of each ready transfer,
        # for the 3PL operating its warehouse, from the transfer's own data
        Exchange = self.env["wms.exchange"].sudo()
        for picking in self._wms_governed():
            partner = picking.wms_trading_partner_id.sudo()
            if not partner:
                continue
            doc_type = "940" if picking.picking_type_code == "outgoing" else "943"
            if not partner._exchanges(doc_type, "out"):
                continue
            builder = picking._wms_940 if doc_type == "940" else picking._wms_943
            exchange = Exchange._create_outgoing(
                partner,
                doc_type,
                None,
                links={"picking_id": picking.id},
                builder=lambda mapping, b=builder, p=partner: b(p, mapping),
            )
            picking.wms_order_exchange_id = exchange

    def _wms_party(self, qualifier, partner, code=""):
        return {
            "qualifier": qualifier,
            "name": (partner.name or "")[:60],
            "id_qualifier": "92" if code else "",
            "id": code,
            "address1": partner.street or "",
            "address2": partner.street2 or "",
            "city": partner.city or "",
            "state": partner.state_id.code or "",
            "postcode": partner.zip or "",
            "country": partner.country_id.code or "",
        }

    def _wms_lines(self, partner, mapping, qty_key="qty"):
        lines = []
        moves = self.move_ids.filtered(lambda m: m.state not in ("cancel", "done"))
        for index, move in enumerate(moves.sorted("id"), start=1):
            lines.append(
                {
                    "line": index,
                    qty_key: move.product_uom_qty,
                    "uom": mapping._uom_code(move.product_uom),
                    "product_ids": mapping._product_ids(move.product_id, partner),
                    "description": (move.product_id.name or "")[:80],
                }
            )
        if not lines:
            raise WmsMappingError(self.env._("Transfer %(name)s has no line.", name=self.name))
        return lines

    def _wms_940(self, partner, mapping):
        self.ensure_one()
        ship_to = self.partner_id or self.company_id.partner_id
        return {
            "purpose": "N",
            "order_ref": self.name,
            "po_ref": (self.origin or "")[:22],
            "parties": [
                self._wms_party("ST", ship_to, ship_to.ref or ""),
                self._wms_party(
                    "SF",
                    self.picking_type_id.warehouse_id.partner_id or self.company_id.partner_id,
                    self.picking_type_id.warehouse_id.code or "",
                ),
            ],
            "dates": {"10": self.scheduled_date.date()},
            "lines": self._wms_lines(partner, mapping),
        }

    def _wms_943(self, partner, mapping):
        self.ensure_one()
        vendor = self.partner_id or self.company_id.partner_id
        return {
            "report_code": "N",
            "order_ref": self.name,
            "date": self.scheduled_date.date(),
            "shipment_id": self.name,
            "po_ref": (self.origin or "")[:22],
            "parties": [self._wms_party("SF", vendor, vendor.ref or "")],
            "lines": self._wms_lines(partner, mapping),
        }

    # ================================================================== 945 / 944 in
    @api.model
    def _wms_find_for_document(self, partner, reference, code):
        picking = self.search(
            [
                ("name", "=", reference or ""),
                ("picking_type_code", "=", code),
                ("picking_type_id.warehouse_id", "in", partner.warehouse_ids.ids),
            ],
            limit=1,
        )
        if not picking:
            raise WmsMappingError(
                self.env._(
                    "No %(kind)s transfer %(ref)s in the warehouses of %(partner)s.",
                    kind=code,
                    ref=reference or "?",
                    partner=partner.name,
                )
            )
        if picking.state in ("done", "cancel"):
            raise WmsMappingError(
                self.env._(
                    "Transfer %(ref)s is already %(state)s.", ref=picking.name, state=picking.state
                )
            )
        return picking

    def _wms_apply_shipment(self, exchange, doc):
        """945: shipped quantities and lots on the moves, tracking, validation with a
        backorder for what was not shipped.  Returns the backorder."""
        lines = [
            {
                "product_ids": ln.get("product_ids") or {},
                "upc": ln.get("upc"),
                "qty": ln.get("qty_shipped") or 0.0,
                "lot": ln.get("lot"),
                "uom": ln.get("uom"),
            }
            for ln in doc.get("lines") or []
        ]
        refs = doc.get("refs") or {}
        vals = {}
        if refs.get("CN"):
            vals["carrier_tracking_ref"] = refs["CN"]
        if refs.get("BM"):
            vals["wms_bill_of_lading"] = refs["BM"]
        self.write(vals)
        return self._wms_validate(exchange, lines)

    def _wms_apply_receipt(self, exchange, doc):
        """944: received quantities and lots, validation with a backorder; W13
        exceptions (damaged, over, short) are noted on the transfer."""
        lines = [
            {
                "product_ids": ln.get("product_ids") or {},
                "upc": ln.get("upc"),
                "qty": ln.get("qty") or 0.0,
                "lot": ln.get("lot"),
                "uom": ln.get("uom"),
            }
            for ln in doc.get("lines") or []
        ]
        notes = [
            f"{x.get('qty')} {x.get('uom')} condition {x.get('condition')}"
            for ln in doc.get("lines") or []
            for x in ln.get("exceptions") or []
        ]
        if notes:
            self.message_post(
                body=self.env._("3PL receipt exceptions: %(notes)s", notes="; ".join(notes))
            )
        return self._wms_validate(exchange, lines)

    def _wms_validate(self, exchange, lines):
        self.ensure_one()
        partner, mapping = exchange.trading_partner_id, exchange.mapping_version_id
        id_dicts = [
            ln["product_ids"] or ({"UK": ln["upc"]} if ln.get("upc") else {}) for ln in lines
        ]
        products = mapping._find_products(partner, id_dicts)
        moves = self.move_ids.filtered(lambda m: m.state not in ("cancel", "done"))
        demand = defaultdict(float)
        for move in moves:
            demand[move.product_id] += move.product_uom_qty
        todo = defaultdict(list)  # product -> [(lot name, qty)]
        for product, line in zip(products, lines, strict=True):
            if product not in demand:
                raise WmsMappingError(
                    self.env._(
                        "%(product)s is not on transfer %(ref)s.",
                        product=product.display_name,
                        ref=self.name,
                    )
                )
            if line["qty"]:
                todo[product].append((line.get("lot") or "", line["qty"]))
        for product, pairs in todo.items():
            total = sum(q for _lot, q in pairs)
            if product.uom_id.compare(total, demand[product]) > 0:
                raise WmsMappingError(
                    self.env._(
                        "%(product)s: %(qty)s reported, above the %(demand)s ordered on %(ref)s.",
                        product=product.display_name,
                        qty=total,
                        demand=demand[product],
                        ref=self.name,
                    )
                )
        if not todo:
            raise WmsMappingError(self.env._("Nothing shipped or received in the document."))
        lots = self._wms_lots(todo)
        wanted = defaultdict(list)  # move -> [move line values]
        for move in moves.sorted("id"):
            pairs = todo.get(move.product_id) or []
            remaining = move.product_uom_qty
            while pairs and remaining > 0:
                lot, qty = pairs[0]
                take = min(qty, remaining)
                vals = {
                    "move_id": move.id,
                    "picking_id": self.id,
                    "product_id": move.product_id.id,
                    "product_uom_id": move.product_uom.id,
                    "quantity": take,
                    "location_id": move.location_id.id,
                    "location_dest_id": move.location_dest_id.id,
                }
                if lot and move.product_id.tracking != "none":
                    vals["lot_id"] = lots[move.product_id, lot].id
                wanted[move].append(vals)
                remaining -= take
                if take >= qty:
                    pairs.pop(0)
                else:
                    pairs[0] = (lot, qty - take)
        self._wms_set_move_lines(moves, wanted)
        moves.filtered(lambda m: m.quantity).picked = True
        self.with_context(skip_backorder=True, skip_sms=True, skip_expired=True).button_validate()
        exchange._message_log(body=self.env._("Validated %(ref)s.", ref=self.name))
        return self.backorder_ids[:1]

    def _wms_set_move_lines(self, moves, wanted):
        """Make the moves' lines what the 3PL reported (``wanted``: move -> line
        values).  A move reserved on exactly one line of the reported lot keeps that
        line (and its reserved location) with the reported quantity; the lines of
        any other move are replaced.  One unlink, one write per distinct quantity
        and one create for the whole transfer."""
        MoveLine = self.env["stock.move.line"]
        drop, create_vals = MoveLine, []
        keep = defaultdict(lambda: MoveLine)  # quantity -> lines kept
        for move in moves:
            lines, want = move.move_line_ids, wanted.get(move) or []
            if (
                len(lines) == 1
                and len(want) == 1
                and lines.lot_id.id == want[0].get("lot_id", False)
                and lines.product_uom_id == move.product_uom
                and not lines.package_id
                and not lines.result_package_id
            ):
                if move.product_uom.compare(lines.quantity, want[0]["quantity"]):
                    keep[want[0]["quantity"]] |= lines
                continue
            drop |= lines
            create_vals += want
        drop.unlink()
        for quantity, lines in keep.items():
            lines.quantity = quantity
        MoveLine.create(create_vals)

    def _wms_lots(self, todo):
        """Existing or new lots ``{(product, name): lot}`` for tracked products."""
        wanted = {
            (product, lot)
            for product, pairs in todo.items()
            if product.tracking != "none"
            for lot, _qty in pairs
            if lot
        }
        missing_lot = [
            p.display_name
            for p, pairs in todo.items()
            if p.tracking != "none" and any(not lot for lot, _q in pairs)
        ]
        if missing_lot:
            raise WmsMappingError(
                self.env._(
                    "No lot given for tracked %(products)s.", products=", ".join(missing_lot)
                )
            )
        Lot = self.env["stock.lot"]
        existing = Lot.search(
            [
                ("product_id", "in", [p.id for p, _l in wanted]),
                ("name", "in", [name for _p, name in wanted]),
                ("company_id", "in", [self.company_id.id, False]),
            ]
        )
        lots = {(lot.product_id, lot.name): lot for lot in existing}
        new = [key for key in wanted if key not in lots]
        created = Lot.create(
            [
                {"product_id": p.id, "name": name, "company_id": self.company_id.id}
                for p, name in new
            ]
        )
        lots.update({(lot.product_id, lot.name): lot for lot in created})
        return lots

    # ================================================================== 214 in
    @api.model
    def _wms_apply_carrier_status(self, exchange, doc):
        """214: the latest AT7 status on the transfer found by tracking or reference."""
        refs = list((doc.get("refs") or {}).values())
        keys = [k for k in (doc.get("pro_number"), doc.get("shipment_id")) if k]
        picking = self.search(
            ["|", ("carrier_tracking_ref", "in", keys), ("name", "in", refs + keys)],
            order="id desc",
            limit=1,
        )
        if not picking:
            raise WmsMappingError(
                self.env._("No transfer for shipment %(ref)s.", ref=", ".join(keys + refs))
            )
        statuses = [s for s in doc.get("statuses") or [] if s.get("status")]
        if not statuses:
            raise WmsMappingError(self.env._("No shipment status in the document."))
        dated = [s for s in statuses if hasattr(s.get("datetime"), "year")]
        last = max(dated, key=lambda s: s["datetime"]) if dated else statuses[-1]
        loc = last.get("location") or {}
        when = last.get("datetime")
        picking._wms_governed().write(
            {
                "wms_carrier_status": f"{last['status']} "
                f"{CARRIER_STATUS.get(last['status'], '')}".strip(),
                "wms_carrier_status_date": when
                if isinstance(when, datetime)
                else fields.Datetime.now(),
                "wms_carrier_status_location": ", ".join(v for v in loc.values() if v),
            }
        )
        return picking

    # ================================================================== 856 out
    def _action_done(self):
        res = super()._action_done()
        self._wms_send_asns()
        return res

    def _wms_send_asns(self):
        done = self.filtered(lambda p: p.state == "done" and p.picking_type_code == "outgoing")
        if not done:
            return
        # sudo: finding the customers who want an ASN (see below)
        customers = (
            self.env["wms.trading.partner"]
            .sudo()
            .search(
                [
                    ("role", "=", "customer"),
                    ("send_asn", "=", True),
                    ("partner_id", "in", done.partner_id.commercial_partner_id.ids),
                ]
            )
        )
        by_partner = {c.partner_id: c for c in customers}
        # sudo: a done delivery sends its ASN whoever validated it (warehouse staff
        # have no rights on EDI records); only the customers who asked for ASNs
        Exchange = self.env["wms.exchange"].sudo()
        for picking in done:
            customer = by_partner.get(picking.partner_id.commercial_partner_id)
            if not customer:
                continue
            doc_type = "DESADV" if customer.standard == "edifact" else "856"
            builder = picking._wms_desadv if doc_type == "DESADV" else picking._wms_856
            Exchange._create_outgoing(
                customer,
                doc_type,
                None,
                links={"picking_id": picking.id},
                builder=lambda mapping, b=builder, c=customer: b(c, mapping),
            )

    def _wms_shipped_items(self, partner, mapping):
        items = []
        for line in self.move_line_ids.filtered("quantity"):
            items.append(
                {
                    "product_ids": mapping._product_ids(line.product_id, partner),
                    "lot": line.lot_id.name or "",
                    "qty": line.quantity,
                    "uom": mapping._uom_code(line.product_uom_id),
                    "qty_ordered": line.move_id.product_uom_qty,
                }
            )
        return items

    def _wms_856(self, partner, mapping):
        self.ensure_one()
        sale = self.sale_id
        ship_to = self.partner_id
        return {
            "purpose": "00",
            "shipment_id": self.name[:30],
            "datetime": self.date_done,
            "shipment": {
                "packaging": "CTN25",
                "lading_qty": len(self.move_line_ids.filtered("quantity")),
                "refs": {
                    k: v
                    for k, v in (("BM", self.wms_bill_of_lading), ("CN", self.carrier_tracking_ref))
                    if v
                },
                "parties": [self._wms_party("ST", ship_to, ship_to.ref or "")],
            },
            "orders": [
                {
                    "po_ref": (sale.client_order_ref or sale.name or self.origin or self.name)[:22],
                    "po_date": sale.date_order.date() if sale else None,
                    "items": self._wms_shipped_items(partner, mapping),
                }
            ],
        }

    def _wms_desadv(self, partner, mapping):
        self.ensure_one()
        sale = self.sale_id
        items = [
            {
                "gtin": line.product_id.barcode or "",
                "product_ids": {"SA": line.product_id.default_code or ""},
                "qty": line.quantity,
                "uom": "PCE",
                "lot": line.lot_id.name or "",
            }
            for line in self.move_line_ids.filtered("quantity")
        ]
        return {
            "despatch_ref": self.name,
            "dates": {"137": self.date_done},
            "refs": {"ON": sale.client_order_ref or sale.name or self.origin or self.name},
            "parties": [{"qualifier": "DP", "id": self.partner_id.ref or "", "name": ""}],
            "packages": [{"items": items}],
        }
