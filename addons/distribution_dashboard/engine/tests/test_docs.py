"""The README's KPI definitions are the engine's, word for word."""

from pathlib import Path

from distribution_dashboard.engine.kpi import KPIS

ADDON = Path(__file__).resolve().parents[2]


def test_definitions_in_readmes():
    addon_readme = (ADDON / "README.rst").read_text()
    root_readme = (ADDON.parents[1] / "README.md").read_text()
    for kpi in KPIS:
        assert kpi.definition in addon_readme, kpi.code
        assert kpi.definition in root_readme, kpi.code
