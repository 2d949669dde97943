{
    "name": "Distribution Orchestration",
    "summary": "Governed order pipeline, allocation across warehouses, multi-site inventory status",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Distribution Platform Team",
    "website": "https://example.com/distribution-platform",
    "maintainers": ["distribution-platform"],
    "depends": ["sale_stock", "purchase_stock"],
    "external_dependencies": {"python": []},
    "data": [
        "security/distribution_orchestration_groups.xml",
        "views/distribution_orchestration_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "distribution_orchestration/static/tests/tours/*.js",
        ],
    },
    "application": True,
}
