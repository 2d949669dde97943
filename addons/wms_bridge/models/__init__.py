# The governed mixin first: models below inherit it.
from . import wms_governed_mixin  # isort: split

from . import (
    ir_attachment,
    res_company,
    res_config_settings,
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

# The EDI framework seam extends the models above.
from . import edi_framework  # isort: skip
from . import edi_storage_transport  # isort: skip
from . import wms_soap  # isort: skip
