from . import test_hold_approval, test_purchase_approval, test_tour_purchase_approval
