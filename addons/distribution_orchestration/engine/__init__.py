"""Pure-Python engine of distribution_orchestration (never imports ``odoo``).

Modules:

- :mod:`.allocation`: order lines to warehouses under a policy, consuming shared availability.
- :mod:`.atp`: available to promise, the one definition of "available" used everywhere.
- :mod:`.geo`: distances in km (great-circle, or a transit table per delivery zone).
- :mod:`.scoring`: release priority score and deterministic batch order.
- :mod:`.checks`: the order checks of the governed pipeline and their runner.
- :mod:`.messages`: explanations as a code plus parameters, rendered in any language.
- :mod:`.stock_status`: standard multi-site stock status and rebalancing suggestions.
- :mod:`.common`: number/date formatting and JSON helpers shared by the modules.
"""
