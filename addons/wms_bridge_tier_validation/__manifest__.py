# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl): it builds on OCA's
# base_tier_validation, which is AGPL-3.
{
    "name": "WMS Bridge Tier Validation",
    "summary": "3PL stock differences (846) are applied only once an inventory administrator approved them",
    "version": "19.0.1.1.0",
    "category": "Hidden",
    "license": "AGPL-3",
    "development_status": "Beta",
    "author": "Distribution Platform Team",
    "website": "https://example.com/distribution-platform",
    "maintainers": ["distribution-platform"],
    "depends": ["wms_bridge", "base_tier_validation"],
    "data": [
        "data/tier_definition_data.xml",
        "views/wms_stock_reconciliation_views.xml",
        "views/tier_definition_views.xml",
        "views/wms_bridge_tier_validation_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "wms_bridge_tier_validation/static/tests/tours/*.js",
        ],
    },
    "auto_install": True,
}
