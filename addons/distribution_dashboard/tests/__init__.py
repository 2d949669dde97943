from . import (
    test_approval_latency,
    test_dashboard_roles,
    test_engine_in_odoo,
    test_health,
    test_kpi_sql,
    test_risk_worklist,
    test_targets,
    test_tour_dashboard,
)
