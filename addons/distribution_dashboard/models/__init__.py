# the mixin first: the fact models inherit from it
from . import distribution_dashboard_fact_mixin  # isort: split

from . import (
    distribution_dashboard,
    distribution_dashboard_alert,
    distribution_dashboard_backlog,
    distribution_dashboard_delivery_fact,
    distribution_dashboard_health_metric,
    distribution_dashboard_hold_fact,
    distribution_dashboard_order_fact,
    distribution_dashboard_risk,
    distribution_dashboard_target,
    sale_order,
    stock_warehouse,
)
