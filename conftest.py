"""Root pytest configuration: engines importable as ``<addon>.engine`` without Odoo."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "scripts"))

import engine_packages

engine_packages.register()

# Odoo's own test suites (addons/<addon>/tests) run inside Odoo (make test), not in pytest.
collect_ignore_glob = ["addons/*/tests"]
