from . import (
    sale_order,
    stock_picking,
    wms_exchange,
    wms_exchange_report,
    wms_mapping_version,
    wms_partner_product_code,
    wms_stock_reconciliation,
    wms_trading_partner,
    wms_trading_partner_document,
)
