from . import (
    distribution_approval_log,
    distribution_approval_mixin,
    distribution_hold,
    purchase_order,
    res_partner,
    tier_definition,
    tier_review,
)
