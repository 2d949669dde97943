# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl): it builds on OCA's
# base_tier_validation and purchase_tier_validation, which are AGPL-3.
{
    "name": "Distribution Approvals",
    "summary": "Tier approvals for order holds and purchase orders, with four eyes, "
    "server-side checks and an append-only approval log",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "AGPL-3",
    "development_status": "Beta",
    "author": "Distribution Platform Team",
    "website": "https://example.com/distribution-platform",
    "maintainers": ["distribution-platform"],
    "depends": [
        "distribution_orchestration",
        "purchase",
        "stock",
        "base_tier_validation",
        "purchase_tier_validation",
    ],
    "external_dependencies": {"python": []},
    "data": [
        "security/distribution_approvals_groups.xml",
        "security/ir.model.access.csv",
        "security/distribution_approvals_rules.xml",
        "data/tier_definition_data.xml",
        "data/distribution_approvals_cron.xml",
        "views/distribution_approval_log_views.xml",
        "views/tier_definition_views.xml",
        "views/res_partner_views.xml",
        "views/stock_warehouse_views.xml",
        "views/tier_review_views.xml",
        "views/distribution_count_request_views.xml",
        "views/distribution_approval_delegation_views.xml",
        "views/distribution_transfer_request_views.xml",
        "views/distribution_rule_version_views.xml",
        "views/distribution_approvals_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "distribution_approvals/static/tests/tours/*.js",
        ],
    },
}
