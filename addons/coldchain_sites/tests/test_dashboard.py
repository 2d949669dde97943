from datetime import UTC, datetime, timedelta

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..models.coldchain_dashboard import _tz_offset
from ..models.governance import governed
from .common import ColdchainCase


@tagged("post_install", "-at_install")
class TestSiteDashboard(ColdchainCase):
    def setUp(self):
        super().setUp()
        self.Dashboard = self.env["coldchain.dashboard"]
        self.now = datetime.now(UTC).replace(second=0, microsecond=0)

    def _refresh(self):
        return self.Dashboard._refresh_series(self.env.cr, lag_s=0)

    def _series(self, sensor):
        self.env.cr.execute(
            "SELECT extract(epoch FROM bucket)::bigint, vmin, vmax, vsum, n "
            "FROM coldchain_reading_5min WHERE sensor_id = %s ORDER BY bucket",
            [sensor.id],
        )
        return self.env.cr.fetchall()

    def test_refresh_merges_buckets_and_late_readings_once(self):
        base = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
        self.insert_readings(
            [(self.sensor_b, base + timedelta(minutes=m), 4.0 + m) for m in range(7)]
        )
        self._refresh()
        epoch = int(base.timestamp())
        self.assertEqual(
            self._series(self.sensor_b),
            [(epoch, 4.0, 8.0, 30.0, 5), (epoch + 300, 9.0, 10.0, 19.0, 2)],
        )
        # nothing new: a second refresh changes nothing
        self._refresh()
        self.assertEqual(self._series(self.sensor_b)[0][4], 5)
        # a late reading of the first bucket is merged into it
        self.insert_readings([(self.sensor_b, base + timedelta(seconds=30), -1.0)])
        self._refresh()
        self.assertEqual(self._series(self.sensor_b)[0], (epoch, -1.0, 8.0, 29.0, 6))

    def test_refresh_waits_for_the_lag(self):
        self.insert_readings([(self.sensor_b, self.now - timedelta(minutes=1), 5.0)])
        self.Dashboard._refresh_series(self.env.cr, lag_s=3600)
        self.Dashboard._refresh_series(self.env.cr, lag_s=3600)
        self.assertEqual(self._series(self.sensor_b), [])
        self._refresh()
        self.assertEqual(len(self._series(self.sensor_b)), 1)

    def test_tiles_status_worst_zone_and_sla(self):
        rows = [(self.sensor_a, self.now - timedelta(minutes=m), 5.0) for m in range(1, 61)] + [
            (self.sensor_a2, self.now - timedelta(minutes=2), 9.5)
        ]
        self.insert_readings(rows)
        self._refresh()
        data = self.Dashboard.get_dashboard_data(hours=1)
        tile = next(t for t in data["sites"] if t["id"] == self.site_a.id)
        self.assertEqual(tile["status"], "normal")
        self.assertEqual(tile["sensors"], 2)
        self.assertEqual(tile["worst"]["zone_id"], self.zone_a.id)
        self.assertEqual(tile["worst"]["temp"], 9.5)
        self.assertTrue(tile["worst"]["out"])
        # sensor A has a calibration due 2026-01-10 (in the past now), A2 none
        self.assertEqual(tile["past_calibration"], 2)
        tier = next(t for t in data["tiers"] if t["id"] == self.tier.id)
        self.assertEqual(tier["sensors"], 2)
        # sensors created now: in service a few seconds, nothing expected yet or all seen
        self.assertIsNotNone(tier["excursion_count"])

    def test_availability_counts_from_the_first_reading_not_its_hour(self):
        # history backfilled before the sensor was registered, starting mid-hour:
        # a reading every minute since then, nothing missing
        hour = (self.now - timedelta(hours=2)).replace(minute=0)
        first = hour + timedelta(minutes=30)
        minutes = int((self.now - first).total_seconds() // 60)
        self.insert_readings(
            [(self.sensor_b, first + timedelta(minutes=m), 5.0) for m in range(minutes)]
        )
        self._refresh()
        data = self.Dashboard.get_dashboard_data(hours=3)
        tier = next(t for t in data["tiers"] if not t["id"])  # site B has no tier
        # in service from its first reading: every expected reading came in (counted
        # from the top of its hour, 30 minutes would have been missing: ~80 %)
        self.assertGreater(tier["availability_pct"], 99.0)

    def test_operator_sees_only_their_sites(self):
        self.insert_readings([(self.sensor_b, self.now - timedelta(minutes=1), 5.0)])
        data = self.Dashboard.with_user(self.operator).get_dashboard_data()
        self.assertEqual([t["id"] for t in data["sites"]], [self.site_a.id])
        zone_b = self.Dashboard.with_user(self.operator).get_zone_data(self.zone_b.id)
        self.assertFalse(zone_b["zone"])

    def test_dashboard_refused_without_coldchain_group(self):
        outsider = new_test_user(self.env, login="cold_dash_outsider", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.Dashboard.with_user(outsider).get_dashboard_data()

    def test_zone_chart_and_summary(self):
        start = self.now - timedelta(hours=2)
        self.insert_readings(
            [
                (self.sensor_a, start + timedelta(minutes=m), 10.0 if 30 <= m < 40 else 5.0)
                for m in range(120)
            ]
        )
        self._refresh()
        data = self.Dashboard.get_zone_data(self.zone_a.id, hours=3)
        self.assertEqual(data["zone"]["id"], self.zone_a.id)
        chart = next(c for c in data["charts"] if c["sensor_id"] == self.sensor_a.id)
        self.assertIn('class="band"', chart["svg"])
        self.assertIn('class="envelope"', chart["svg"])
        summary = next(s for s in data["summaries"] if s["sensor"] == self.sensor_a.display_name)
        self.assertEqual(summary["minutes_above"], 10.0)
        self.assertEqual(summary["max"], 10.0)
        self.assertGreater(summary["mkt"], summary["mean"])

    def test_zone_charts_shade_each_sensors_own_excursions(self):
        start = self.now - timedelta(hours=2)
        rows = []
        for m in range(120):
            rows.append(
                (self.sensor_a, start + timedelta(minutes=m), 10.0 if 30 <= m < 40 else 5.0)
            )
            rows.append((self.sensor_a2, start + timedelta(minutes=m), 5.0))
        self.insert_readings(rows)
        self._refresh()
        rule = self.env["coldchain.excursion.rule"].create(
            {
                "name": "Dashboard test instant",
                "code": "T-DASH-INSTANT",
                "kind": "threshold",
                "check_max": True,
                "limit_max": 8.0,
                "profile_id": self.profile.id,
                "severity": "operator",
            }
        )
        out_start = start + timedelta(minutes=30)
        governed(self.env["coldchain.excursion"]).create(
            {
                "rule_id": rule.id,
                "kind": "threshold",
                "sensor_id": self.sensor_a.id,
                "location_id": self.zone_a.id,
                "warehouse_id": self.site_a.id,
                "side": "high",
                "start_ts": int(out_start.timestamp()),
                "start": out_start.replace(tzinfo=None),
                "end": (out_start + timedelta(minutes=10)).replace(tzinfo=None),
                "peak": 10.0,
                "severity": "operator",
            }
        )
        data = self.Dashboard.get_zone_data(self.zone_a.id, hours=3, tz="Europe/Amsterdam")
        charts = {c["sensor_id"]: c["svg"] for c in data["charts"]}
        # sensor A's excursion is shaded on its chart, not on the chart of A2
        self.assertIn('class="excursion"', charts[self.sensor_a.id])
        self.assertNotIn('class="excursion"', charts[self.sensor_a2.id])
        # the excursion is listed with its sensor and its state's label
        [listed] = data["excursions"]
        self.assertEqual(listed["sensor"], self.sensor_a.display_name)
        self.assertEqual(listed["state_label"], "Open")

    def test_zone_chart_time_axis_in_the_given_time_zone(self):
        now = datetime(2025, 1, 15, 12, 0)  # Amsterdam: UTC+1 in winter
        self.assertEqual(_tz_offset("Europe/Amsterdam", now), 3600)
        self.assertEqual(_tz_offset("", now), 0)
        self.assertEqual(_tz_offset("Not/AZone", now), 0)
        self.assertEqual(_tz_offset("../../etc/passwd", now), 0)

    def test_refresh_notifies_the_sites_through_the_bus(self):
        self.env.cr.precommit.data.get("bus.bus.values", []).clear()
        self.insert_readings([(self.sensor_a, self.now - timedelta(minutes=1), 5.0)])
        self._refresh()
        values = self.env.cr.precommit.data.get("bus.bus.values", [])
        self.assertTrue(any("coldchain_sites/readings" in v["message"] for v in values))
        self.assertTrue(any(str(self.site_a.id) in v["message"] for v in values))
