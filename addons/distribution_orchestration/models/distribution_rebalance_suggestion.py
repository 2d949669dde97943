from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..engine.stock_status import SitePosition, StockStatus, suggest_rebalancing
from .governance import GROUP_MANAGER, GROUP_USER, governed_action

MANAGER_GROUP = GROUP_MANAGER
#: Statuses the engine acts on: sources are in excess, destinations short.
SHORT_STATUSES = (StockStatus.STOCK_OUT.value, StockStatus.BELOW_SAFETY.value)
REBALANCE_STATUSES = (*SHORT_STATUSES, StockStatus.EXCESS.value)
LIVE_FIELDS = (
    "company_id",
    "product_id",
    "warehouse_id",
    "status",
    "usable",
    "available",
    "safety_stock",
    "demand_per_day",
    "days_of_cover",
)


class DistributionRebalanceSuggestion(models.TransientModel):  # pylint: disable=no-wizard-in-models
    """A suggested inter-warehouse transfer of one product (excess site -> short site).

    It reads the inventory status's live figures, so quarantined, held and expired
    stock is never moved as if it were usable, and a source never gives more than it
    can promise (:mod:`..engine.atp`).

    Transient on purpose: a suggestion is a snapshot of the inventory status at the
    moment it is computed, recomputed each time the screen is opened, and private to
    the user who asked for it (Odoo's transient-model rule), so nobody acts on figures
    that another user's transfer already changed.  What lasts is the transfer itself:
    its origin and the move description carry the suggestion's explanation.
    """

    _name = "distribution.rebalance.suggestion"
    _description = "Rebalancing Suggestion"
    _order = "company_id, product_id, sequence, id"
    _transient_max_hours = 12.0

    sequence = fields.Integer(default=10, help="Decision order of the engine.")
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    product_id = fields.Many2one("product.product", required=True, readonly=True)
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    categ_id = fields.Many2one(related="product_id.categ_id", string="Product Category")
    from_warehouse_id = fields.Many2one(
        "stock.warehouse", string="From", required=True, readonly=True
    )
    to_warehouse_id = fields.Many2one("stock.warehouse", string="To", required=True, readonly=True)
    quantity = fields.Float(digits="Product Unit", required=True)
    from_available = fields.Float(
        string="Usable at Source",
        readonly=True,
        help="On hand - reserved - quarantined/expired at the source, when suggested.",
    )
    to_available = fields.Float(
        string="Usable at Destination",
        readonly=True,
        help="On hand - reserved - quarantined/expired at the destination, when suggested.",
    )
    to_safety_stock = fields.Float(string="Safety Stock at Destination", readonly=True)
    explanation = fields.Text(readonly=True)
    picking_id = fields.Many2one("stock.picking", string="Transfer", readonly=True)

    # ------------------------------------------------------------------ computing

    @api.model
    def _suggest(self, product_ids=None):
        """Suggestions for the given products (all when None) in the allowed companies.

        One read of the live status view (current figures, rows in excess or short
        only), then the engine once per (company, product) that has both; returns the
        created suggestions.
        """
        where = SQL("status IN %s", REBALANCE_STATUSES)
        if product_ids is not None:
            where = SQL("%s AND product_id IN %s", where, tuple(product_ids) or (0,))
        rows = self.env["distribution.inventory.status"]._live_rows(where, LIVE_FIELDS)
        by_key = defaultdict(list)
        for row in rows:
            by_key[row["company_id"], row["product_id"]].append(row)
        companies = self.env["res.company"].browse({key[0] for key in by_key})
        params_by_company = {
            company.id: company._distribution_rebalance_params() for company in companies
        }
        products = self.env["product.product"].browse({key[1] for key in by_key})
        warehouses = self.env["stock.warehouse"].browse({row["warehouse_id"] for row in rows})
        product_by_id = {product.id: product for product in products}
        warehouse_by_id = {warehouse.id: warehouse for warehouse in warehouses}
        vals_list = []
        for (company_id, product_id), site_rows in by_key.items():
            statuses = {row["status"] for row in site_rows}
            if StockStatus.EXCESS.value not in statuses or not statuses & set(SHORT_STATUSES):
                continue
            by_warehouse = {row["warehouse_id"]: row for row in site_rows}
            positions = [
                SitePosition(
                    warehouse_id=row["warehouse_id"],
                    usable=row["usable"],
                    safety_stock=row["safety_stock"],
                    demand_per_day=row["demand_per_day"],
                )
                for row in site_rows
            ]
            suggestions = suggest_rebalancing(
                positions, params_by_company[company_id], product_id=product_id
            )
            for sequence, suggestion in enumerate(suggestions):
                source = by_warehouse[suggestion.from_warehouse_id]
                destination = by_warehouse[suggestion.to_warehouse_id]
                vals_list.append(
                    {
                        "sequence": sequence,
                        "company_id": company_id,
                        "product_id": product_id,
                        "from_warehouse_id": suggestion.from_warehouse_id,
                        "to_warehouse_id": suggestion.to_warehouse_id,
                        "quantity": suggestion.quantity,
                        "from_available": source["usable"],
                        "to_available": destination["usable"],
                        "to_safety_stock": destination["safety_stock"],
                        "explanation": self._explanation(
                            suggestion,
                            product_by_id[product_id],
                            (warehouse_by_id[source["warehouse_id"]], source),
                            (warehouse_by_id[destination["warehouse_id"]], destination),
                        ),
                    }
                )
        return self.create(vals_list)

    @api.model
    def _explanation(self, suggestion, product, source, destination):
        """Why this transfer: ``source`` / ``destination`` are (warehouse, status row)."""
        (from_site, from_row), (to_site, to_row) = source, destination
        status_labels = dict(
            self.env["distribution.inventory.status"]
            ._fields["status"]
            ._description_selection(self.env)
        )
        return self.env._(
            "Move %(quantity)s %(unit)s of %(product)s from %(from_site)s (excess: "
            "%(src_available)s usable, %(src_atp)s available to promise, %(src_cover)s) to "
            "%(to_site)s (%(status)s: %(dst_available)s usable, safety stock %(safety)s).",
            quantity=f"{suggestion.quantity:g}",
            unit=product.uom_id.name,
            product=product.display_name,
            from_site=from_site.name,
            src_available=f"{from_row['usable']:g}",
            src_atp=f"{from_row['available']:g}",
            src_cover=(
                self.env._("%(days)s days of cover", days=f"{from_row['days_of_cover']:.0f}")
                if from_row["demand_per_day"] > 0
                else self.env._("no recent demand")
            ),
            to_site=to_site.name,
            status=status_labels.get(to_row["status"]),
            dst_available=f"{to_row['usable']:g}",
            safety=f"{to_row['safety_stock']:g}",
        )

    @api.model
    @governed_action(GROUP_USER, rule="products and sites of the caller's companies and sites")
    def action_open_suggestions(self, product_ids=None):
        """Recompute the user's suggestions and open them (menu and status-list button)."""
        self.search([("create_uid", "=", self.env.uid), ("picking_id", "=", False)]).unlink()
        suggestions = self._suggest(product_ids)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "distribution_orchestration.distribution_rebalance_suggestion_action"
        )
        action["domain"] = [("id", "in", suggestions.ids)]
        return action

    # ------------------------------------------------------------------ transfers

    def _check_can_transfer(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only distribution administrators can create rebalancing transfers.")
            )

    def _picking_vals(self, source, destination, suggestions):
        origin = self.env._(
            "Rebalancing %(from_site)s to %(to_site)s",
            from_site=source.code,
            to_site=destination.code,
        )
        return {
            "picking_type_id": source.int_type_id.id,
            "location_id": source.lot_stock_id.id,
            "location_dest_id": destination.lot_stock_id.id,
            "company_id": source.company_id.id,
            "origin": origin,
            "move_ids": [
                fields.Command.create(
                    {
                        "product_id": suggestion.product_id.id,
                        "product_uom_qty": suggestion.quantity,
                        "product_uom": suggestion.product_id.uom_id.id,
                        "location_id": source.lot_stock_id.id,
                        "location_dest_id": destination.lot_stock_id.id,
                        "description_picking": suggestion.explanation,
                    }
                )
                for suggestion in suggestions
            ],
        }

    @governed_action(GROUP_MANAGER)
    def action_create_transfer(self):
        """One internal transfer per (source, destination) of the selected suggestions.

        Source warehouse's internal operation type, from its stock location straight to
        the destination's stock location; confirmed and reserved at once.
        """
        self._check_can_transfer()
        todo = self.filtered(lambda s: not s.picking_id)
        if not todo:
            raise UserError(self.env._("These suggestions already have their transfer."))
        groups = defaultdict(self.browse)
        for suggestion in todo:
            if suggestion.quantity <= 0:
                raise UserError(self.env._("A transfer quantity must be positive."))
            groups[suggestion.from_warehouse_id, suggestion.to_warehouse_id] |= suggestion
        keys = list(groups)
        pickings = self.env["stock.picking"].create(
            [
                self._picking_vals(source, destination, groups[source, destination])
                for source, destination in keys
            ]
        )
        for (source, destination), picking in zip(keys, pickings, strict=True):
            groups[source, destination].picking_id = picking
        pickings.action_confirm()
        pickings.action_assign()
        if len(pickings) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "stock.picking",
                "res_id": pickings.id,
                "view_mode": "form",
                "views": [(False, "form")],
            }
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Rebalancing Transfers"),
            "res_model": "stock.picking",
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", pickings.ids)],
        }
