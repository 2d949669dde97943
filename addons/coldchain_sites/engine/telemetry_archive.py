"""Monthly archives of readings: gzip-compressed CSV + a JSON manifest (no Odoo).

An archive holds the readings of one site for one calendar month (UTC), ordered by
(sensor, ts), as ``readings-<SITE>-<YYYY-MM>.csv.gz`` with the columns of
:data:`CSV_COLUMNS`.  Its manifest (JSON) records the site, the month, the number of
rows, the first and last reading time, and the SHA-256 of the compressed file and of
the CSV inside it.  An auditor verifies an archive without Odoo::

    sha256sum readings-RTM-2025-06.csv.gz          # == manifest "sha256"
    gunzip -c readings-RTM-2025-06.csv.gz | sha256sum   # == manifest "csv_sha256"
    gunzip -c readings-RTM-2025-06.csv.gz | tail -n +2 | wc -l   # == manifest "rows"

or with :func:`verify`.  The gzip header carries no file name and no time, so the
same readings always give the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
from collections.abc import Iterable
from typing import IO, Any

CSV_COLUMNS = (
    "sensor_code",
    "sensor_id",
    "gateway_id",
    "ts_utc",
    "value",
    "seq",
    "received_at_utc",
    "late",
    "calibration_expired",
)
MANIFEST_FORMAT = "coldchain-readings-archive/1"


class _Hashing(io.RawIOBase):
    """A write-only stream that hashes and counts what goes through to ``target``."""

    def __init__(self, target: IO[bytes]):
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.sha256.update(data)
        self.size += len(data)
        self.target.write(data)
        return len(data)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first instant, first instant of the next month) of ``month`` in UTC."""
    start = dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC)
    nxt = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=dt.UTC)
    return start, nxt


def file_name(site: str, month: dt.date) -> str:
    return f"readings-{site}-{month:%Y-%m}.csv.gz"


def _iso(value) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return str(value)


def write_archive(
    target: IO[bytes], site: str, month: dt.date, pages: Iterable[list[tuple]]
) -> dict[str, Any]:
    """Write the rows of ``pages`` (lists of tuples in :data:`CSV_COLUMNS` order,
    ordered by sensor and time) to ``target`` as gzip CSV; returns the manifest.
    Memory: one page at a time."""
    hashed = _Hashing(target)
    csv_sha = hashlib.sha256()
    rows = 0
    first = last = None
    sensors: set[str] = set()
    with gzip.GzipFile(filename="", mode="wb", fileobj=hashed, mtime=0) as gz:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for page in pages:
            for row in page:
                writer.writerow(
                    [
                        row[0],
                        row[1],
                        row[2],
                        _iso(row[3]),
                        repr(float(row[4])),
                        "" if row[5] is None else row[5],
                        _iso(row[6]),
                        "1" if row[7] else "0",
                        "1" if row[8] else "0",
                    ]
                )
                sensors.add(row[0])
                ts = _iso(row[3])
                first = ts if first is None or ts < first else first
                last = ts if last is None or ts > last else last
            rows += len(page)
            chunk = text.getvalue().encode()
            csv_sha.update(chunk)
            gz.write(chunk)
            text.seek(0)
            text.truncate()
        chunk = text.getvalue().encode()
        csv_sha.update(chunk)
        gz.write(chunk)
    return {
        "format": MANIFEST_FORMAT,
        "site": site,
        "month": f"{month:%Y-%m}",
        "file": file_name(site, month),
        "rows": rows,
        "sensors": sorted(sensors),
        "first_ts_utc": first,
        "last_ts_utc": last,
        "sha256": hashed.sha256.hexdigest(),
        "size": hashed.size,
        "csv_sha256": csv_sha.hexdigest(),
        "columns": list(CSV_COLUMNS),
    }


def verify(data: bytes | IO[bytes], manifest: dict[str, Any] | str) -> list[str]:
    """Problems found checking an archive against its manifest (empty: it is intact)."""
    if isinstance(manifest, str):
        manifest = json.loads(manifest)
    raw = data if isinstance(data, bytes) else data.read()
    problems = []
    if hashlib.sha256(raw).hexdigest() != manifest.get("sha256"):
        problems.append("the file's SHA-256 differs from the manifest's")
    try:
        text = gzip.decompress(raw)
    except (OSError, EOFError) as error:
        return [*problems, f"not a gzip file: {error}"]
    if hashlib.sha256(text).hexdigest() != manifest.get("csv_sha256"):
        problems.append("the CSV's SHA-256 differs from the manifest's")
    lines = text.decode().splitlines()
    if not lines or tuple(lines[0].split(",")) != CSV_COLUMNS:
        problems.append("unexpected CSV header")
    if len(lines) - 1 != manifest.get("rows"):
        problems.append(f"{len(lines) - 1} rows, the manifest says {manifest.get('rows')}")
    return problems
