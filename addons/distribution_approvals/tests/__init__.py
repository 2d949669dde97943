from . import (
    test_count_request,
    test_escalation_delegation,
    test_hold_approval,
    test_purchase_approval,
    test_rule_versions,
    test_tour_purchase_approval,
    test_transfer_request,
)
