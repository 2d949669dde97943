from odoo import api, fields, models

from ..tools.exceptions import WmsMappingError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    wms_exchange_ids = fields.One2many("wms.exchange", "sale_order_id", "EDI Exchanges")

    @api.model
    def _wms_create_from_orders(self, exchange, doc):
        """EDIFACT ORDERS -> confirmed sale order.

        The buyer (NAD+BY) is looked up by party id: a customer trading partner with
        that EDIFACT id, else a contact whose reference or GLN barcode is the id,
        else the sending trading partner's contact.  The delivery party (NAD+DP)
        likewise, defaulting to the buyer.  Confirmation goes through
        ``action_confirm`` so that an order pipeline hooked there applies."""
        partner = exchange.trading_partner_id
        order_ref = doc.get("order_ref")
        if not order_ref:
            raise WmsMappingError(self.env._("The order has no number (BGM)."))
        buyer_nad = next((p for p in doc.get("parties") or [] if p["qualifier"] == "BY"), None)
        delivery_nad = next((p for p in doc.get("parties") or [] if p["qualifier"] == "DP"), None)
        buyer = self._wms_party(buyer_nad, partner.partner_id)
        delivery = self._wms_party(delivery_nad, buyer)
        if self.search_count(
            [("client_order_ref", "=", order_ref), ("partner_id", "=", buyer.id)], limit=1
        ):
            raise WmsMappingError(
                self.env._(
                    "Order %(ref)s of %(buyer)s exists already.",
                    ref=order_ref,
                    buyer=buyer.display_name,
                )
            )
        lines = doc.get("lines") or []
        if not lines:
            raise WmsMappingError(self.env._("The order has no line."))
        id_dicts = []
        for line in lines:
            ids = dict(line.get("product_ids") or {})
            if line.get("item_id") and line.get("item_id_type") in ("EN", "SRV", "UP"):
                ids.setdefault("EN", line["item_id"])
            id_dicts.append(ids)
        products = exchange.mapping_version_id._find_products(partner, id_dicts)
        mapping = exchange.mapping_version_id
        order_lines = []
        for product, line in zip(products, lines, strict=True):
            if not line.get("qty") or line["qty"] <= 0:
                raise WmsMappingError(
                    self.env._("Line %(line)s has no quantity.", line=line.get("line"))
                )
            vals = {
                "product_id": product.id,
                "product_uom_qty": line["qty"],
                "product_uom_id": mapping._uom_from_code(line.get("uom"), product.uom_id).id,
            }
            if line.get("price") is not None:
                vals["price_unit"] = line["price"]
            order_lines.append(fields.Command.create(vals))
        dates = doc.get("dates") or {}
        commitment = dates.get("2")
        order = self.create(
            {
                "partner_id": buyer.id,
                "partner_shipping_id": delivery.id,
                "client_order_ref": order_ref,
                "origin": exchange.name,
                "commitment_date": commitment if hasattr(commitment, "hour") else False,
                "note": "\n".join(doc.get("notes") or []),
                "order_line": order_lines,
            }
        )
        order.action_confirm()
        return order

    @api.model
    def _wms_party(self, nad, default):
        if not nad or not nad.get("id"):
            return default
        party_id = nad["id"]
        trading = self.env["wms.trading.partner"].search(
            [("edifact_party_id", "=", party_id), ("role", "=", "customer")], limit=1
        )
        if trading:
            return trading.partner_id
        contact = self.env["res.partner"].search(
            ["|", ("ref", "=", party_id), ("barcode", "=", party_id)], limit=1
        )
        if contact:
            return contact
        if default:
            return default
        raise WmsMappingError(self.env._("Unknown party %(id)s.", id=party_id))
