from . import (
    test_approval_governance,
    test_reconciliation_approval,
    test_tour_reconciliation_approval,
)
