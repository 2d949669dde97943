{
    "name": "Distribution Orchestration × Cold Chain",
    "summary": "Quarantined lots do not count as available: orders that need them go on hold",
    "version": "19.0.1.0.0",
    "category": "Hidden",
    "license": "LGPL-3",
    "development_status": "Beta",
    "author": "Distribution Platform Team",
    "website": "https://example.com/distribution-platform",
    "maintainers": ["distribution-platform"],
    "depends": ["distribution_orchestration", "coldchain_sites"],
    "auto_install": True,
}
