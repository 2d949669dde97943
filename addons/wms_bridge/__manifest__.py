{
    "name": "WMS Bridge",
    "summary": "Governed, monitored and retried EDI (X12, EDIFACT) and SOAP exchanges with WMS/TMS partners",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Distribution Platform Team",
    "website": "https://example.com/distribution-platform",
    "maintainers": ["distribution-platform"],
    "depends": ["stock", "sale_stock", "queue_job"],
    "external_dependencies": {"python": ["lxml", "requests", "zeep"]},
    "data": [
        "security/wms_bridge_groups.xml",
        "views/wms_bridge_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "wms_bridge/static/tests/tours/*.js",
        ],
    },
    "application": True,
}
