# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl): it extends
# distribution_approvals, which builds on OCA's AGPL-3 base_tier_validation.
{
    "name": "Distribution Approvals × Cold Chain",
    "summary": "Excursion rules change through governed versions: activated by an "
    "approver from an effective date, outside freeze periods",
    "version": "19.0.1.0.0",
    "category": "Hidden",
    "license": "AGPL-3",
    "development_status": "Beta",
    "author": "Distribution Platform Team",
    "website": "https://example.com/distribution-platform",
    "maintainers": ["distribution-platform"],
    "depends": ["distribution_approvals", "coldchain_sites"],
    "data": ["views/coldchain_excursion_rule_views.xml"],
    "auto_install": True,
}
