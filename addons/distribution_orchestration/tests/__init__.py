from . import (
    test_apps_menu,
    test_bad_input,
    test_holds,
    test_pipeline,
    test_tour_credit_hold,
)
