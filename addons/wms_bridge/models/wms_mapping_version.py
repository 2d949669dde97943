import json

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class WmsMappingVersion(models.Model):
    """Per-partner mapping options, versioned: a version used by an exchange is
    frozen, changes go into a new version; every exchange records the version used."""

    _name = "wms.mapping.version"
    _description = "EDI Mapping Version"
    _order = "trading_partner_id, version desc"
    _rec_names_search = ["trading_partner_id", "version"]

    trading_partner_id = fields.Many2one("wms.trading.partner", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="trading_partner_id.company_id", store=True)
    version = fields.Integer(readonly=True, copy=False)
    active = fields.Boolean(default=True)
    product_code = fields.Selection(
        [
            ("ours", "Our internal reference (VN/SA)"),
            ("theirs", "Their code (BP/IN)"),
            ("gtin", "GTIN barcode (UK/EN)"),
        ],
        required=True,
        default="ours",
        help="Which product code identifies products in documents sent to this partner; "
        "incoming documents are matched on any code they carry.",
    )
    uom_map = fields.Text(
        "Unit Mapping",
        default='{"Units": "EA", "kg": "KG", "Dozens": "DZ"}',
        help='JSON object: Odoo unit name -> EDI unit code, e.g. {"Units": "EA"}.',
    )
    note = fields.Char()
    used = fields.Boolean(compute="_compute_used")

    _version_unique = models.Constraint(
        "UNIQUE(trading_partner_id, version)", "Mapping versions are unique per partner."
    )

    def _compute_used(self):
        used = {
            version.id
            for [version] in self.env["wms.exchange"]._read_group(
                [("mapping_version_id", "in", self.ids)], ["mapping_version_id"]
            )
        }
        for mapping in self:
            mapping.used = mapping.id in used

    @api.depends("trading_partner_id", "version")
    def _compute_display_name(self):
        for mapping in self:
            mapping.display_name = f"{mapping.trading_partner_id.name} v{mapping.version}"

    @api.constrains("uom_map")
    def _check_uom_map(self):
        for mapping in self:
            try:
                value = json.loads(mapping.uom_map or "{}")
            except ValueError as exc:
                raise ValidationError(self.env._("The unit mapping is not valid JSON.")) from exc
            if not isinstance(value, dict):
                raise ValidationError(self.env._("The unit mapping must be a JSON object."))

    @api.model_create_multi
    def create(self, vals_list):
        partner_ids = {vals["trading_partner_id"] for vals in vals_list}
        last = dict(
            self.with_context(active_test=False)._read_group(
                [("trading_partner_id", "in", list(partner_ids))],
                ["trading_partner_id"],
                ["version:max"],
            )
        )
        last = {partner.id: version for partner, version in last.items()}
        for vals in vals_list:
            pid = vals["trading_partner_id"]
            last[pid] = (last.get(pid) or 0) + 1
            vals["version"] = last[pid]
        return super().create(vals_list)

    def write(self, vals):
        frozen = set(vals) - {"active", "note"}
        if frozen and any(self.mapped("used")):
            raise UserError(
                self.env._(
                    "This mapping version was used by exchanges: create a new version instead."
                )
            )
        return super().write(vals)

    # ------------------------------------------------------------------ mapping
    def _uom_code(self, uom):
        mapping = json.loads(self.uom_map or "{}") if self else {}
        return mapping.get(uom.name) or "EA"

    def _uom_from_code(self, code, default):
        """Odoo unit for an EDI unit code (reverse mapping), ``default`` if unknown."""
        mapping = json.loads(self.uom_map or "{}") if self else {}
        names = [name for name, edi in mapping.items() if edi == code]
        if not names:
            return default
        uom = self.env["uom.uom"].search([("name", "in", names)], limit=1)
        return uom or default

    def _product_ids(self, product, partner):
        """Product qualifiers for an outgoing line under this mapping.

        X12 qualifiers: VN (vendor's = ours), BP (buyer's part = the partner's code),
        UK (GTIN-14 / EAN).  Raises WmsMappingError when the chosen code is missing."""
        from ..tools.exceptions import WmsMappingError

        choice = self.product_code if self else "ours"
        if choice == "theirs":
            code = partner.product_code_ids.filtered(lambda c: c.product_id == product)[:1].code
            key = "BP"
        elif choice == "gtin":
            code, key = product.barcode, "UK"
        else:
            code, key = product.default_code, "VN"
        if not code:
            raise WmsMappingError(
                self.env._(
                    "Product %(product)s has no code for mapping '%(choice)s'.",
                    product=product.display_name,
                    choice=choice,
                )
            )
        ids = {key: code}
        if key != "VN" and product.default_code:
            ids["VN"] = product.default_code
        return ids

    def _find_products(self, partner, id_dicts):
        """Products for incoming ``product_ids`` dicts (any qualifier), in order.

        Ours: VN/SA/``ours``; theirs: BP/IN/BY; GTIN: UK/EN/UP/SRV/``gtin``.  Unknown
        codes raise one WmsMappingError naming them all."""
        from ..tools.exceptions import WmsMappingError

        ours_keys, theirs_keys, gtin_keys = ("VN", "SA"), ("BP", "IN", "BY"), ("UK", "EN", "UP")
        ours, theirs, gtins = set(), set(), set()
        for ids in id_dicts:
            for key, value in ids.items():
                if key in ours_keys:
                    ours.add(value)
                elif key in theirs_keys:
                    theirs.add(value)
                elif key in gtin_keys:
                    gtins.add(value)
        Product = self.env["product.product"].with_context(active_test=False)
        by_ours = {p.default_code: p for p in Product.search([("default_code", "in", list(ours))])}
        by_gtin = {p.barcode: p for p in Product.search([("barcode", "in", list(gtins))])}
        by_theirs = {
            c.code: c.product_id
            for c in self.env["wms.partner.product.code"].search(
                [("trading_partner_id", "=", partner.id), ("code", "in", list(theirs))]
            )
        }
        found, unknown = [], []
        for ids in id_dicts:
            product = None
            for key, value in ids.items():
                table = (
                    by_ours
                    if key in ours_keys
                    else by_theirs
                    if key in theirs_keys
                    else by_gtin
                    if key in gtin_keys
                    else {}
                )
                product = table.get(value)
                if product:
                    break
            if not product:
                unknown.append(", ".join(f"{k}={v}" for k, v in ids.items()) or "(no code)")
            found.append(product)
        if unknown:
            raise WmsMappingError(
                self.env._("Unknown products: %(codes)s", codes="; ".join(unknown))
            )
        return found
