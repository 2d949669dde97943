"""Root pytest configuration: engines importable as ``<addon>.engine`` without Odoo."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "scripts"))

import engine_packages

engine_packages.register()

# Odoo's own test suites (addons/<addon>/tests) run inside Odoo (make test), not in
# pytest.  (A glob would not do: fnmatch's "*" also matches "/", hence engine/tests.)
collect_ignore = [
    str(path.relative_to(engine_packages.ROOT))
    for path in sorted(engine_packages.ADDONS.glob("*/tests"))
]
