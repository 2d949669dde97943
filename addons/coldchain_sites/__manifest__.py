{
    "name": "Cold-Chain Sites",
    "summary": "Cold-chain sites, MQTT telemetry ingestion, excursions, quarantine and evidence",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Distribution Platform Team",
    "website": "https://example.com/distribution-platform",
    "maintainers": ["distribution-platform"],
    "depends": ["stock", "mail", "barcodes"],
    "external_dependencies": {"python": ["numpy", "paho-mqtt", "psycopg2"]},
    "data": [
        "security/coldchain_sites_groups.xml",
        "views/coldchain_sites_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "coldchain_sites/static/tests/tours/*.js",
        ],
    },
    "application": True,
}
