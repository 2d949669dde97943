"""The README's KPI definitions are the engine's, word for word."""

from pathlib import Path

from distribution_dashboard.engine.kpi import KPIS

ADDON = Path(__file__).resolve().parents[2]


def _words(path):
    """The text with its line breaks and indentation as single spaces (the addon's
    README.rst is generated from readme/*.md and wraps its lines)."""
    return " ".join(path.read_text().split())


def test_definitions_in_readmes():
    addon_readme = _words(ADDON / "README.rst")
    root_readme = _words(ADDON.parents[1] / "README.md")
    for kpi in KPIS:
        assert kpi.definition in addon_readme, kpi.code
        assert kpi.definition in root_readme, kpi.code
