from . import test_quarantine_holds_orders
