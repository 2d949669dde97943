from . import (
    distribution_approval_delegation,
    distribution_approval_log,
    distribution_approval_mixin,
    distribution_count_request,
    distribution_count_request_line,
    distribution_hold,
    purchase_order,
    res_partner,
    stock_quant,
    stock_warehouse,
    tier_definition,
    tier_review,
)
