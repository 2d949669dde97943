from . import (
    test_apps_menu,
    test_bad_input,
    test_governance,
    test_holds,
    test_hostile_callers,
    test_inventory_status,
    test_pipeline,
    test_rebalancing,
    test_tour_credit_hold,
)
