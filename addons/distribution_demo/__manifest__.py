{
    "name": "Distribution Demo Network",
    "summary": "Deterministic, scalable demo distribution network: sites, catalogue, partners, six months of history",
    "version": "19.0.1.0.0",
    "category": "Hidden/Tools",
    "license": "LGPL-3",
    "development_status": "Beta",
    "author": "Distribution Platform Team",
    "website": "https://example.com/distribution-platform",
    "maintainers": ["distribution-platform"],
    "depends": ["distribution_orchestration", "coldchain_sites", "wms_bridge"],
    "assets": {
        "web.assets_tests": [
            "distribution_demo/static/tests/tours/*.js",
        ],
    },
}
