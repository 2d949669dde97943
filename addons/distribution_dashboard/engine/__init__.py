"""Pure KPI and risk logic of the dashboard (never imports odoo)."""
