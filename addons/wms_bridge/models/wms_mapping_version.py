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
        return self._uom_table().get(code) or default

    def _uom_table(self):
        """``{EDI unit code: uom.uom}`` of the whole unit mapping, in one query (once
        per interchange when a :class:`WmsLookups` is in the context)."""
        lookups = self.env.context.get("wms_lookups")
        if lookups is not None and self.id in lookups.uoms:
            return lookups.uoms[self.id]
        mapping = json.loads(self.uom_map or "{}") if self else {}
        table = {}
        if mapping:
            if lookups is not None:
                lookups.queries += 1
            uoms = self.env["uom.uom"].search([("name", "in", list(mapping))], order="id")
            by_name = {}
            for uom in uoms:
                by_name.setdefault(uom.name, uom)
            for name, code in mapping.items():
                if name in by_name and code not in table:
                    table[code] = by_name[name]
        if lookups is not None:
            lookups.uoms[self.id] = table
        return table

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

        by_ours, by_theirs, by_gtin = self._product_tables(partner, id_dicts)
        found, unknown = [], []
        for ids in id_dicts:
            product = None
            for key, value in ids.items():
                table = (
                    by_ours
                    if key in OURS_KEYS
                    else by_theirs
                    if key in THEIRS_KEYS
                    else by_gtin
                    if key in GTIN_KEYS
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

    def _product_tables(self, partner, id_dicts):
        """``(by our code, by their code, by GTIN)`` for the codes of ``id_dicts``:
        three queries at most, none for codes a :class:`WmsLookups` in the context
        already holds (found or not)."""
        wanted = {"ours": set(), "theirs": set(), "gtin": set()}
        for ids in id_dicts:
            for key, value in ids.items():
                kind = (
                    "ours"
                    if key in OURS_KEYS
                    else "theirs"
                    if key in THEIRS_KEYS
                    else "gtin"
                    if key in GTIN_KEYS
                    else None
                )
                if kind and value:
                    wanted[kind].add(value)
        lookups = self.env.context.get("wms_lookups")
        if lookups is None:
            lookups = WmsLookups()
        Product = self.env["product.product"].with_context(active_test=False)
        tables = []
        for kind in ("ours", "theirs", "gtin"):
            table = lookups.products.setdefault((kind, partner.id if kind == "theirs" else 0), {})
            missing = wanted[kind] - set(table)
            if missing:
                lookups.queries += 1
                if kind == "ours":
                    found = {
                        p.default_code: p
                        for p in Product.search([("default_code", "in", list(missing))])
                    }
                elif kind == "gtin":
                    found = {
                        p.barcode: p for p in Product.search([("barcode", "in", list(missing))])
                    }
                else:
                    found = {
                        c.code: c.product_id
                        for c in self.env["wms.partner.product.code"].search(
                            [("trading_partner_id", "=", partner.id), ("code", "in", list(missing))]
                        )
                    }
                for code in missing:
                    table[code] = found.get(code)
            tables.append(table)
        return tuple(tables)


OURS_KEYS, THEIRS_KEYS, GTIN_KEYS = ("VN", "SA"), ("BP", "IN", "BY"), ("UK", "EN", "UP")


class WmsLookups:
    """Product and unit look-ups shared by the messages of one interchange.

    Put in the context as ``wms_lookups`` by the interchange being processed: the
    products of all its messages are searched once per kind of code and the unit
    mapping once, instead of once per message (or per line).  It is a cache of
    query results only; it grants nothing."""

    def __init__(self):
        self.products = {}  # (kind, partner id) -> {code: product or None}
        self.uoms = {}  # mapping id -> {EDI unit code: uom}
        self.queries = 0  # queries made through this cache (for tests)
