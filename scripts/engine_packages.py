"""Make the addons' pure engines importable without Odoo.

Our engines live inside Odoo addons (``addons/<addon>/engine``) and never import
``odoo``.  Importing them as ``<addon>.engine`` must not execute the addon's own
``__init__`` (which imports models, hence Odoo), so each addon is registered as a
bare package whose ``__path__`` is the addon directory.  Odoo loads the same
files as ``odoo.addons.<addon>``; the two names never meet.

Used by the root ``conftest.py`` and by the scripts under ``bench/``.
"""

import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ROOT / "addons"


def register() -> list[str]:
    """Register every addon of ``addons/`` as a bare package; return their names."""
    names = []
    for addon_dir in sorted(ADDONS.iterdir()):
        if not (addon_dir / "__manifest__.py").exists():
            continue
        names.append(addon_dir.name)
        if addon_dir.name in sys.modules:
            continue
        package = types.ModuleType(addon_dir.name)
        package.__path__ = [str(addon_dir)]
        sys.modules[addon_dir.name] = package
    return names
