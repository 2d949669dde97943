"""Site monitoring dashboard: data calls of the OWL client action, 5-minute series.

Every data call reads the sensors, sites, excursions and events through the ORM as
the calling user, so record rules decide which sites appear (an operator sees the
sites listed on their user); the readings and the 5-minute series (plain SQL, no
ORM model) are then read only for the sensor ids the ORM returned.
"""

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg2

from odoo import api, fields, models

from ..engine import period, series_sql, sla, svg_chart
from ..engine.excursion_types import DEFAULT_DH_R
from .coldchain_excursion import to_epoch
from .governance import GROUP_OPERATOR, check_group

_logger = logging.getLogger(__name__)

BUS_TYPE = "coldchain_sites/readings"
# a refresh never passes an id allocated less than this many seconds ago
REFRESH_LAG_S = 30
REFRESH_BATCH = 2_000_000
SILENT_KINDS = ("sensor_silent",)
OFFLINE_KINDS = ("gateway_silent", "gateway_offline")


def _utc(dt):
    return dt.replace(tzinfo=UTC) if dt and dt.tzinfo is None else dt


class ColdchainDashboard(models.AbstractModel):
    _name = "coldchain.dashboard"
    _description = "Cold-chain site monitoring dashboard"

    # ------------------------------------------------------------ 5-minute series
    def init(self):
        self.env.cr.execute(series_sql.SERIES_DDL)

    @api.model
    def _cron_refresh_series(self):
        """Scheduled action: merge new readings into the 5-minute series, in batches
        each committed on its own (outside the ORM), then tell the dashboards."""
        self._refresh_series(self.env.cr, lag_s=REFRESH_LAG_S, commit=True)

    @api.model
    def _refresh_series(self, cr, lag_s=REFRESH_LAG_S, batch=REFRESH_BATCH, commit=False):
        """Returns the number of batches run; ``commit`` commits after each batch
        (the scheduled action), else the caller's transaction holds it all (tests)."""
        try:
            cr.execute(series_sql.LOCK_STATE, {"lag": lag_s})
        except psycopg2.errors.LockNotAvailable:
            _logger.info("5-minute series: another refresh is running")
            return 0
        last_id, seen_id, seen_is_old, allocated = cr.fetchone()
        safe, new_seen = series_sql.plan_batch(
            last_id, seen_id, seen_is_old, allocated, lag_s, batch=2**62
        )
        if new_seen is not None:
            cr.execute(series_sql.SET_SEEN, {"seen_id": new_seen})
        batches, sensor_ids = 0, set()
        while last_id < safe:
            hi = min(safe, last_id + batch)
            cr.execute(series_sql.REFRESH_BATCH, {"lo": last_id, "hi": hi})
            sensor_ids.update(cr.fetchone()[0] or ())
            cr.execute(series_sql.SET_LAST, {"hi": hi})
            last_id, batches = hi, batches + 1
            if commit:
                cr.commit()  # pylint: disable=invalid-commit
                cr.execute(series_sql.LOCK_STATE, {"lag": lag_s})
        if sensor_ids:
            self._notify_readings(sensor_ids)
        if commit:
            cr.commit()  # pylint: disable=invalid-commit
        return batches

    def _notify_readings(self, sensor_ids):
        """Tell the cold-chain users' dashboards which sites have new readings.

        The message carries site ids only: each dashboard then asks for the data
        through the ORM, under its user's record rules."""
        # sudo: maps sensor ids to their site ids for the notification, nothing else
        sites = self.env["coldchain.sensor"].sudo().browse(sorted(sensor_ids)).warehouse_id
        self.env["bus.bus"]._sendone(
            self.env.ref(GROUP_OPERATOR), BUS_TYPE, {"site_ids": sites.ids}
        )

    # ------------------------------------------------------------------ data calls
    def _visible_sensors(self, domain=()):
        check_group(self.env, GROUP_OPERATOR, self.env._("The site monitoring dashboard"))
        return self.env["coldchain.sensor"].search(
            [("state", "!=", "retired"), ("kind", "=", "temperature"), *domain]
        )

    @api.model
    def get_dashboard_data(self, hours=24):
        """Site tiles and SLA figures per tier over the last ``hours``.

        Records come from the ORM (record rules), read once as plain values: the
        tiles of 2,000 sensors are then built without per-record field access."""
        now = fields.Datetime.now()
        # hour-aligned: availability reads the hourly counts
        start = (now - timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)
        sensors = self._visible_sensors()
        rows = sensors.read(
            [
                "warehouse_id",
                "location_id",
                "gateway_id",
                "calibration_due_date",
                "expected_interval",
                "create_date",
            ],
            load=None,
        )
        site_ids = sorted({r["warehouse_id"] for r in rows if r["warehouse_id"]})
        sites = {
            w["id"]: w
            for w in self.env["stock.warehouse"]
            .browse(site_ids)
            .read(["name", "code", "coldchain_tier_id"], load=None)
        }
        zone_ids = sorted({r["location_id"] for r in rows if r["location_id"]})
        zones = {
            z["id"]: z
            for z in self.env["stock.location"]
            .browse(zone_ids)
            .read(["complete_name", "coldchain_profile_id"], load=None)
        }
        profile_ids = sorted({z["coldchain_profile_id"] for z in zones.values()} - {False, None})
        profiles = {
            p["id"]: p
            for p in self.env["coldchain.temperature.profile"]
            .browse(profile_ids)
            .read(["temp_min", "temp_max"])
        }
        cr = self.env.cr
        cr.execute(series_sql.LAST_READINGS, {"sensor_ids": sensors.ids})
        last = {sid: (ts, value) for sid, ts, value in cr.fetchall()}
        cr.execute(
            series_sql.RECEIVED_COUNTS,
            {"sensor_ids": sensors.ids, "start": _utc(start), "end": _utc(now)},
        )
        counted = cr.fetchall()
        received = {sid: n for sid, n, _first in counted}
        # a sensor is in service from its creation, or its first reading if earlier
        since = {sid: first.replace(tzinfo=None) for sid, _n, first in counted if first}

        Excursion = self.env["coldchain.excursion"]
        open_counts = {
            site.id: count
            for site, count in Excursion._read_group(
                [("state", "!=", "closed"), ("warehouse_id", "in", site_ids)],
                ["warehouse_id"],
                ["__count"],
            )
        }
        ongoing = {
            site.id: count
            for site, count in Excursion._read_group(
                [
                    ("is_open", "=", True),
                    ("category", "=", "excursion"),
                    ("warehouse_id", "in", site_ids),
                ],
                ["warehouse_id"],
                ["__count"],
            )
        }
        site_of_gateway = {r["gateway_id"]: r["warehouse_id"] for r in rows}
        silent, offline = {}, {}
        for gateway, kind, count in self.env["coldchain.monitoring.event"]._read_group(
            [("is_open", "=", True), ("gateway_id", "in", list(site_of_gateway))],
            ["gateway_id", "kind"],
            ["__count"],
        ):
            target = offline if kind in OFFLINE_KINDS else silent
            site_id = site_of_gateway.get(gateway.id)
            target[site_id] = target.get(site_id, 0) + count
        period_excursions = Excursion.search_read(
            [
                ("warehouse_id", "in", site_ids),
                ("category", "=", "excursion"),
                "|",
                ("end", "=", False),
                ("end", ">=", start),
                ("start", "<", now),
            ],
            [
                "warehouse_id",
                "start",
                "end",
                "trigger_at",
                "alerted_at",
                "acknowledged_at",
                "closed_at",
            ],
            load=None,
        )
        today = fields.Date.context_today(self)
        by_site = {}
        for row in rows:
            by_site.setdefault(row["warehouse_id"], []).append(row)
        tier_ids = sorted({w["coldchain_tier_id"] for w in sites.values()} - {False, None})
        tier_names = {
            t["id"]: t["name"]
            for t in self.env["coldchain.service.tier"].browse(tier_ids).read(["name"])
        }
        tiles = []
        for site in sorted(sites.values(), key=lambda w: w["name"]):
            site_rows = by_site.get(site["id"], [])
            site_zones = self._zones_now(site_rows, zones, profiles, last, now)
            past_cal = sum(
                1
                for r in site_rows
                if not r["calibration_due_date"] or r["calibration_due_date"] < today
            )
            if ongoing.get(site["id"]):
                status = "excursion"
            elif offline.get(site["id"]):
                status = "offline_gateway"
            elif silent.get(site["id"]):
                status = "monitoring_lost"
            else:
                status = "normal"
            tiles.append(
                {
                    "id": site["id"],
                    "name": site["name"],
                    "code": site["code"],
                    "tier": tier_names.get(site["coldchain_tier_id"], ""),
                    "status": status,
                    "worst": site_zones[0] if site_zones else False,
                    "zones": site_zones,
                    "open_excursions": open_counts.get(site["id"], 0),
                    "ongoing_excursions": ongoing.get(site["id"], 0),
                    "past_calibration": past_cal,
                    "sensors": len(site_rows),
                    "silent_sensors": silent.get(site["id"], 0),
                    "offline_gateways": offline.get(site["id"], 0),
                }
            )
        tiers = self._tier_figures(
            rows, sites, received, since, period_excursions, start, now, today
        )
        return {
            "generated_at": fields.Datetime.to_string(now),
            "hours": hours,
            "sites": tiles,
            "tiers": tiers,
        }

    def _zones_now(self, rows, zones, profiles, last, now):
        """Each zone's temperature now (its sensors' last readings), worst first: the
        zone furthest outside its band, or, all in band, closest to a limit."""
        by_zone = {}
        for row in rows:
            if row["location_id"] and row["id"] in last:
                by_zone.setdefault(row["location_id"], []).append(last[row["id"]])
        result = []
        for zone_id, values in by_zone.items():
            zone = zones[zone_id]
            profile = profiles.get(zone["coldchain_profile_id"])
            ts = max(v[0] for v in values)
            temps = [v[1] for v in values]
            lo, hi = (profile["temp_min"], profile["temp_max"]) if profile else (None, None)
            if profile:
                # positive: degrees outside the band; negative: margin inside it
                key = max(max(t - hi, lo - t) for t in temps)
                temp = max(temps, key=lambda t, lo=lo, hi=hi: max(t - hi, lo - t))
            else:
                key, temp = float("-inf"), max(temps)
            result.append(
                {
                    "zone_id": zone_id,
                    "zone": zone["complete_name"],
                    "temp": round(temp, 1),
                    "band_min": lo,
                    "band_max": hi,
                    "out": bool(profile) and key > 0,
                    "at": fields.Datetime.to_string(ts.astimezone(UTC).replace(tzinfo=None)),
                    "age_min": round((_utc(now) - ts).total_seconds() / 60, 1),
                    "_key": key,
                }
            )
        result.sort(key=lambda z: z["_key"], reverse=True)
        for zone in result:
            del zone["_key"]
        return result

    def _tier_figures(self, rows, sites, received, since, excursions, start, now, today):
        period_s = (now - start).total_seconds()
        sites_by_tier = {}
        for site in sites.values():
            sites_by_tier.setdefault(site["coldchain_tier_id"] or False, set()).add(site["id"])
        tiers = {
            t["id"]: t
            for t in self.env["coldchain.service.tier"]
            .browse([t for t in sites_by_tier if t])
            .read(
                ["name", "sequence", "detect_minutes", "acknowledge_minutes", "availability_target"]
            )
        }
        result = []
        for tier_id, site_ids in sorted(
            sites_by_tier.items(),
            key=lambda kv: (tiers.get(kv[0], {}).get("sequence", 0), kv[0] or 0),
        ):
            tier = tiers.get(tier_id, {})
            tier_rows = [r for r in rows if r["warehouse_id"] in site_ids]
            expectations = [
                sla.SensorExpectation(
                    r["expected_interval"],
                    received.get(r["id"], 0),
                    min(
                        period_s,
                        max(
                            0.0,
                            (
                                now - min(r["create_date"], since.get(r["id"], r["create_date"]))
                            ).total_seconds(),
                        ),
                    ),
                )
                for r in tier_rows
            ]
            times = [
                sla.ExcursionTimes(
                    to_epoch(e["start"]),
                    to_epoch(e["end"]) if e["end"] else None,
                    to_epoch(e["alerted_at"]) if e["alerted_at"] else None,
                    to_epoch(e["acknowledged_at"]) if e["acknowledged_at"] else None,
                    to_epoch(e["closed_at"]) if e["closed_at"] else None,
                    to_epoch(e["trigger_at"]) if e["trigger_at"] else None,
                )
                for e in excursions
                if e["warehouse_id"] in site_ids
            ]
            calibrated = sum(
                1
                for r in tier_rows
                if r["calibration_due_date"] and r["calibration_due_date"] >= today
            )
            figures = sla.sla_figures(
                expectations,
                times,
                calibrated,
                len(tier_rows),
                to_epoch(start),
                to_epoch(now),
                detect_target_min=tier.get("detect_minutes") or 15,
                ack_target_min=tier.get("acknowledge_minutes") or 30,
                availability_target=tier.get("availability_target") or 99.5,
            )
            result.append(
                {
                    "id": tier_id,
                    "name": tier.get("name") or self.env._("No tier"),
                    "sites": len(site_ids),
                    **figures.as_dict(),
                }
            )
        return result

    @api.model
    def get_zone_data(self, location_id, hours=24, tz=None):
        """A zone's last ``hours``: chart per sensor (SVG, band, that sensor's
        excursions shaded), summary per sensor (engine period summary over the raw
        readings).  ``tz``: the time zone of the chart's time axis (the browser's, so
        that it matches the times the web client shows); else the user's."""
        sensors = self._visible_sensors([("location_id", "=", int(location_id))])
        zone = sensors.location_id[:1]
        if not zone:
            return {"zone": False}
        profile = zone.coldchain_profile_id
        band = (profile.temp_min, profile.temp_max) if profile else (None, None)
        dh_r = profile.mkt_dh_r or DEFAULT_DH_R
        now = fields.Datetime.now()
        start = now - timedelta(hours=hours)
        data = self._zone_series(sensors, start, now)
        excursions = self.env["coldchain.excursion"].search_read(
            [
                ("location_id", "=", zone.id),
                "|",
                ("end", "=", False),
                ("end", ">=", start),
                ("start", "<", now),
                ("category", "=", "excursion"),
            ],
            ["name", "start", "end", "severity", "state", "peak", "rule_code", "sensor_id"],
        )
        spans = {}  # per sensor: a chart shades the excursions of its own sensor only
        for e in excursions:
            spans.setdefault(e["sensor_id"][0], []).append(
                (to_epoch(e["start"]), to_epoch(e["end"]) if e["end"] else None)
            )
        states = dict(
            self.env["coldchain.excursion"]._fields["state"]._description_selection(self.env)
        )
        tz_offset_s = _tz_offset(tz or self.env.context.get("tz") or self.env.user.tz, now)
        charts, summaries = [], []
        raw = self._raw_readings(sensors, start - timedelta(hours=1), now)
        for sensor in sensors:
            charts.append(
                {
                    "sensor_id": sensor.id,
                    "sensor": sensor.display_name,
                    "svg": svg_chart.temperature_chart(
                        to_epoch(start),
                        to_epoch(now),
                        series=data.get(sensor.id, []),
                        band=band,
                        excursions=spans.get(sensor.id, []),
                        title=f"{zone.display_name} · {sensor.display_name}",
                        tz_offset_s=tz_offset_s,
                    ),
                }
            )
            ts, values = raw.get(sensor.id, ([], []))
            summary = period.period_summary(
                ts,
                values,
                to_epoch(start),
                to_epoch(now),
                band,
                dh_r,
                max_hold_s=sensor.expected_interval * 3,
            )
            summaries.append({"sensor": sensor.display_name, **summary.as_dict()})
        return {
            "zone": {
                "id": zone.id,
                "name": zone.display_name,
                "site": zone.warehouse_id.name,
                "profile": profile.display_name or "",
                "band": band,
                "dh_r": dh_r,
            },
            "charts": charts,
            "summaries": summaries,
            "excursions": [
                {
                    **e,
                    "start": fields.Datetime.to_string(e["start"]),
                    "end": fields.Datetime.to_string(e["end"]) if e["end"] else False,
                    "sensor": e["sensor_id"][1],
                    "state_label": states.get(e["state"], e["state"]),
                }
                for e in excursions
            ],
        }

    def _zone_series(self, sensors, start, end):
        self.env.cr.execute(
            series_sql.SERIES,
            {"sensor_ids": sensors.ids, "start": _utc(start), "end": _utc(end)},
        )
        data = {}
        for sid, t, vmin, vmax, mean in self.env.cr.fetchall():
            data.setdefault(sid, []).append({"t": t, "min": vmin, "max": vmax, "mean": mean})
        return data

    def _raw_readings(self, sensors, start, end):
        """Raw (ts, value) per sensor: for exact summaries of one zone or lot only."""
        self.env.cr.execute(
            """
            SELECT sensor_id, array_agg(extract(epoch FROM ts)::bigint ORDER BY ts),
                   array_agg(value ORDER BY ts)
            FROM coldchain_reading
            WHERE sensor_id = ANY(%s) AND ts >= %s AND ts < %s
            GROUP BY sensor_id
            """,
            [sensors.ids, _utc(start), _utc(end)],
        )
        return {sid: (ts, values) for sid, ts, values in self.env.cr.fetchall()}


def _tz_offset(tz_name, now):
    """UTC offset in seconds of time zone ``tz_name`` at ``now`` (naive UTC); 0 for an
    unknown or empty name."""
    try:
        zone = ZoneInfo(tz_name) if tz_name else UTC
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        zone = UTC
    return int(now.replace(tzinfo=UTC).astimezone(zone).utcoffset().total_seconds())


def epoch_to_naive(epoch):
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)
