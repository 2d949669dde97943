from . import distribution_inventory_status
