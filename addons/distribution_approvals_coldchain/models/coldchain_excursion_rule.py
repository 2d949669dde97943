from odoo import api, fields, models
from odoo.addons.coldchain_sites.models.coldchain_excursion_rule import VERSIONED_FIELDS
from odoo.addons.coldchain_sites.models.governance import is_governed as coldchain_governed
from odoo.addons.distribution_approvals.models.governance import governed


class DistributionRuleVersion(models.Model):
    _inherit = "distribution.rule.version"

    rule_model = fields.Selection(
        selection_add=[("coldchain.excursion.rule", "Excursion Rule")],
        ondelete={"coldchain.excursion.rule": "cascade"},
    )


class ColdchainExcursionRule(models.Model):
    """Excursion rules are governed rules of every company: their parameters change
    through an activated version.  Applying a version writes the rule as any edit
    does, so the rule keeps its own chain (a new record, version n+1, which the
    excursions it fires point to); the governed version follows that record."""

    _name = "coldchain.excursion.rule"
    _inherit = ["coldchain.excursion.rule", "distribution.governed.rule"]
    _rule_governed_fields = ("active", *sorted(VERSIONED_FIELDS))
    _rule_identity_fields = ("code",)

    @api.model
    def _rule_records_of(self, companies):
        # the current version of every rule (they belong to no company)
        return self.search([("superseded", "=", False)])

    def _rule_current(self):
        self.ensure_one()
        return (
            self.with_context(active_test=False).search(
                [("code", "=", self.code), ("superseded", "=", False)],
                order="version desc",
                limit=1,
            )
            or self
        )

    def write(self, vals):
        if coldchain_governed(self):
            # the rule's own version chain (archiving the version a change replaced)
            return super(ColdchainExcursionRule, self.with_context(**self._chain_context())).write(
                vals
            )
        # before coldchain_sites turns an edit into version n+1 of the rule's chain
        self._rule_guard(vals)
        return super().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        if coldchain_governed(self):
            # version n+1 of the chain carries values an activation already approved
            return super(ColdchainExcursionRule, self.with_context(**self._chain_context())).create(
                vals_list
            )
        return super().create(vals_list)

    def _chain_context(self):
        # the chain is coldchain_sites' own governed step (its sentinel is in the
        # context, which no RPC caller can set): it passes the version guard too
        return dict(governed(self).env.context)
