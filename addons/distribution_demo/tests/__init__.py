from . import (
    test_demo_coldchain,
    test_demo_network,
    test_demo_pipeline,
    test_demo_role_tours,
    test_demo_wms,
    test_hostile_demo_roles,
)
