"""Temperature chart as SVG text (pure Python): the same picture on screen and in PDF.

The curve is drawn from the 5-minute min/max series (a min/max envelope plus the
mean line) or from raw points; the profile band is a green strip with its limits as
dashed lines; excursions are shaded red over their time span.  Sized for A4 (the
default 700 × 260 user units fit the width of a portrait page at a legible 11-unit
font); every text is escaped.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape

PAD_L, PAD_R, PAD_T, PAD_B = 48, 24, 26, 30


def _text(value: str) -> str:
    """Escaped for XML, non-ASCII as character references (safe in any page encoding)."""
    return escape(value).encode("ascii", "xmlcharrefreplace").decode("ascii")


def _nice_step(span: float, target: int) -> float:
    raw = span / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for mult in (1, 2, 2.5, 5, 10):
        if raw <= mult * mag:
            return mult * mag
    return 10 * mag


def _time_step(span_s: float) -> int:
    for step in (300, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800):
        if span_s / step <= 8:
            return step
    return 604800 * 4


def _fmt_time(ts: float, step: int, tz_offset_s: int) -> str:
    dt = datetime.fromtimestamp(ts + tz_offset_s, UTC)
    if step >= 86400 or (dt.hour == 0 and dt.minute == 0):
        return dt.strftime("%d/%m")
    return dt.strftime("%H:%M")


@dataclass(frozen=True)
class _Frame:
    """Plot area and scales."""

    start: float
    end: float
    lo: float
    hi: float
    width: int
    height: int

    @property
    def pw(self):
        return self.width - PAD_L - PAD_R

    @property
    def ph(self):
        return self.height - PAD_T - PAD_B

    def x(self, t):
        return (
            PAD_L
            + (min(max(t, self.start), self.end) - self.start) / (self.end - self.start) * self.pw
        )

    def y(self, v):
        return PAD_T + (self.hi - v) / (self.hi - self.lo) * self.ph


def _value_range(values):
    lo = min(values) if values else 0.0
    hi = max(values) if values else 10.0
    if hi - lo < 2:
        lo, hi = lo - 1, hi + 1
    margin = (hi - lo) * 0.08
    lo, hi = lo - margin, hi + margin
    step = _nice_step(hi - lo, 6)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step, step


def _band(f: _Frame, band):
    b_lo, b_hi = band
    if b_lo is None and b_hi is None:
        return []
    top = f.y(b_hi) if b_hi is not None else PAD_T
    bottom = f.y(b_lo) if b_lo is not None else PAD_T + f.ph
    out = [
        f'<rect class="band" x="{PAD_L}" y="{top:.1f}" width="{f.pw}" '
        f'height="{max(bottom - top, 0):.1f}" fill="#2e7d32" fill-opacity="0.12"/>'
    ]
    out += [
        f'<line class="limit" x1="{PAD_L}" x2="{PAD_L + f.pw}" y1="{f.y(limit):.1f}" '
        f'y2="{f.y(limit):.1f}" stroke="#2e7d32" stroke-dasharray="5,3"/>'
        for limit in (b_lo, b_hi)
        if limit is not None
    ]
    return out


def _excursions(f: _Frame, excursions):
    out = []
    for e_start, e_end in excursions:
        stop = f.end if e_end is None else e_end
        if stop <= f.start or e_start >= f.end:
            continue
        x0, x1 = f.x(e_start), f.x(stop)
        out.append(
            f'<rect class="excursion" x="{x0:.1f}" y="{PAD_T}" width="{max(x1 - x0, 1.5):.1f}" '
            f'height="{f.ph}" fill="#c62828" fill-opacity="0.22"/>'
        )
    return out


def _axes(f: _Frame, step, tz_offset_s, unit):
    out = []
    v = f.lo
    while v <= f.hi + 1e-9:
        yy = f.y(v)
        out.append(
            f'<line x1="{PAD_L}" x2="{PAD_L + f.pw}" y1="{yy:.1f}" y2="{yy:.1f}" '
            f'stroke="#ddd" stroke-width="0.6"/>'
            f'<text x="{PAD_L - 5}" y="{yy + 4:.1f}" text-anchor="end" fill="#444">{v:g}</text>'
        )
        v += step
    t_step = _time_step(f.end - f.start)
    t = math.ceil((f.start + tz_offset_s) / t_step) * t_step - tz_offset_s
    while t <= f.end:
        xx = f.x(t)
        out.append(
            f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{PAD_T}" y2="{PAD_T + f.ph}" '
            f'stroke="#eee" stroke-width="0.6"/>'
            f'<text x="{xx:.1f}" y="{PAD_T + f.ph + 14}" text-anchor="middle" fill="#444">'
            f"{_fmt_time(t, t_step, tz_offset_s)}</text>"
        )
        t += t_step
    mid = PAD_T + f.ph / 2
    out.append(
        f'<rect x="{PAD_L}" y="{PAD_T}" width="{f.pw}" height="{f.ph}" fill="none" '
        f'stroke="#888"/><text x="12" y="{mid:.1f}" transform="rotate(-90 12 {mid:.1f})" '
        f'text-anchor="middle" fill="#444">{_text(unit)}</text>'
    )
    return out


def _runs(series):
    """Consecutive buckets, split where buckets are missing (gaps stay visible)."""
    gap = 2 * min((b2["t"] - b1["t"] for b1, b2 in itertools.pairwise(series)), default=300)
    runs, run = [], [series[0]]
    for prev, cur in itertools.pairwise(series):
        if cur["t"] - prev["t"] > gap:
            runs.append(run)
            run = []
        run.append(cur)
    runs.append(run)
    return runs


def _curves(f: _Frame, series, points):
    out = []
    for run in _runs(series) if series else []:
        upper = " ".join(f"{f.x(b['t']):.1f},{f.y(b['max']):.1f}" for b in run)
        lower = " ".join(f"{f.x(b['t']):.1f},{f.y(b['min']):.1f}" for b in reversed(run))
        mean = " ".join(f"{f.x(b['t']):.1f},{f.y(b['mean']):.1f}" for b in run)
        out.append(
            f'<polygon class="envelope" points="{upper} {lower}" fill="#1565c0" '
            f'fill-opacity="0.25" stroke="none"/>'
            f'<polyline class="curve" points="{mean}" fill="none" stroke="#1565c0" '
            f'stroke-width="1.4"/>'
        )
    if points:
        line = " ".join(f"{f.x(t):.1f},{f.y(v):.1f}" for t, v in points)
        out.append(
            f'<polyline class="curve" points="{line}" fill="none" stroke="#1565c0" '
            f'stroke-width="1.4"/>'
        )
    if not series and not points:
        out.append(
            f'<text x="{PAD_L + f.pw / 2}" y="{PAD_T + f.ph / 2}" text-anchor="middle" '
            f'fill="#888">No readings in this period</text>'
        )
    return out


def temperature_chart(
    start: float,
    end: float,
    series: list[dict] | None = None,
    points: list[tuple[float, float]] | None = None,
    band: tuple[float | None, float | None] = (None, None),
    excursions: list[tuple[float, float | None]] = (),
    title: str = "",
    width: int = 700,
    height: int = 260,
    tz_offset_s: int = 0,
    unit: str = "°C",
) -> str:
    """SVG of a temperature curve between ``start`` and ``end`` (epoch seconds).

    ``series``: 5-minute buckets ``{"t": bucket start, "min", "max", "mean"}``;
    ``points``: raw (t, value); ``band``: (min, max) of the profile; ``excursions``:
    (start, end or None for ongoing)."""
    if end <= start:
        raise ValueError("chart end must follow its start")
    series = sorted(series or [], key=lambda b: b["t"])
    points = sorted(points or [])
    values = [b["min"] for b in series] + [b["max"] for b in series] + [v for _, v in points]
    values += [v for v in band if v is not None]
    lo, hi, step = _value_range(values)
    frame = _Frame(start, end, lo, hi, width, height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="11" class="o_coldchain_chart">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    if title:
        out.append(
            f'<text x="{PAD_L}" y="16" font-size="13" font-weight="bold" fill="#222">'
            f"{_text(title)}</text>"
        )
    out += _band(frame, band)
    out += _excursions(frame, excursions)
    out += _axes(frame, step, tz_offset_s, unit)
    out += _curves(frame, series, points)
    out.append("</svg>")
    return "".join(out)
