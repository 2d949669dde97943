from . import tier_definition, wms_stock_reconciliation
