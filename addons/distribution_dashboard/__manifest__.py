{
    "name": "Distribution Dashboard",
    "summary": "SLA dashboards on the order pipeline: cycle time, fill rate, OTIF, "
    "backlog, holds, per site and segment, with targets",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "development_status": "Beta",
    "author": "Distribution Platform Team",
    "website": "https://example.com/distribution-platform",
    "maintainers": ["distribution-platform"],
    "depends": ["distribution_orchestration", "mail"],
    "external_dependencies": {"python": []},
    "data": [
        "security/distribution_dashboard_groups.xml",
        "security/ir.model.access.csv",
        "security/distribution_dashboard_rules.xml",
        "data/distribution_dashboard_cron.xml",
        "views/distribution_dashboard_views.xml",
        "views/distribution_dashboard_target_views.xml",
        "views/distribution_dashboard_fact_views.xml",
        "views/distribution_dashboard_risk_views.xml",
        "views/distribution_dashboard_health_metric_views.xml",
        "views/res_config_settings_views.xml",
        "views/stock_warehouse_views.xml",
        "views/distribution_dashboard_menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "distribution_dashboard/static/src/dashboard/*",
        ],
        "web.assets_tests": [
            "distribution_dashboard/static/tests/tours/*.js",
        ],
    },
}
