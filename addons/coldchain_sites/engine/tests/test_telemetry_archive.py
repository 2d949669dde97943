import datetime as dt
import gzip
import io
import json

from coldchain_sites.engine import telemetry_archive as ta

MONTH = dt.date(2025, 6, 1)


def _pages():
    t0 = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    rows = [
        ("T-A1", 1, 7, t0 + dt.timedelta(minutes=i), 4.0 + i / 10, i, t0, False, i == 3)
        for i in range(10)
    ]
    return [rows[:4], rows[4:], []]


def test_archive_round_trip_is_verifiable_and_deterministic():
    first, second = io.BytesIO(), io.BytesIO()
    manifest = ta.write_archive(first, "TSA", MONTH, _pages())
    assert ta.write_archive(second, "TSA", MONTH, _pages()) == manifest
    assert first.getvalue() == second.getvalue()  # same readings, same bytes
    assert manifest["rows"] == 10 and manifest["sensors"] == ["T-A1"]
    assert manifest["file"] == "readings-TSA-2025-06.csv.gz"
    assert manifest["first_ts_utc"] == "2025-06-01T00:00:00Z"
    assert ta.verify(first.getvalue(), json.dumps(manifest)) == []
    lines = gzip.decompress(first.getvalue()).decode().splitlines()
    assert lines[0] == ",".join(ta.CSV_COLUMNS)
    assert lines[4].endswith(",1")  # calibration expired flag of reading 3


def test_tampering_is_detected():
    out = io.BytesIO()
    manifest = ta.write_archive(out, "TSA", MONTH, _pages())
    text = gzip.decompress(out.getvalue()).replace(b"4.5", b"3.5")
    problems = ta.verify(gzip.compress(text), manifest)
    assert any("SHA-256" in p for p in problems)
    assert ta.verify(b"junk", manifest)
    assert ta.verify(out.getvalue(), dict(manifest, rows=11))


def test_month_bounds():
    assert ta.month_bounds(dt.date(2025, 12, 1))[1] == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
