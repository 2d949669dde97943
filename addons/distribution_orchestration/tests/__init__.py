from . import (
    test_allocation_policies,
    test_apps_menu,
    test_available_to_promise,
    test_bad_input,
    test_governance,
    test_holds,
    test_hostile_callers,
    test_inventory_status,
    test_pipeline,
    test_rebalancing,
    test_tour_credit_hold,
    test_transit_table_rpc,
)
