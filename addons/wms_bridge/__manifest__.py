{
    "name": "WMS Bridge",
    "summary": "Governed, monitored and retried EDI exchanges (X12, EDIFACT) with WMS/TMS partners",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Distribution Platform Team",
    "website": "https://example.com/distribution-platform",
    "maintainers": ["distribution-platform"],
    "depends": ["stock", "sale_stock", "queue_job", "mail"],
    "external_dependencies": {"python": ["lxml", "requests", "zeep"]},
    "data": [
        "security/wms_bridge_groups.xml",
        "security/ir.model.access.csv",
        "data/wms_bridge_data.xml",
        "views/wms_trading_partner_views.xml",
        "views/wms_exchange_views.xml",
        "views/wms_exchange_report_views.xml",
        "views/wms_stock_reconciliation_views.xml",
        "views/stock_picking_views.xml",
        "views/wms_bridge_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "wms_bridge/static/tests/tours/*.js",
        ],
    },
    "application": True,
}
