from . import (
    test_apps_menu,
    test_calibration,
    test_readings_readonly,
    test_record_rules,
    test_registry_contract,
    test_sensor_state,
    test_views,
)
