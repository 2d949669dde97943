from odoo import fields, models


class PurchaseOrder(models.Model):
    """Purchase orders for replenishment are approved by tiers (OCA
    purchase_tier_validation) that administrators route by amount, site and vendor
    risk; a rejection goes back to the buyer with the reviewer's reason."""

    _name = "purchase.order"
    # tier.validation listed again after the mixin: purchase_tier_validation put it
    # among purchase.order's bases already, and the mixin must come before it
    _inherit = ["purchase.order", "distribution.approval.mixin", "tier.validation"]
    _approval_requester_groups = ("purchase.group_purchase_user",)

    distribution_site_id = fields.Many2one(
        "stock.warehouse",
        string="Site",
        related="picking_type_id.warehouse_id",
        store=True,
        index=True,
        help="The site the goods are received at (for routing approvals by site).",
    )
    distribution_vendor_risk = fields.Selection(
        related="partner_id.commercial_partner_id.distribution_vendor_risk",
        string="Vendor Risk",
        store=True,
    )

    def _approval_interested_users(self):
        return self.user_id

    def _approval_after_rejected(self, reviews):
        """Back to the buyer: a to-do activity with the reason, and a message."""
        buyer = self.user_id or reviews[:1].requested_by
        reasons = "; ".join(filter(None, reviews.mapped("comment")))
        note = self.env._(
            "Rejected at tier %(tier)s by %(user)s: %(reason)s",
            tier=", ".join(str(s) for s in sorted(set(reviews.mapped("sequence")))),
            user=self.env.user.name,
            reason=reasons,
        )
        # sudo: the reviewer may not be allowed to schedule activities on purchase
        # orders; telling the buyer follows from the rejection they were allowed to make
        self.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Purchase order rejected"),
            note=note,
            user_id=buyer.id or self.env.user.id,
        )
