"""Every decision records the rule version it used: a hold the version of the
check that raised it, an allocation the version of its company's allocation
policy, a review the version of its tier definition (when versions exist)."""

from odoo import api, fields, models
from odoo.exceptions import AccessError

from .governance import governed, is_governed


def _stamp(records, rule_field, version_field):
    """Write on ``records`` the version in force of their ``rule_field`` (batched)."""
    rules = records.mapped(rule_field)
    if not rules:
        return
    versions = records.env["distribution.rule.version"]._active_versions(rules)
    by_version = {}
    for record in records:
        version = versions.get(record[rule_field].id)
        if version:
            by_version.setdefault(version, records.browse())
            by_version[version] |= record
    for version, group in by_version.items():
        # sudo: the stamp is bookkeeping of the decision, written by the flow itself
        governed(group.sudo()).write({version_field: version.id})


def _refuse_stamp(records, vals, version_field):
    if version_field in vals and not is_governed(records.env):
        raise AccessError(
            records.env._("The rule version of a decision is recorded by the decision itself.")
        )


class DistributionHold(models.Model):
    _inherit = "distribution.hold"  # pylint: disable=consider-merging-classes-inherited

    check_version_id = fields.Many2one(
        "distribution.rule.version",
        readonly=True,
        help="The version of the check in force when it raised this hold.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            _refuse_stamp(self, vals, "check_version_id")
        holds = super().create(vals_list)
        _stamp(holds, "check_id", "check_version_id")
        return holds

    def write(self, vals):
        _refuse_stamp(self, vals, "check_version_id")
        return super().write(vals)


class DistributionAllocation(models.Model):
    _inherit = "distribution.allocation"

    policy_version_id = fields.Many2one(
        "distribution.rule.version",
        readonly=True,
        help="The version of the company's allocation policy in force for this decision.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            _refuse_stamp(self, vals, "policy_version_id")
        allocations = super().create(vals_list)
        _stamp(allocations, "company_id", "policy_version_id")
        return allocations

    def write(self, vals):
        _refuse_stamp(self, vals, "policy_version_id")
        return super().write(vals)


class TierReview(models.Model):
    _inherit = "tier.review"  # pylint: disable=consider-merging-classes-inherited

    definition_version_id = fields.Many2one(
        "distribution.rule.version",
        string="Tier Version",
        readonly=True,
        help="The version of the tier definition in force when the review was requested.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            _refuse_stamp(self, vals, "definition_version_id")
        reviews = super().create(vals_list)
        _stamp(reviews, "definition_id", "definition_version_id")
        return reviews

    def write(self, vals):
        _refuse_stamp(self, vals, "definition_version_id")
        return super().write(vals)
