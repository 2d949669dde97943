import base64
import re

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .excursion_common import ExcursionCase, naive


@tagged("post_install", "-at_install")
class TestEvidenceReports(ExcursionCase):
    """The three PDF reports' content (their QWeb HTML; the PDF itself is rendered
    by wkhtmltopdf, which needs a live HTTP server for the styles)."""

    def setUp(self):
        super().setUp()
        self.lot_a = self.lot("L-REPORT")
        self.move(-60, self.product, 8, self.supplier, self.shelf_a, self.lot_a)
        self.insert_readings(self.warm_spell())
        self.evaluate(95)
        self.excursion = self.excursions(self.rule_delay)
        self.Report = self.env["ir.actions.report"]

    def _html(self, ref, records, data=None):
        """The report's HTML, with its charts (SVG data URIs) decoded inline."""
        with freeze_time(naive(120)):
            html, _fmt = self.Report._render_qweb_html(ref, records.ids, data=data)
        html = html.decode()
        charts = re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)
        return html + "".join(base64.b64decode(c).decode() for c in charts)

    def test_excursion_report(self):
        exc = self.excursion
        exc.action_acknowledge()
        html = self._html("coldchain_sites.action_report_excursion", exc)
        self.assertIn(exc.name, html)
        self.assertIn("T-DELAY15", html)
        self.assertIn(f'o_cc_rule_version">{exc.rule_version}<', html)
        # the chart: band, the excursion shaded, the curve
        self.assertIn('class="band"', html)
        self.assertIn('class="excursion"', html)
        self.assertIn('class="envelope"', html)
        # timeline with the acknowledgement and who did it
        self.assertIn("Acknowledged", html)
        self.assertIn(self.env.user.name, html)
        # MKT inputs and result: ΔH/R and the time-weighted summary of the excursion
        self.assertIn("10000 K", html)
        self.assertIn("12.0", html)
        # exposed lot with its quantity
        self.assertIn("L-REPORT", html)
        # calibration of sensor A: the reference standard
        self.assertIn("REF-PT100-001", html)

    def test_excursion_report_times_in_the_readers_time_zone(self):
        exc = self.excursion  # started T0 + 30 min = 10:30 UTC on 2 June 2025
        self.Report = self.Report.with_context(tz="Europe/Amsterdam")  # UTC+2 in June
        html = self._html("coldchain_sites.action_report_excursion", exc)
        timeline = html[html.index("o_coldchain_timeline") :]
        timeline = timeline[: timeline.index("</table>")]
        self.assertIn("When (Europe/Amsterdam)", timeline)
        self.assertIn("12:30", timeline)
        self.assertNotIn("10:30", timeline)

    def test_lot_history_report(self):
        html = self._html("coldchain_sites.action_report_lot_history", self.lot_a)
        self.assertIn("L-REPORT", html)
        self.assertIn("Shelf 1", html)
        # the stay on the shelf is charted from the zone's sensor, with the excursion
        self.assertIn('class="excursion"', html)
        self.assertIn(self.excursion.name, html)
        data = self.env["report.coldchain_sites.report_lot_history"]
        with freeze_time(naive(120)):
            values = data._get_report_values(self.lot_a.ids)
        total = values["details"][self.lot_a.id]["total"]
        # 5 °C until T0+30, 12 °C until T0+60, 5 °C after (sensor A every 5 minutes;
        # the last reading at T0+85 holds 3 intervals = 15 minutes)
        self.assertEqual(total.max, 12.0)
        self.assertEqual(total.minutes_above, 30.0)

    def test_site_review_report(self):
        second = self.rule_instant
        self.assertTrue(self.excursions(second))
        html = self._html(
            "coldchain_sites.action_report_site_review", self.site_a, data={"month": "2025-06"}
        )
        self.assertIn("June 2025", html)
        self.assertIn("Monitoring availability", html)
        self.assertIn("Top offending zones", html)
        self.assertIn("Chill A", html)
        # calibrations due: sensor A2 was never calibrated
        self.assertIn("Sensor A2", html)
        self.assertIn("never calibrated", html)
        # the open excursions are listed as open exceptions
        self.assertIn(self.excursion.name, html)

    def test_operator_of_another_site_cannot_print(self):
        other = self.env["res.users"].create(
            {
                "name": "Site B operator",
                "login": "cold_report_b",
                "group_ids": [
                    (6, 0, [self.env.ref("coldchain_sites.group_coldchain_operator").id])
                ],
                "coldchain_warehouse_ids": [(6, 0, self.site_b.ids)],
            }
        )
        with self.assertRaises(AccessError):
            self.Report.with_user(other)._render_qweb_html(
                "coldchain_sites.action_report_excursion", self.excursion.ids
            )

    def test_site_review_leaves_out_silences_cancelled_by_late_readings(self):
        # both sensors of zone A go quiet: two silences are announced...
        self.insert_readings(self.readings(self.sensor_a2, 100, 110, 1, 5.0))
        self.evaluate(130)
        silences = self.excursions(self.rule_monitoring) | self.excursions(
            self.rule_monitoring, sensor=self.sensor_a2
        )
        self.assertEqual(len(silences), 2)
        # ...then the gateway's backfill fills both gaps: nothing was lost
        self.insert_readings(self.readings(self.sensor_a, 90, 136, 5, 5.0))
        self.insert_readings(self.readings(self.sensor_a2, 110, 136, 1, 5.0))
        self.evaluate(136)
        self.assertTrue(all(silences.mapped("cancelled")))
        data = self.env["report.coldchain_sites.report_site_review"]
        with freeze_time(naive(140)):
            values = data._get_report_values(self.site_a.ids, data={"month": "2025-06"})
        details = values["details"][self.site_a.id]
        self.assertFalse(details["excursions"] & silences)
        self.assertNotIn(self.rule_monitoring, [r["rule"] for r in details["recurring"]])
        # the real excursions are still there
        self.assertIn(self.excursion, details["excursions"])
