"""Local stand-ins for partners' systems (tests, benchmarks, the demo). No Odoo."""
