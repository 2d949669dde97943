from odoo import api, fields, models
from odoo.addons.distribution_orchestration.models.governance import (
    GROUP_MANAGER,
    governed_action,
)
from odoo.exceptions import AccessError, UserError

from .governance import governed, is_governed


class DistributionTransferRequest(models.Model):
    """An inter-warehouse transfer suggested by rebalancing whose value (at cost) is
    above its source site's threshold: the transfer is created only once approved.
    Below the threshold, rebalancing creates transfers directly, as before."""

    _name = "distribution.transfer.request"
    _description = "Transfer Approval Request"
    _inherit = ["distribution.approval.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _state_from = ["draft"]
    _state_to = ["done"]
    _cancel_state = "cancel"
    _approval_requester_groups = (GROUP_MANAGER,)

    name = fields.Char(readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    from_warehouse_id = fields.Many2one(
        "stock.warehouse", string="From", required=True, readonly=True
    )
    to_warehouse_id = fields.Many2one("stock.warehouse", string="To", required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Requested By", readonly=True)
    value = fields.Float(readonly=True, help="Quantities at cost price.")
    lines = fields.Json(readonly=True, help="Products and quantities (and explanations).")
    summary = fields.Text(readonly=True)
    picking_id = fields.Many2one("stock.picking", string="Transfer", readonly=True)
    state = fields.Selection(
        [("draft", "To Approve"), ("done", "Transfer Created"), ("cancel", "Cancelled")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not is_governed(self.env):
            raise AccessError(self.env._("Transfer requests come from rebalancing only."))
        return super().create(vals_list)

    def write(self, vals):
        if not is_governed(self.env) and set(vals) - {"message_main_attachment_id"}:
            raise AccessError(self.env._("A transfer request changes through its buttons only."))
        return super().write(vals)

    def _approval_interested_users(self):
        return self.user_id

    def _picking_vals(self):
        """The internal transfer rebalancing would have created (same operation type,
        locations, origin and move descriptions)."""
        self.ensure_one()
        source, destination = self.from_warehouse_id, self.to_warehouse_id
        return {
            "picking_type_id": source.int_type_id.id,
            "location_id": source.lot_stock_id.id,
            "location_dest_id": destination.lot_stock_id.id,
            "company_id": source.company_id.id,
            "origin": self.name,
            "move_ids": [
                fields.Command.create(
                    {
                        "product_id": line["product_id"],
                        "product_uom_qty": line["quantity"],
                        "product_uom": line["uom_id"],
                        "location_id": source.lot_stock_id.id,
                        "location_dest_id": destination.lot_stock_id.id,
                        "description_picking": line["explanation"],
                    }
                )
                for line in self.lines
            ],
        }

    @api.model
    def _create_from_suggestions(self, groups):
        """One request per (source, destination) group of suggestions."""
        vals_list = []
        for (source, destination), suggestions in groups.items():
            vals_list.append(
                {
                    "name": self.env._(
                        "Rebalancing %(from_site)s to %(to_site)s",
                        from_site=source.code,
                        to_site=destination.code,
                    ),
                    "company_id": source.company_id.id,
                    "from_warehouse_id": source.id,
                    "to_warehouse_id": destination.id,
                    "user_id": self.env.uid,
                    "value": sum(s.quantity * s.product_id.standard_price for s in suggestions),
                    "lines": [
                        {
                            "product_id": s.product_id.id,
                            "quantity": s.quantity,
                            "uom_id": s.product_id.uom_id.id,
                            "explanation": s.explanation or "",
                        }
                        for s in suggestions
                    ],
                    "summary": "\n".join(
                        f"{s.product_id.display_name}: {s.quantity:g}" for s in suggestions
                    ),
                }
            )
        # sudo: requests are created here only, by an orchestration administrator
        # (checked by action_create_transfer), who has no create right of their own
        return governed(self).sudo().create(vals_list).with_env(self.env)

    @governed_action(GROUP_MANAGER, rule="once every review is approved")
    def action_create_transfer(self):
        for request in self:
            request.check_access("read")
            if request.state != "draft":
                raise UserError(self.env._("The transfer of %(name)s exists.", name=request.name))
            if request.validation_status != "validated":
                raise UserError(
                    self.env._("%(name)s must be approved before its transfer.", name=request.name)
                )
        pickings = self.env["stock.picking"].create([r._picking_vals() for r in self])
        pickings.action_confirm()
        pickings.action_assign()
        for request, picking in zip(self, pickings, strict=True):
            # sudo: administrators read requests; their state follows from the transfer
            governed(request).sudo().write({"picking_id": picking.id, "state": "done"})
        self.env["distribution.approval.log"]._record(
            [{"event": "apply", "record": request} for request in self]
        )
        return True
