from odoo import api, fields, models
from odoo.addons.distribution_orchestration.models.governance import governed_action
from odoo.exceptions import AccessError, UserError

from ..engine import policy
from .governance import governed, is_governed

STOCK_USER = "stock.group_stock_user"


class DistributionCountRequest(models.Model):
    """The counted lines of one count at one site, applied as one inventory
    adjustment: directly below the site's thresholds, after approval above them."""

    _name = "distribution.count.request"
    _description = "Inventory Adjustment Request"
    _inherit = ["distribution.approval.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _state_from = ["draft"]
    _state_to = ["applied"]
    _cancel_state = "cancel"
    _approval_requester_groups = (STOCK_USER,)

    name = fields.Char(readonly=True, default="/", copy=False)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    warehouse_id = fields.Many2one("stock.warehouse", string="Site", required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Requested By", readonly=True)
    state = fields.Selection(
        [("draft", "To Apply"), ("applied", "Applied"), ("cancel", "Cancelled")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
    )
    line_ids = fields.One2many("distribution.count.request.line", "request_id", readonly=True)
    value_total = fields.Float(string="Difference Value", readonly=True)
    worst_pct = fields.Float(string="Largest Difference (%)", readonly=True)
    needs_approval = fields.Boolean(
        readonly=True, help="Beyond the site's thresholds when it was requested."
    )

    _PROTECTED = frozenset(
        {
            "company_id",
            "warehouse_id",
            "user_id",
            "state",
            "line_ids",
            "value_total",
            "worst_pct",
            "needs_approval",
            "name",
        }
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not is_governed(self.env):
            raise AccessError(
                self.env._(
                    "Requests are made from counted quantities (Request Adjustment Approval)."
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) & self._PROTECTED and not is_governed(self.env):
            raise AccessError(
                self.env._("An adjustment request changes through its own buttons only.")
            )
        return super().write(vals)

    def _approval_interested_users(self):
        return self.user_id

    @api.model
    def _create_from_quants(self, quants):
        """One request per site of ``quants`` (counted): the figures of the count now."""
        self.env["stock.quant"].check_access("write")
        if not self.env.user.has_group(STOCK_USER):
            raise AccessError(self.env._("Only inventory users request adjustments."))
        vals_list = []
        for warehouse in quants.location_id.warehouse_id:
            site_quants = quants.filtered(lambda q, w=warehouse: q.location_id.warehouse_id == w)
            lines = [
                policy.CountedLine(
                    q.id, q.quantity, q.inventory_quantity, q.product_id.standard_price
                )
                for q in site_quants
            ]
            decision = policy.count_decision(
                lines,
                warehouse.distribution_count_threshold_value,
                warehouse.distribution_count_threshold_pct,
            )
            vals_list.append(
                {
                    "name": f"ADJ/{warehouse.code}/{fields.Date.context_today(self)}",
                    "company_id": warehouse.company_id.id,
                    "warehouse_id": warehouse.id,
                    "user_id": self.env.uid,
                    "value_total": decision.value,
                    "worst_pct": decision.worst_pct,
                    "needs_approval": decision.needs_approval,
                    "line_ids": [
                        (
                            0,
                            0,
                            {
                                "quant_id": q.id,
                                "system_qty": q.quantity,
                                "counted_qty": q.inventory_quantity,
                                "unit_value": q.product_id.standard_price,
                            },
                        )
                        for q in site_quants
                    ],
                }
            )
        # sudo: inventory users have no create right on requests; they are made here only
        return governed(self).sudo().create(vals_list).with_env(self.env)

    @governed_action(
        STOCK_USER,
        rule="on requests of their companies; above the site's thresholds only once approved",
    )
    def action_apply(self):
        for request in self:
            request.check_access("read")
            if request.state != "draft":
                raise UserError(self.env._("Only requests to apply can be applied."))
            awaiting = request.needs_approval and request.validation_status != "validated"
            if awaiting:
                raise UserError(
                    self.env._(
                        "%(name)s differs beyond the site's thresholds: request its validation; "
                        "it is applied once approved.",
                        name=request.name,
                    )
                )
        # sudo: the counted quantities are applied as approved (the lines' figures, not
        # whatever the quants say now); inventory users may lack the manager's right
        for request in self:
            for line in request.line_ids:
                governed(line.quant_id).sudo().inventory_quantity = line.counted_qty
            governed(request.line_ids.quant_id).sudo().action_apply_inventory()
        governed(self).sudo().write({"state": "applied"})
        self.env["distribution.approval.log"]._record(
            [{"event": "apply", "record": request} for request in self]
        )
        return True

    @governed_action(STOCK_USER, rule="on requests of their companies")
    def action_cancel(self):
        self.check_access("read")
        governed(self).sudo().write({"state": "cancel"})
        return True
