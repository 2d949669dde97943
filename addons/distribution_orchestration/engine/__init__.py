"""Pure-Python engine of distribution_orchestration (never imports ``odoo``).

Modules:

- :mod:`.allocation`: order lines to warehouses under a policy, consuming shared availability.
- :mod:`.scoring`: release priority score and deterministic batch order.
- :mod:`.checks`: the order checks of the governed pipeline and their runner.
- :mod:`.stock_status`: standard multi-site stock status and rebalancing suggestions.
- :mod:`.common`: number/date formatting and JSON helpers shared by the modules.
"""
