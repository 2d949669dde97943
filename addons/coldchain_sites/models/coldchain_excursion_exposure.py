from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..engine.exposure import StockEvent, compute_exposure
from .coldchain_excursion import to_datetime, to_epoch
from .governance import governed, is_governed

# Done move lines crossing the boundary of each excursion's zone (the zone and its
# children), for every window at once: before the window aggregated per
# (product, lot), inside the window one row per line (with its picking).
MOVES_QUERY = """
WITH w AS (
    SELECT * FROM unnest(%s::integer[], %s::varchar[], %s::timestamp[], %s::timestamp[])
        AS w(excursion_id, zpath, wstart, wend)
), ml AS (
    SELECT w.excursion_id, w.wstart, ml.product_id, ml.lot_id, ml.picking_id, ml.date,
           CASE WHEN dst.parent_path LIKE w.zpath || '%%' THEN ml.quantity_product_uom
                ELSE -ml.quantity_product_uom END AS delta
      FROM w
      JOIN stock_move_line ml ON ml.state = 'done' AND ml.date <= w.wend
      JOIN stock_location src ON src.id = ml.location_id
      JOIN stock_location dst ON dst.id = ml.location_dest_id
     WHERE (src.parent_path LIKE w.zpath || '%%') <> (dst.parent_path LIKE w.zpath || '%%')
)
SELECT excursion_id, product_id, lot_id, NULL::integer, max(date), sum(delta)
  FROM ml WHERE date < wstart GROUP BY excursion_id, product_id, lot_id
UNION ALL
SELECT excursion_id, product_id, lot_id, picking_id, date, delta FROM ml WHERE date >= wstart
"""


class ColdchainExcursionExposure(models.Model):
    """Goods (a lot, or an untracked product) that stood in the zone of an excursion.

    ``quantity``: the most present at once during the window (product UoM);
    ``exposure_s``: for how long some quantity was there.  ``tolerant``: the
    product's own storage requirement accepts what the excursion reached (listed,
    not held); ``hold``: the lot was put on hold by this exposure.

    Evidence: only the excursion evaluation (governance sentinel, see
    ``governance.py``) creates, recomputes or replaces exposures while their
    excursion evolves; anyone else, the superuser included, is refused.
    """

    _name = "coldchain.excursion.exposure"
    _description = "Excursion exposure"
    _order = "excursion_id desc, product_id, lot_id"
    _rec_name = "lot_id"

    excursion_id = fields.Many2one(
        "coldchain.excursion", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="excursion_id.company_id", store=True)
    warehouse_id = fields.Many2one(related="excursion_id.warehouse_id", store=True)
    location_id = fields.Many2one(related="excursion_id.location_id", string="Zone")
    severity = fields.Selection(related="excursion_id.severity")
    excursion_state = fields.Selection(related="excursion_id.state", string="Excursion state")
    product_id = fields.Many2one("product.product", required=True, readonly=True, index=True)
    lot_id = fields.Many2one("stock.lot", readonly=True, index=True)
    quantity = fields.Float(readonly=True, digits="Product Unit")
    uom_id = fields.Many2one(related="product_id.uom_id")
    exposure_s = fields.Integer(string="Exposure (s)", readonly=True)
    exposure_minutes = fields.Float(
        string="Exposure (min)", compute="_compute_exposure_minutes", digits=(10, 1)
    )
    first_at = fields.Datetime(string="Present from", readonly=True)
    last_at = fields.Datetime(string="Present until", readonly=True)
    profile_id = fields.Many2one(
        "coldchain.temperature.profile", string="Product requirement", readonly=True
    )
    tolerant = fields.Boolean(
        readonly=True, help="The product's own storage range tolerates this excursion."
    )
    at_risk = fields.Boolean(string="Product at risk", readonly=True)
    hold = fields.Boolean(string="Put on hold", readonly=True)
    lot_hold = fields.Boolean(related="lot_id.coldchain_hold", string="Lot on hold")

    @api.model_create_multi
    def create(self, vals_list):
        self._check_evaluation()
        return super().create(vals_list)

    def write(self, vals):
        self._check_evaluation()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_if_evaluation(self):
        self._check_evaluation()

    def _check_evaluation(self):
        if not is_governed(self):
            raise AccessError(
                self.env._(
                    "Exposures are evidence computed by the excursion evaluation: they can "
                    "be neither created, changed nor deleted by hand."
                )
            )

    @api.depends("exposure_s")
    def _compute_exposure_minutes(self):
        for line in self:
            line.exposure_minutes = line.exposure_s / 60.0

    @api.model
    def _compute_for(self, excursions, now):
        """(Re)compute exposure and shipments of ``excursions``; hold lots at risk.

        Called by the excursion evaluation only (trusted server code)."""
        self = governed(self)  # noqa: PLW0642 - every write below is the evaluation's
        excursions = governed(excursions).filtered("location_id")
        if not excursions:
            return self.browse()
        windows = {e.id: e._window(now) for e in excursions}
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            MOVES_QUERY,
            [
                excursions.ids,
                [e.location_id.parent_path for e in excursions],
                [to_datetime(windows[e.id][0]) for e in excursions],
                [to_datetime(windows[e.id][1]) for e in excursions],
            ],
        )
        events = defaultdict(list)
        pickings = defaultdict(set)
        for excursion_id, product_id, lot_id, picking_id, date, delta in cr.fetchall():
            events[excursion_id].append(
                StockEvent(key=(product_id, lot_id), ts=to_epoch(date), delta=delta)
            )
            if picking_id:
                pickings[excursion_id].add(picking_id)
        results = {e.id: compute_exposure(events[e.id], *windows[e.id]) for e in excursions}
        products = self.env["product.product"].browse({k[0] for r in results.values() for k in r})
        lots = self.env["stock.lot"].browse({k[1] for r in results.values() for k in r if k[1]})
        products.fetch(["product_tmpl_id"])
        lots.fetch(["coldchain_profile_id", "product_id"])
        excursions.exposure_ids.unlink()
        vals_list = []
        for excursion in excursions:
            for (product_id, lot_id), exposure in results[excursion.id].items():
                lot = lots.browse(lot_id) if lot_id else lots.browse()
                product = products.browse(product_id)
                profile = (
                    lot.coldchain_effective_profile_id
                    if lot
                    else product.product_tmpl_id.coldchain_effective_profile_id
                )
                tolerant = excursion._tolerated_by(profile)
                at_risk = excursion.severity == "product_risk" and not tolerant
                vals_list.append(
                    {
                        "excursion_id": excursion.id,
                        "product_id": product_id,
                        "lot_id": lot_id or False,
                        "quantity": exposure.max_quantity,
                        "exposure_s": exposure.exposure_s,
                        "first_at": to_datetime(exposure.first_ts),
                        "last_at": to_datetime(exposure.last_ts),
                        "profile_id": profile.id,
                        "tolerant": tolerant,
                        "at_risk": at_risk,
                        "hold": at_risk and bool(lot_id),
                    }
                )
            excursion.picking_ids = [fields.Command.set(sorted(pickings[excursion.id]))]
        lines = self.create(vals_list)
        lines.filtered("hold").lot_id._coldchain_put_on_hold(lines.filtered("hold"))
        return lines
