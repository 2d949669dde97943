from odoo.tests import tagged
from odoo.tests.common import BaseCase

from ..engine.kpi import KPIS, percentile


@tagged("standard", "at_install")
class TestEngineImport(BaseCase):
    """The engine loads inside Odoo too (its full suite runs under pytest)."""

    def test_registry(self):
        self.assertEqual(len({k.code for k in KPIS}), len(KPIS))
        self.assertAlmostEqual(percentile([24, 48, 72], 0.9), 67.2)
