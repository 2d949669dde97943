from odoo import api, fields, models
from odoo.addons.distribution_orchestration.models.governance import GROUP_MANAGER, governed_action
from odoo.exceptions import AccessError

from ..engine import rules as rule_engine
from .distribution_governed_rule import GROUP_RULE_ADMIN
from .governance import governed, is_governed

STATUS = [
    ("within", "Within bounds"),
    ("out", "Out of bounds"),
    ("locked", "Deviates from a locked rule"),
]


class DistributionRuleConformance(models.Model):
    """Per site, every rule value where the site deviates from the enterprise
    standard: since when, approved by whom, and whether it stays within the bounds
    the enterprise sets (rebuilt each time the report is opened)."""

    _name = "distribution.rule.conformance"
    _description = "Rule Conformance"
    _order = "company_id, warehouse_id, rule_name, field_label"

    company_id = fields.Many2one("res.company", readonly=True, index=True)
    warehouse_id = fields.Many2one("stock.warehouse", string="Site", readonly=True, index=True)
    rule_name = fields.Char(string="Rule", readonly=True)
    check_id = fields.Many2one("distribution.check", string="Site Rule", readonly=True)
    field_label = fields.Char(string="Setting", readonly=True)
    enterprise_value = fields.Char(string="Enterprise Standard", readonly=True)
    site_value = fields.Char(string="At the Site", readonly=True)
    status = fields.Selection(STATUS, readonly=True)
    version_id = fields.Many2one("distribution.rule.version", string="Site Version", readonly=True)
    since = fields.Datetime(readonly=True, help="When the site's version came into force.")
    approved_by_id = fields.Many2one("res.users", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        if not is_governed(self.env):
            raise AccessError(self.env._("The conformance report is built, not edited."))
        return super().create(vals_list)

    @api.model
    def _rebuild(self, companies):
        """The rows of ``companies``: every active site check against its company's check."""
        # sudo: the report is rebuilt as a whole for the caller's companies
        Report = governed(self.sudo())
        Report.search([("company_id", "in", companies.ids)]).unlink()
        checks = (
            self.env["distribution.check"]
            .sudo()
            .search([("company_id", "in", companies.ids), ("warehouse_id", "!=", False)])
        )
        enterprise_checks = (
            self.env["distribution.check"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", "in", companies.ids), ("warehouse_id", "=", False)])
        )
        enterprise_by_key = {(c.company_id.id, c.code): c for c in enterprise_checks}
        versions = self.env["distribution.rule.version"]._active_versions(checks)
        rows = []
        for check in checks:
            enterprise = enterprise_by_key.get((check.company_id.id, check.code))
            if not enterprise:
                continue
            version = versions.get(check.id)
            for deviation in check._rule_deviations(check._rule_snapshot(), enterprise):
                status = (
                    "locked"
                    if deviation.rule == "locked"
                    else ("within" if deviation.within_bounds else "out")
                )
                rows.append(
                    {
                        "company_id": check.company_id.id,
                        "warehouse_id": check.warehouse_id.id,
                        "rule_name": enterprise.display_name,
                        "check_id": check.id,
                        "field_label": check._fields[deviation.field].string,
                        "enterprise_value": rule_engine.format_value(deviation.enterprise),
                        "site_value": rule_engine.format_value(deviation.site),
                        "status": status,
                        "version_id": version.id if version else False,
                        "since": version.activated_at if version else check.write_date,
                        "approved_by_id": version.approved_by_id.id if version else False,
                    }
                )
        return Report.create(rows)

    @api.model
    @governed_action(GROUP_RULE_ADMIN, GROUP_MANAGER, rule="their companies")
    def action_open_report(self):
        self._rebuild(self.env.companies)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "distribution_approvals.distribution_rule_conformance_action"
        )
        action["domain"] = [("company_id", "in", self.env.companies.ids)]
        return action
