"""QWeb PDF evidence reports: excursion, lot temperature history, monthly site review.

Charts are SVG built on the server by the chart engine (``engine/svg_chart.py``)
from readings downsampled to 5-minute min/max/mean by the engine
(``engine/period.py``); summaries come from the same engine function as the
dashboard (:func:`..engine.period.period_summary`).  Everything is read through the
ORM as the printing user (record rules apply), the readings only for the sensors
it returned.
"""

import base64
import calendar
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from markupsafe import Markup

from odoo import api, fields, models

from ..engine import period, series_sql, sla, svg_chart
from ..engine.excursion_types import DEFAULT_DH_R
from .coldchain_excursion import to_epoch

MARGIN = timedelta(hours=6)


def _utc(dt):
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


class ColdchainReportData(models.AbstractModel):
    """What the three reports share: readings, downsampled series, charts."""

    _name = "coldchain.report.data"
    _description = "Cold-chain report data"

    def _readings(self, sensors, start, end):
        """Raw (ts list, value list) per sensor id over [start - 1 h, end): the hour
        before gives the value in force at the start."""
        if not sensors:
            return {}
        self.env.cr.execute(
            """
            SELECT sensor_id, array_agg(extract(epoch FROM ts)::bigint ORDER BY ts),
                   array_agg(value ORDER BY ts)
            FROM coldchain_reading
            WHERE sensor_id = ANY(%s) AND ts >= %s AND ts < %s
            GROUP BY sensor_id
            """,
            [sensors.ids, _utc(start - timedelta(hours=1)), _utc(end)],
        )
        return {sid: (ts, values) for sid, ts, values in self.env.cr.fetchall()}

    def _buckets(self, ts, values, start, end):
        """5-minute min/max/mean buckets of one series inside [start, end)."""
        lo, hi = to_epoch(start), to_epoch(end)
        keep = [(t, v) for t, v in zip(ts, values, strict=True) if lo <= t < hi]
        if not keep:
            return []
        d = period.downsample([0] * len(keep), [t for t, _ in keep], [v for _, v in keep])
        return [
            {"t": int(b), "min": float(mn), "max": float(mx), "mean": float(s / n)}
            for b, mn, mx, s, n in zip(
                d["bucket"], d["min"], d["max"], d["sum"], d["count"], strict=True
            )
        ]

    def _tz_name(self):
        """The time zone the report shows times in (that of its datetime fields)."""
        return self.env.tz.zone

    def _tz_offset(self):
        now = fields.Datetime.now()
        local = fields.Datetime.context_timestamp(self.with_context(tz=self._tz_name()), now)
        return int(local.utcoffset().total_seconds())

    def _chart(self, ts_values, start, end, band, spans, title, width=700, height=240):
        """The chart as an ``<img>`` of the page's full width (an SVG data URI keeps its
        aspect ratio in wkhtmltopdf, where an inline SVG would keep its pixel size)."""
        ts, values = ts_values
        svg = svg_chart.temperature_chart(
            to_epoch(start),
            to_epoch(end),
            series=self._buckets(ts, values, start, end),
            band=band,
            excursions=spans,
            title=title,
            width=width,
            height=height,
            tz_offset_s=self._tz_offset(),
        )
        data = base64.b64encode(svg.encode()).decode()
        return Markup(
            '<img class="o_coldchain_chart_img" style="width: 100%%;" alt="%s" '
            'src="data:image/svg+xml;base64,%s"/>'
        ) % (title, data)

    @staticmethod
    def _band(profile):
        return (profile.temp_min, profile.temp_max) if profile else (None, None)

    @staticmethod
    def _minutes(seconds):
        return round((seconds or 0) / 60.0, 1)


class ReportExcursion(models.AbstractModel):
    _name = "report.coldchain_sites.report_excursion"
    _description = "Excursion report"

    @api.model
    def _get_report_values(self, docids, data=None):
        excursions = self.env["coldchain.excursion"].browse(docids)
        excursions.check_access("read")
        Data = self.env["coldchain.report.data"]
        now = fields.Datetime.now()
        details = {}
        for exc in excursions:
            end = exc.end or now
            w_start, w_end = exc.start - MARGIN, min(end + MARGIN, now)
            w_end = max(w_start + timedelta(hours=1), w_end)
            sensor = exc.sensor_id
            profile = exc.location_id.coldchain_profile_id or exc.rule_id.profile_id
            band = Data._band(profile)
            dh_r = profile.mkt_dh_r or DEFAULT_DH_R
            readings = Data._readings(sensor, w_start, w_end).get(sensor.id, ([], []))
            spans = [(to_epoch(exc.start), to_epoch(exc.end) if exc.end else None)]
            summary = period.period_summary(
                readings[0],
                readings[1],
                to_epoch(exc.start),
                max(to_epoch(end), to_epoch(exc.start) + 1),
                band,
                dh_r,
                max_hold_s=(sensor.expected_interval or 60) * 3,
            )
            calibration = sensor.calibration_ids.sorted(lambda c: (c.date, c.id))[-1:]
            timeline = [(exc.start, self.env._("Excursion started"), "", "")]
            if exc.trigger_at:
                timeline.append((exc.trigger_at, self.env._("Rule triggered"), exc.rule_code, ""))
            if exc.alerted_at:
                timeline.append((exc.alerted_at, self.env._("Alert sent"), "", ""))
            if exc.acknowledged_at:
                timeline.append(
                    (
                        exc.acknowledged_at,
                        self.env._("Acknowledged"),
                        exc.acknowledged_by.name or "",
                        "",
                    )
                )
            if exc.escalated_at:
                timeline.append((exc.escalated_at, self.env._("Escalated"), "", ""))
            if exc.end:
                timeline.append((exc.end, self.env._("Back in range"), "", ""))
            dispositions = self.env["coldchain.disposition"].search(
                [("excursion_ids", "in", exc.id)]
            )
            for disp in dispositions:
                timeline.append(
                    (
                        disp.signed_at,
                        self.env._(
                            "Disposition: %(decision)s (%(lot)s)",
                            decision=dict(disp._fields["decision"].selection).get(disp.decision),
                            lot=disp.lot_id.display_name,
                        ),
                        disp.signed_by.name,
                        disp.reason,
                    )
                )
            if exc.closed_at:
                timeline.append((exc.closed_at, self.env._("Closed"), exc.closed_by.name or "", ""))
            timeline.sort(key=lambda row: row[0])
            details[exc.id] = {
                "chart": Data._chart(
                    readings,
                    w_start,
                    w_end,
                    band,
                    spans,
                    f"{exc.location_id.display_name or ''} · {sensor.display_name}",
                ),
                "profile": profile,
                "summary": summary,
                "dh_r": dh_r,
                "calibration": calibration,
                "timeline": timeline,
                "dispositions": dispositions,
                "window": (w_start, w_end),
            }
        return {
            "doc_ids": docids,
            "doc_model": "coldchain.excursion",
            "docs": excursions,
            "details": details,
            "minutes": Data._minutes,
            "tz_name": Data._tz_name(),
        }


class ReportLotHistory(models.AbstractModel):
    _name = "report.coldchain_sites.report_lot_history"
    _description = "Lot temperature history"

    def _stays(self, lot):
        """(location, arrived, left or None) of the lot in internal locations, from its
        done move lines: a location holds the lot while its balance there is > 0."""
        lines = self.env["stock.move.line"].search(
            [("lot_id", "=", lot.id), ("state", "=", "done")], order="date, id"
        )
        balance, since, stays = defaultdict(float), {}, []
        for line in lines:
            qty = line.quantity
            for loc, delta in ((line.location_id, -qty), (line.location_dest_id, qty)):
                if loc.usage != "internal":
                    continue
                before = balance[loc]
                balance[loc] = before + delta
                if before <= 0 < balance[loc]:
                    since[loc] = line.date
                elif before > 0 >= balance[loc]:
                    stays.append((loc, since.pop(loc), line.date))
        stays += [(loc, start, None) for loc, start in since.items()]
        return sorted(stays, key=lambda s: s[1])

    @api.model
    def _get_report_values(self, docids, data=None):
        lots = self.env["stock.lot"].browse(docids)
        lots.check_access("read")
        Data = self.env["coldchain.report.data"]
        now = fields.Datetime.now()
        details = {}
        for lot in lots:
            profile = lot.coldchain_effective_profile_id
            band = Data._band(profile)
            dh_r = profile.mkt_dh_r or DEFAULT_DH_R
            stays = self._stays(lot)
            exposures = lot.coldchain_exposure_ids
            spans = [
                (
                    to_epoch(e.excursion_id.start),
                    to_epoch(e.excursion_id.end) if e.excursion_id.end else None,
                )
                for e in exposures
            ]
            rows, engine_stays, max_hold = [], [], 180
            for loc, arrived, left in stays:
                until = left or now
                # the sensors of the nearest monitored zone holding the location
                candidates = self.env["coldchain.sensor"].search(
                    [("location_id", "parent_of", loc.id), ("kind", "=", "temperature")],
                    order="code",
                )
                sensors = candidates.sorted(
                    lambda s: len(s.location_id.parent_path or ""), reverse=True
                )[:1]
                row = {"location": loc, "arrived": arrived, "left": left, "sensor": sensors}
                if sensors and until > arrived:
                    max_hold = max(max_hold, (sensors.expected_interval or 60) * 3)
                    readings = Data._readings(sensors, arrived, until).get(sensors.id, ([], []))
                    engine_stays.append(
                        (readings[0], readings[1], to_epoch(arrived), to_epoch(until))
                    )
                    row["summary"] = period.period_summary(
                        readings[0],
                        readings[1],
                        to_epoch(arrived),
                        to_epoch(until),
                        band,
                        dh_r,
                        max_hold_s=(sensors.expected_interval or 60) * 3,
                    )
                    row["chart"] = Data._chart(
                        readings,
                        arrived,
                        until,
                        band,
                        spans,
                        f"{loc.display_name} · {sensors.display_name}",
                        height=200,
                    )
                rows.append(row)
            total = None
            if engine_stays:
                first = min(s[2] for s in engine_stays)
                last = max(s[3] for s in engine_stays)
                total = period.lot_summary(
                    engine_stays, first, last, band, dh_r, max_hold_s=max_hold
                )
            details[lot.id] = {
                "profile": profile,
                "stays": rows,
                "total": total,
                "exposures": exposures,
                "dispositions": lot.coldchain_disposition_ids,
            }
        return {
            "doc_ids": docids,
            "doc_model": "stock.lot",
            "docs": lots,
            "details": details,
            "minutes": Data._minutes,
            "tz_name": Data._tz_name(),
        }


class ReportSiteReview(models.AbstractModel):
    _name = "report.coldchain_sites.report_site_review"
    _description = "Monthly site service review"

    @api.model
    def _month(self, data):
        month = (data or {}).get("month") or self.env.context.get("coldchain_month")
        today = fields.Date.context_today(self)
        first = date.fromisoformat(f"{month}-01") if month else today.replace(day=1)
        last_day = calendar.monthrange(first.year, first.month)[1]
        start = datetime.combine(first, datetime.min.time())
        end = min(start + timedelta(days=last_day), fields.Datetime.now())
        return first, start, end

    @api.model
    def _get_report_values(self, docids, data=None):
        sites = self.env["stock.warehouse"].browse(docids)
        sites.check_access("read")
        first, start, end = self._month(data)
        details = {site.id: self._site(site, start, end) for site in sites}
        return {
            "doc_ids": docids,
            "doc_model": "stock.warehouse",
            "docs": sites,
            "details": details,
            "month": first,
            "period": (start, end),
            "minutes": self.env["coldchain.report.data"]._minutes,
        }

    def _site(self, site, start, end):
        sensors = self.env["coldchain.sensor"].search(
            [
                ("warehouse_id", "=", site.id),
                ("kind", "=", "temperature"),
                ("state", "!=", "retired"),
            ]
        )
        cr = self.env.cr
        cr.execute(
            series_sql.RECEIVED_COUNTS,
            {"sensor_ids": sensors.ids, "start": _utc(start), "end": _utc(end)},
        )
        rows = cr.fetchall()
        received = {sid: n for sid, n, _first in rows}
        first_bucket = {sid: first.replace(tzinfo=None) for sid, _n, first in rows}
        excursions = self.env["coldchain.excursion"].search(
            [
                ("warehouse_id", "=", site.id),
                # a silence cancelled by late readings lost nothing: not an incident
                ("cancelled", "=", False),
                ("start", "<", end),
                "|",
                ("end", "=", False),
                ("end", ">=", start),
            ],
            order="start",
        )
        real = excursions.filtered(lambda e: e.category == "excursion")
        month_end = end.date()
        tier = site.coldchain_tier_id
        figures = sla.sla_figures(
            [
                sla.SensorExpectation(
                    s.expected_interval,
                    received.get(s.id, 0),
                    # in service from its creation, or its first reading if earlier
                    max(
                        0.0,
                        (
                            end
                            - max(start, min(s.create_date, first_bucket.get(s.id, s.create_date)))
                        ).total_seconds(),
                    ),
                )
                for s in sensors
            ],
            [
                sla.ExcursionTimes(
                    to_epoch(e.start),
                    to_epoch(e.end) if e.end else None,
                    to_epoch(e.alerted_at) if e.alerted_at else None,
                    to_epoch(e.acknowledged_at) if e.acknowledged_at else None,
                    to_epoch(e.closed_at) if e.closed_at else None,
                    to_epoch(e.trigger_at) if e.trigger_at else None,
                )
                for e in real
            ],
            len(
                sensors.filtered(
                    lambda s: s.calibration_due_date and s.calibration_due_date >= month_end
                )
            ),
            len(sensors),
            to_epoch(start),
            to_epoch(end),
            detect_target_min=tier.detect_minutes or 15,
            ack_target_min=tier.acknowledge_minutes or 30,
            availability_target=tier.availability_target or 99.5,
        )
        # recurring incidents: the same rule firing again in the same zone
        groups = defaultdict(lambda: self.env["coldchain.excursion"])
        for exc in excursions:
            groups[(exc.rule_id, exc.location_id)] |= exc
        recurring = sorted(
            (
                {
                    "rule": rule,
                    "zone": zone,
                    "count": len(excs),
                    "minutes": round(sum(e.duration_s for e in excs) / 60.0, 1),
                    # a silence has no temperature
                    "peak": max(excs.mapped("peak")) if excs[0].category == "excursion" else None,
                }
                for (rule, zone), excs in groups.items()
                if len(excs) >= 2
            ),
            key=lambda r: -r["count"],
        )
        zones = defaultdict(list)
        for exc in real:
            zones[exc.location_id].append(exc)
        top_zones = sorted(
            (
                {
                    "zone": zone,
                    "count": len(excs),
                    "minutes": round(
                        sla.union_seconds(
                            [(to_epoch(e.start), to_epoch(e.end) if e.end else None) for e in excs],
                            to_epoch(start),
                            to_epoch(end),
                        )
                        / 60.0,
                        1,
                    ),
                    "peak": max(e.peak for e in excs),
                }
                for zone, excs in zones.items()
            ),
            key=lambda z: -z["minutes"],
        )[:5]
        due_limit = month_end + timedelta(days=30)
        calibrations_due = sensors.filtered(
            lambda s: not s.calibration_due_date or s.calibration_due_date <= due_limit
        ).sorted(lambda s: s.calibration_due_date or date.min)
        open_excursions = self.env["coldchain.excursion"].search(
            [("warehouse_id", "=", site.id), ("state", "!=", "closed")], order="start"
        )
        held_lots = (
            self.env["stock.quant"]
            .search(
                [
                    ("warehouse_id", "=", site.id),
                    ("lot_id.coldchain_hold", "=", True),
                    ("quantity", ">", 0),
                ]
            )
            .lot_id
        )
        open_events = self.env["coldchain.monitoring.event"].search(
            [("is_open", "=", True), ("gateway_id.warehouse_id", "=", site.id)]
        )
        return {
            "tier": tier,
            "sla": figures,
            "sensors": sensors,
            "excursions": excursions,
            "recurring": recurring,
            "top_zones": top_zones,
            "calibrations_due": calibrations_due,
            "open_excursions": open_excursions,
            "held_lots": held_lots,
            "open_events": open_events,
        }
