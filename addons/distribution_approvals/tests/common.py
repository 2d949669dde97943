"""Fixtures of the approval flows: the orchestration test network plus reviewers."""

from odoo.addons.distribution_orchestration.tests.common import DistributionNetworkMixin
from odoo.tests import new_test_user

GROUP_MANAGER = "distribution_orchestration.group_orchestration_manager"
GROUP_CREDIT = "distribution_orchestration.group_orchestration_credit"


class ApprovalMixin(DistributionNetworkMixin):
    @classmethod
    def setup_approvals(cls):
        cls.setup_distribution_network()
        cls.reviewer = new_test_user(
            cls.env,
            login="appr_reviewer",
            name="Hold Reviewer",
            groups=f"sales_team.group_sale_manager,{GROUP_MANAGER}",
        )
        cls.hold_model = cls.env.ref("distribution_orchestration.model_distribution_hold")

    @classmethod
    def tier(cls, model, domain, group=None, user=None, sequence=10, **values):
        vals = {
            "name": values.pop("name", f"Tier {sequence}"),
            "model_id": model.id,
            "definition_domain": domain,
            "sequence": sequence,
            "company_id": False,
        }
        if user:
            vals.update(review_type="individual", reviewer_id=user.id)
        else:
            vals.update(review_type="group", reviewer_group_id=cls.env.ref(group).id)
        vals.update(values)
        return cls.env["tier.definition"].create(vals)

    def credit_hold(self, warehouse=None):
        self.customer.credit_limit = 500.0
        order = self.make_order([(self.product, 12)], warehouse_id=(warehouse or self.wh_north).id)
        order.action_confirm()
        hold = order.distribution_hold_ids
        self.assertEqual(hold.check_code, "credit_limit")
        return hold

    def log(self, record):
        return self.env["distribution.approval.log"].search(
            [("res_model", "=", record._name), ("res_id", "=", record.id)], order="id"
        )


class PurchaseApprovalMixin:
    """A buyer, two reviewers and tiers by amount (sequenced), vendor risk and site."""

    @classmethod
    def setup_purchase_approvals(cls):
        env = cls.env
        cls.po_model = env.ref("purchase.model_purchase_order")
        cls.buyer = new_test_user(
            env,
            login="appr_buyer",
            name="Bea Buyer",
            groups="purchase.group_purchase_user,stock.group_stock_user",
        )
        cls.purchase_manager = new_test_user(
            env,
            login="appr_po_manager",
            name="Pat Purchase Manager",
            groups="purchase.group_purchase_manager,stock.group_stock_user",
        )
        cls.finance = new_test_user(
            env,
            login="appr_finance",
            name="Fin Controller",
            groups="purchase.group_purchase_user,stock.group_stock_user",
        )
        cls.vendor = env["res.partner"].create({"name": "Approval Vendor"})
        cls.risky_vendor = env["res.partner"].create(
            {"name": "Risky Vendor", "distribution_vendor_risk": "high"}
        )
        cls.item = env["product.product"].create(
            {"name": "Approval Item", "is_storable": True, "standard_price": 100.0}
        )
        TierDefinition = env["tier.definition"]
        common = {"model_id": cls.po_model.id, "company_id": False, "approve_sequence": True}
        cls.tier_amount = TierDefinition.create(
            {
                **common,
                "name": "Purchases above 1,000",
                "review_type": "group",
                "reviewer_group_id": env.ref("purchase.group_purchase_manager").id,
                "definition_domain": "[('amount_untaxed', '>', 1000)]",
                "sequence": 30,
            }
        )
        cls.tier_large = TierDefinition.create(
            {
                **common,
                "name": "Purchases above 5,000",
                "review_type": "individual",
                "reviewer_id": cls.finance.id,
                "definition_domain": "[('amount_untaxed', '>', 5000)]",
                "sequence": 20,
            }
        )
        cls.tier_risk = TierDefinition.create(
            {
                **common,
                "name": "High-risk vendors",
                "review_type": "individual",
                "reviewer_id": cls.finance.id,
                "definition_domain": "[('distribution_vendor_risk', '=', 'high')]",
                "sequence": 10,
            }
        )

    def purchase(self, quantity, vendor=None, user=None, **values):
        return (
            self.env["purchase.order"]
            .with_user(user or self.buyer)
            .create(
                {
                    "partner_id": (vendor or self.vendor).id,
                    "user_id": (user or self.buyer).id,
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": self.item.id,
                                "product_qty": quantity,
                                "price_unit": 100.0,
                            },
                        )
                    ],
                    **values,
                }
            )
        )
