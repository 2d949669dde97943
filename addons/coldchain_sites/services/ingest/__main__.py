"""Entry point: ``python3 addons/coldchain_sites/services/ingest -c <odoo.conf>``.

Run as a directory, this file has no package: register the addon as a bare package
(without executing its Odoo ``__init__``) so the service imports its own modules
and the addon's pure engine, and never Odoo.
"""

import sys
import types
from pathlib import Path

ADDON = Path(__file__).resolve().parents[2]
if "coldchain_sites" not in sys.modules:
    package = types.ModuleType("coldchain_sites")
    package.__path__ = [str(ADDON)]
    sys.modules["coldchain_sites"] = package
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)  # the directory itself must not shadow the standard library

from coldchain_sites.services.ingest.service import main  # noqa: E402

sys.exit(main())
