from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import DistributionCase


@tagged("post_install", "-at_install")
class TestInstallDefaults(DistributionCase):
    """Installing changes nothing until an administrator enables the pipeline."""

    def test_new_company_confirms_as_standard_odoo(self):
        company = self.env["res.company"].create({"name": "Plain Trading Ltd"})
        self.assertFalse(company.distribution_pipeline_enabled)
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", company.id)])
        customer = self.env["res.partner"].create({"name": "Plain Customer"})
        order = (
            self.env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": customer.id,
                    "company_id": company.id,
                    "warehouse_id": warehouse.id,
                    "order_line": [(0, 0, {"product_id": self.product.id, "product_uom_qty": 2})],
                }
            )
        )
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.distribution_stage, "draft")
        self.assertFalse(order.distribution_log_ids)
        self.assertEqual(len(order.picking_ids), 1)

    def test_setting_enables_the_pipeline_for_new_companies(self):
        settings = self.env["res.config.settings"].create(
            {"distribution_pipeline_for_new_companies": True}
        )
        settings.execute()
        company = self.env["res.company"].create({"name": "Governed Trading Ltd"})
        self.assertTrue(company.distribution_pipeline_enabled)


@tagged("post_install", "-at_install")
class TestStandardSalesGroups(DistributionCase):
    """With the pipeline on, users of Odoo's own sales groups confirm as they always
    did: the order enters the pipeline, nothing crashes on our configuration."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env, login="std_salesman", groups="sales_team.group_sale_salesman"
        )

    def test_plain_salesman_confirms_into_the_pipeline(self):
        order = self.make_order([(self.product, 2)], user=self.salesman)
        order.action_confirm()
        self.assertEqual(order.distribution_state, "released")
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.picking_ids)

    def test_plain_salesman_order_goes_on_hold_with_reasons(self):
        self.customer.distribution_on_hold = True
        order = self.make_order([(self.product, 2)], user=self.salesman)
        order.action_confirm()
        self.assertEqual(order.distribution_state, "on_hold")
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.distribution_hold_ids.sudo().check_code, "customer_hold")
        # the salesman opens their order and sees why it waits
        with Form(order) as form:
            self.assertIn("On hold", form.distribution_customer_status)
            form.client_order_ref = "PO-778"
        self.assertEqual(order.client_order_ref, "PO-778")

    def test_plain_salesman_changes_a_released_order(self):
        order = self.make_order([(self.product, 2)], user=self.salesman)
        order.action_confirm()
        self.assertEqual(order.distribution_state, "released")
        order.order_line.product_uom_qty = 3
        self.assertEqual(sum(order.picking_ids.move_ids.mapped("product_uom_qty")), 3)


@tagged("post_install", "-at_install")
class TestProtectedFields(DistributionCase):
    def test_stage_cannot_be_written_even_by_the_superuser(self):
        order = self.make_order([(self.product, 1)])
        for env in (self.env, order.env, self.env(user=self.manager)):
            with self.assertRaises(AccessError):
                order.with_env(env).write({"distribution_stage": "allocated"})
        with self.assertRaises(AccessError):
            self.make_order([(self.product, 1)], distribution_stage="allocated")
        with self.assertRaises(AccessError):
            order.write({"distribution_release_score": 100.0})
        self.assertEqual(order.distribution_stage, "draft")

    def test_context_key_of_old_never_skips_the_pipeline(self):
        self.customer.distribution_on_hold = True
        order = self.make_order([(self.product, 2)])
        order.with_context(
            distribution_skip_pipeline=True,
            distribution_release=True,
            distribution_orchestration_governed=True,
        ).action_confirm()
        self.assertEqual(order.distribution_state, "on_hold")
        self.assertEqual(order.state, "draft")

    def test_hold_is_audit_trail(self):
        self.customer.distribution_on_hold = True
        order = self.make_order([(self.product, 2)])
        order.action_confirm()
        hold = order.distribution_hold_ids
        with self.assertRaises(AccessError):
            hold.sudo().write({"state": "released"})
        with self.assertRaises(AccessError):
            hold.with_user(self.manager).write({"resolution_note": "x"})
        with self.assertRaises(AccessError):
            self.env["distribution.hold"].sudo().create(
                {
                    "order_id": order.id,
                    "check_code": "credit_limit",
                    "reason_code": "forged",
                    "explanation": "forged",
                    "responsible_group_id": self.env.ref("base.group_user").id,
                }
            )
        self.assertEqual(hold.state, "open")

    def test_submitter_cannot_release_their_own_hold(self):
        self.customer.credit_limit = 500.0
        order = self.make_order([(self.product, 12)], user=self.credit_user)
        order.action_confirm()
        self.assertEqual(order.distribution_submitted_by_id, self.credit_user)
        hold = order.distribution_hold_ids
        with self.assertRaises(AccessError):
            hold.with_user(self.credit_user).action_release("mine")
        self.assertEqual(hold.state, "open")
        other = new_test_user(
            self.env,
            login="dist_credit_2",
            groups="distribution_orchestration.group_orchestration_credit,"
            "distribution_orchestration.group_orchestration_all_sites",
        )
        hold.with_user(other).action_release("Paid upfront")
        self.assertEqual(order.distribution_state, "released")

    def test_release_batch_needs_the_pipeline_group(self):
        self.company.distribution_release_mode = "batch"
        order = self.make_order([(self.product, 2)])
        order.action_confirm()
        self.assertEqual(order.distribution_stage, "allocated")
        salesman = new_test_user(
            self.env, login="std_salesman_2", groups="sales_team.group_sale_salesman_all_leads"
        )
        with self.assertRaises(AccessError):
            order.with_user(salesman).action_distribution_release_batch()
        self.assertEqual(order.distribution_stage, "allocated")
        order.with_user(self.sales_user).action_distribution_release_batch()
        self.assertEqual(order.distribution_stage, "released")

    def test_cancel_and_back_to_quotation_reenter_the_pipeline(self):
        order = self.make_order([(self.product, 2)])
        order.action_confirm()
        self.assertEqual(order.distribution_stage, "released")
        order.with_context(disable_cancel_warning=True).action_cancel()
        self.assertEqual(order.distribution_stage, "cancelled")
        order.action_draft()
        self.assertEqual(order.distribution_stage, "draft")
        order.action_confirm()
        self.assertEqual(order.distribution_stage, "released")

    def test_company_settings_need_the_orchestration_administrator(self):
        admin_without_us = new_test_user(
            self.env, login="plain_sysadmin", groups="base.group_system,base.group_erp_manager"
        )
        with self.assertRaisesRegex(AccessError, "order pipeline's settings"):
            self.company.with_user(admin_without_us).write({"distribution_pipeline_enabled": False})
        self.assertTrue(self.company.distribution_pipeline_enabled)
        # writing the value it already has is not a change
        self.company.with_user(admin_without_us).write({"distribution_pipeline_enabled": True})
        self.manager.group_ids += self.env.ref("base.group_erp_manager")
        self.company.with_user(self.manager).write({"distribution_release_mode": "batch"})
        self.assertEqual(self.company.distribution_release_mode, "batch")


@tagged("post_install", "-at_install")
class TestCustomerGovernance(DistributionCase):
    def test_sales_user_cannot_lift_a_hold_or_block(self):
        self.customer.write({"distribution_on_hold": True, "distribution_blocked": True})
        partner = self.customer.with_user(self.sales_user)
        for vals in (
            {"distribution_on_hold": False},
            {"distribution_blocked": False},
            {"distribution_hold_note": "fine now"},
            {"distribution_allocation_policy": "fewest_shipments"},
        ):
            with self.assertRaises(AccessError):
                partner.write(vals)
        self.assertTrue(self.customer.distribution_on_hold)
        self.assertTrue(self.customer.distribution_blocked)
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.sales_user).create(
                {"name": "Forged Customer", "distribution_allocation_policy": "fewest_shipments"}
            )

    def test_credit_limit_governed_only_where_the_pipeline_is_on(self):
        accountant = new_test_user(
            self.env,
            login="dist_accountant",
            groups="account.group_account_invoice,base.group_partner_manager",
        )
        with self.assertRaises(AccessError):
            self.customer.with_user(accountant).write({"credit_limit": 9_999_999.0})
        self.company.distribution_pipeline_enabled = False
        self.customer.with_user(accountant).write({"credit_limit": 2_000.0})
        self.assertEqual(self.customer.credit_limit, 2_000.0)

    def test_every_change_is_logged_with_old_and_new_value(self):
        # the credit limit is Odoo's own field, visible to invoicing users only
        self.credit_user.group_ids += self.env.ref("account.group_account_invoice")
        self.customer.with_user(self.credit_user).write(
            {"distribution_on_hold": True, "distribution_hold_note": "Disputed invoices"}
        )
        self.customer.with_user(self.credit_user).write({"credit_limit": 500.0})
        entries = self.customer.distribution_partner_log_ids.filtered(
            lambda entry: entry.user_id == self.credit_user
        )
        by_field = {entry.field_name: entry for entry in entries}
        self.assertEqual(by_field["distribution_on_hold"].old_value, "No")
        self.assertEqual(by_field["distribution_on_hold"].new_value, "Yes")
        self.assertEqual(by_field["distribution_hold_note"].new_value, "Disputed invoices")
        self.assertEqual(by_field["credit_limit"].old_value, "1000000.0")
        self.assertEqual(by_field["credit_limit"].new_value, "500.0")
        self.assertEqual(by_field["credit_limit"].company_id, self.company)
        self.assertEqual(len(entries), 3)
        with self.assertRaises(UserError):
            entries[0].sudo().write({"new_value": "1000000.0"})
        with self.assertRaises(UserError):
            entries.sudo().unlink()

    def test_form_flow_still_works_for_credit_control(self):
        with Form(self.customer.with_user(self.credit_user)) as partner:
            partner.distribution_on_hold = True
            partner.distribution_hold_note = "Awaiting payment"
        self.assertTrue(self.customer.distribution_on_hold)
        self.assertTrue(self.customer.distribution_partner_log_ids)


@tagged("post_install", "-at_install")
class TestResubmission(DistributionCase):
    """Submitting an order again while it is on hold re-runs the checks."""

    def test_hold_stays_single_while_its_check_fails(self):
        self.customer.distribution_on_hold = True
        order = self.make_order([(self.product, 2)])
        order.action_confirm()
        order.action_confirm()
        self.assertEqual(order.distribution_hold_ids.mapped("state"), ["open"])
        self.assertEqual(order.distribution_stage, "on_hold")

    def test_hold_cleared_when_its_check_passes_and_not_waived_later(self):
        self.customer.distribution_on_hold = True
        order = self.make_order([(self.product, 2)])
        order.action_confirm()
        self.customer.with_user(self.credit_user).distribution_on_hold = False
        order.action_confirm()
        self.assertEqual(order.distribution_stage, "released")
        self.assertEqual(order.distribution_hold_ids.state, "cleared")
        self.assertIn("resubmission", order.distribution_hold_ids.resolution_note)
        # a cleared check is not a waiver: the next order of the customer is checked
        self.customer.with_user(self.credit_user).distribution_on_hold = True
        order.with_context(disable_cancel_warning=True).action_cancel()
        order.action_draft()
        order.action_confirm()
        self.assertEqual(order.distribution_stage, "on_hold")
