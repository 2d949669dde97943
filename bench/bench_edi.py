"""Benchmark: our X12 reader (parse + validate + map to dicts) against pyx12's raw reader.

Usage: ``python3 bench/bench_edi.py [--mb 20]``.  Generates a deterministic
interchange of 940 and 945 sets with our writer (about ``--mb`` megabytes),
then, in the same run and on the same file:

* ours: :class:`wms_bridge.engine.x12.X12Reader` iterating the transaction sets,
  each one validated (envelope counts, control numbers, segment/element
  syntax) and mapped to its dict;
* pyx12: ``pyx12.rawx12file.RawX12File`` iterating the raw segment strings
  (no validation, no mapping) -- pyx12 is test-only (``pip install pyx12``).

The last line printed is ``edi_mb_per_s=<ours> pyx12_mb_per_s=<p> ratio=<ours/p>``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import argparse
import random
import tempfile
import time
from datetime import date, datetime, timedelta

import _bootstrap  # noqa: F401

from wms_bridge.engine.x12 import Envelope, Separators, X12Reader, write_interchange

CITIES = [("Springfield", "IL", "62701"), ("Columbus", "OH", "43004"), ("Reno", "NV", "89501")]


def _party(rng: random.Random, qualifier: str, n: int) -> dict:
    city, state, postcode = rng.choice(CITIES)
    return {
        "qualifier": qualifier,
        "name": f"Customer {n} Distribution Center",
        "id_qualifier": "92",
        "id": f"C{n:06d}",
        "address1": f"{rng.randint(1, 9999)} Industrial Parkway",
        "city": city,
        "state": state,
        "postcode": postcode,
        "country": "US",
    }


def _documents(rng: random.Random, count: int):
    """Yield ``count`` (set_id, doc) pairs, alternating 940 and 945."""
    base = date(2024, 1, 1)
    for n in range(1, count + 1):
        day = base + timedelta(days=n % 300)
        lines = []
        for i in range(1, rng.randint(4, 12)):
            qty = rng.randint(1, 500)
            lines.append(
                {
                    "line": i,
                    "qty": qty,
                    "qty_ordered": qty,
                    "qty_shipped": qty - rng.randint(0, 2) if qty > 2 else qty,
                    "uom": "EA",
                    "product_ids": {
                        "VN": f"SKU-{rng.randint(1, 99999):05d}",
                        "BP": f"CUST{rng.randint(1, 9999)}",
                    },
                    "lot": f"LOT{rng.randint(1, 999999):06d}",
                    "sscc": [f"00{rng.randint(10**15, 10**16 - 1)}"],
                    "description": "Chilled product case 12x1L",
                }
            )
        parties = [_party(rng, "ST", n), _party(rng, "SF", 0)]
        common = {
            "order_ref": f"WH/OUT/{n:07d}",
            "po_ref": f"SO{n:07d}",
            "parties": parties,
            "refs": {"CO": f"SO{n:07d}", "BM": f"BOL{n:08d}"},
            "lines": lines,
        }
        carrier = {
            "payment": "PP",
            "scac": "UPSN",
            "transport_method": "M",
            "routing": "UPS GROUND",
        }
        if n % 2:
            yield "940", dict(common, purpose="N", dates={"10": day}, carrier=carrier)
        else:
            shipped = datetime(day.year, day.month, day.day, 14, 30)
            yield (
                "945",
                dict(
                    common,
                    report_code="F",
                    date=day,
                    shipment_id=f"SH{n:08d}",
                    dates={"11": shipped},
                    carrier=carrier,
                ),
            )


ENVELOPE = Envelope(
    "OURCOMPANY", "THREEPL", version="004010", separators=Separators("*", ">", "", "~", "\n")
)
WHEN = datetime(2024, 6, 1, 12, 0)


def generate(mb: float) -> str:
    """Deterministic interchange of about ``mb`` megabytes (940 and 945 sets)."""
    sample = write_interchange(
        ENVELOPE, _documents(random.Random(1), 200), control_number=1, when=WHEN
    )
    count = max(2, int(mb * 1_000_000 / (len(sample) / 200)))
    docs = _documents(random.Random(20240601), count)
    return write_interchange(ENVELOPE, docs, control_number=1, when=WHEN)


def bench_ours(path: str) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        raw = fh.read()
    reader = X12Reader(raw)
    n = bad = 0
    qty = 0.0
    for ts in reader:
        n += 1
        if not ts.accepted or ts.data is None:
            bad += 1
            continue
        for ln in ts.data["lines"]:
            qty += ln.get("qty") or ln.get("qty_shipped") or 0.0
    dt = time.perf_counter() - t0
    if reader.errors:
        raise SystemExit(f"interchange errors: {reader.errors[:3]}")
    return dt, n, bad


def bench_validate_only(path: str) -> float:
    """Our reader without the mapping to dicts (envelope, structure, elements)."""
    t0 = time.perf_counter()
    with open(path, "rb") as fh:
        raw = fh.read()
    for _ts in X12Reader(raw, map_sets=False):
        pass
    return time.perf_counter() - t0


def bench_split_only(path: str) -> float:
    """Floor of any split-based reader: every segment split into elements, nothing else."""
    t0 = time.perf_counter()
    with open(path, encoding="ascii") as fh:
        text = fh.read()
    for seg in text.split("~"):
        seg.split("*")
    return time.perf_counter() - t0


def bench_pyx12(path: str) -> tuple[float, int]:
    from pyx12.rawx12file import RawX12File

    t0 = time.perf_counter()
    n = 0
    with open(path, encoding="ascii") as fh:
        for _seg in RawX12File(fh):
            n += 1
    return time.perf_counter() - t0, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs for each reader")
    args = parser.parse_args()
    t0 = time.perf_counter()
    text = generate(args.mb)
    data = text.encode("ascii")
    mb = len(data) / 1_000_000
    with tempfile.NamedTemporaryFile("wb", suffix=".x12", delete=False) as fh:
        fh.write(data)
        path = fh.name
    sets = text.count("ST*940*") + text.count("ST*945*")
    print(f"generated {mb:.2f} MB, {sets} sets (940/945), in {time.perf_counter() - t0:.1f}s")
    ours: list[tuple[float, int, int]] = []
    theirs: list[tuple[float, int]] = []
    try:
        for _ in range(args.repeat):  # interleaved: both see the same machine load
            ours.append(bench_ours(path))
            theirs.append(bench_pyx12(path))
        validate_only = min(bench_validate_only(path) for _ in range(args.repeat))
        split_only = min(bench_split_only(path) for _ in range(args.repeat))
    finally:
        Path(path).unlink()
    dt, n, bad = min(ours)
    pdt, segs = min(theirs)
    if bad:
        raise SystemExit(f"{bad} of {n} generated sets were rejected")
    print(f"ours: {n} sets read, validated (envelope, structure, elements) and mapped in {dt:.3f}s")
    print(f"pyx12 RawX12File: {segs} raw segments iterated in {pdt:.3f}s")
    print(
        f"(info) ours without mapping: {mb / validate_only:.2f} MB/s; "
        f"bare str.split of every segment: {mb / split_only:.2f} MB/s"
    )
    e = mb / dt
    p = mb / pdt
    print(f"edi_mb_per_s={e:.2f} pyx12_mb_per_s={p:.2f} ratio={e / p:.2f}")


if __name__ == "__main__":
    main()
