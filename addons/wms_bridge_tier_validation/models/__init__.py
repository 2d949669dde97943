from . import tier_definition, tier_review, wms_stock_reconciliation
