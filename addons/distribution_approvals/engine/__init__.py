"""Pure-Python engine of distribution_approvals (never imports ``odoo``).

Modules:

- :mod:`.policy`: who may approve (four eyes, delegation), due times and escalation
  stages of pending approvals, and whether a counted inventory needs approval.
"""
