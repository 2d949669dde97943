from . import (
    test_apps_menu,
    test_company_rules,
    test_inbound_http,
    test_inbound_interchange,
    test_invrpt_edifact,
    test_missing_ack,
    test_orders_edifact,
    test_receipt_and_status,
    test_reconciliation_846,
    test_shipping_round_trip,
    test_transport_http,
)
