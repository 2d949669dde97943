from . import (
    distribution_allocation,
    distribution_check,
    distribution_hold,
    distribution_log,
    product_template,
    res_company,
    res_config_settings,
    res_partner,
    res_users,
    sale_order,
    sale_order_line,
    stock_warehouse,
)
