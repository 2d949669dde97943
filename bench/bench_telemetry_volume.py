"""Telemetry at volume: ingest, evaluation lag, late backfill and evidence queries
against a readings table filled to V rows.

    python3 bench/bench_telemetry_volume.py [--rows 100000000 --sensors 2000]
                                            [--ingest-readings 100000 --lag-seconds 30]

Throw-away PostgreSQL databases (created and dropped here; server from the PG*
variables) with the service's tables and the minimal registry of
``telemetry_sql``; a Mosquitto of its own (our development configuration).

fill  ``--rows`` readings, one a minute per sensor (``--sensors``, 20 per gateway, 5
      gateways per site), ending a day ago, written with PostgreSQL ``COPY`` (not the
      MQTT path) in chunks of a million; gateway 0 has a 6-hour hole 12 hours before
      the end (its outage).  Then the evaluation consumes the fill once (timed:
      ``initial eval``) so that it carries state for every sensor, with hourly
      per-sensor checkpoints.
(a)   ingest through MQTT exactly as ``bench_ingest`` does (the real service, single
      readings, QoS 1, best of 2 rounds) into the full table and into an empty one
      with the same registry: ``ingest_ratio_full_vs_empty`` = full / empty.
(b)   evaluation lag: the batched form published at 10,000 readings/s for
      ``--lag-seconds`` while the evaluation loops (``evaluate_queued``, the cron's
      work minus the Odoo records, committing each run); a reading's lag = end of
      the run that evaluated it - its ``received_at`` (the service commits within
      its flush interval, 200 ms, of that); p95 over every reading.
(c)   late backfill: the 6-hour outage of gateway 0 (20 sensors x 360 readings) is
      inserted at once (store-and-forward), then one evaluation run: its time and its
      peak Python/numpy memory (``tracemalloc``; the evaluator's carried state for
      every sensor included).
(d)   evidence queries, 100 random picks each: one sensor's day (all its readings),
      one lot's temperature history over 30 days (the 3 sensors of a zone, hourly
      min/avg/max), a site's readings for a month (its sensors' readings, first
      page of 1,000 in (sensor, ts) order, the audit's page); p50 and p95 of each, the worst p95
      printed last.

Last line:

    volume_rows=<V> ingest_ratio_full_vs_empty=<r> eval_lag_p95_s=<s>
    backfill_eval_s=<s> backfill_peak_mb=<m> evidence_p95_ms=<ms>
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import argparse
import io
import random
import shutil
import signal
import tempfile
import threading
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta

import _bootstrap  # noqa: F401
import bench_ingest as bi
import numpy as np
import psycopg2

from coldchain_sites.engine import telemetry_sql
from coldchain_sites.engine.excursion import ExcursionEvaluator, Rule
from coldchain_sites.engine.excursion_store import create_evaluation_tables, evaluate_queued

RULES = [
    Rule("limits", 1, "threshold", min=2.0, max=8.0),
    Rule("delay", 1, "delay", min=2.0, max=8.0, delay_s=1800),
    Rule("budget", 1, "budget", max=8.0, budget_s=1800, window_s=4 * 3600),
    Rule("monitoring", 1, "monitoring", max_gap_s=1800),
]
FILL_CHUNK = 1_000_000
OUTAGE_MIN = 360


def create_db(admin, name):
    with admin.cursor() as cr:
        cr.execute(f'CREATE DATABASE "{name}"')
    dsn = bi.pg_params(name)
    conn = psycopg2.connect(**dsn)
    conn.autocommit = True
    return dsn, conn


def drop_db(admin, name):
    with admin.cursor() as cr:
        cr.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        cr.execute(f'DROP DATABASE IF EXISTS "{name}"')


def fill(conn, network, rows: int, end: datetime):
    """COPY ``rows`` readings, one a minute per sensor, the last at ``end``."""
    sensors = [(sid, g) for g, (_site, _gw, codes) in enumerate(network) for _c, sid in codes]
    gateway_ids = {}
    with conn.cursor() as cr:
        cr.execute("SELECT code, id FROM coldchain_gateway")
        gateway_ids = dict(cr.fetchall())
    gw_of = [gateway_ids[network[g][1]] for _sid, g in sensors]
    sids = np.array([sid for sid, _g in sensors])
    n = len(sensors)
    minutes = -(-rows // n)
    start = int(end.timestamp()) - 60 * (minutes - 1)
    hole_end = max(OUTAGE_MIN, minutes - 12 * 60)
    hole = (hole_end - OUTAGE_MIN, hole_end)  # gateway 0's outage
    gw0 = {sid for sid, g in sensors if g == 0}
    in_gw0 = np.isin(sids, sorted(gw0))
    done = 0
    rng = np.random.default_rng(1)
    with conn.cursor() as cr:
        for m0 in range(0, minutes, max(1, FILL_CHUNK // n)):
            m1 = min(minutes, m0 + max(1, FILL_CHUNK // n))
            buf = io.StringIO()
            for m in range(m0, m1):
                ts = datetime.fromtimestamp(start + 60 * m, UTC).strftime("%Y-%m-%d %H:%M:%S+00")
                values = np.round(5 + rng.normal(0, 1.2, n), 1)
                for i in range(n):
                    if done >= rows:
                        break
                    if in_gw0[i] and hole[0] <= m < hole[1]:
                        continue
                    buf.write(f"{sids[i]}\t{gw_of[i]}\t{ts}\t{values[i]}\t{ts}\n")
                    done += 1
            buf.seek(0)
            lo = datetime.fromtimestamp(start + 60 * m0, UTC)
            hi = datetime.fromtimestamp(start + 60 * (m1 - 1), UTC)
            # one transaction: the rows and their queue entry for the evaluation
            cr.execute("BEGIN")
            cr.copy_expert(
                "COPY coldchain_reading (sensor_id, gateway_id, ts, value, received_at) FROM STDIN",
                buf,
            )
            cr.execute(telemetry_sql.ENQUEUE_RANGE, [sids.tolist(), [lo] * n, [hi] * n])
            cr.execute("COMMIT")
            print(f"  filled {done:,} rows", flush=True)
    return start, minutes, hole, sorted(gw0), gw_of[0]


def evaluate(conn, evaluator, page_rows=50_000):
    with conn.cursor() as cr:
        results = evaluate_queued(cr, evaluator, page_rows=page_rows)
    conn.commit()
    return results


def measure_ingest(port, dsn, workdir, network, readings, shift):
    messages, expected = bi.build_messages(network, readings, per_message=1, shift=shift)
    with psycopg2.connect(**dsn) as conn, conn.cursor() as cr:
        cr.execute("SELECT count(*) FROM coldchain_reading")
        before = cr.fetchone()[0]
    return bi.measure_service(port, dsn, workdir, messages, len(expected), before + len(expected))


def paced_publish(port, messages, per_second_msgs, stop):
    """Publish ``messages`` at about ``per_second_msgs`` messages per second."""
    packets = bi.encode_publishes(messages, 1)
    step = max(1, per_second_msgs // 10)
    t0 = time.monotonic()
    for k, first in enumerate(range(0, len(packets), step)):
        bi.publish(port, packets[first : first + step], qos=1)
        delay = t0 + (k + 1) * 0.1 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    stop.set()


def start_service(port, dsn, workdir, client_id):
    import subprocess

    config = workdir / f"{client_id}.conf"
    config.write_text(
        "\n".join(
            [
                "[options]",
                f"db_host = {dsn['host']}",
                f"db_port = {dsn['port']}",
                f"db_user = {dsn['user']}",
                f"db_password = {dsn['password'] or ''}",
                f"db_name = {dsn['dbname']}",
                "[coldchain_sites]",
                "mqtt_host = 127.0.0.1",
                f"mqtt_port = {port}",
                f"mqtt_client_id = {client_id}",
                "ingest_sweep_interval_s = 3600",
            ]
        )
        + "\n"
    )
    log = workdir / f"{client_id}.log"
    process = subprocess.Popen(
        [sys.executable, str(bi.SERVICE), "-c", str(config)],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while b"connected to 127.0.0.1" not in log.read_bytes():
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(log.read_text())
        time.sleep(0.05)
    time.sleep(0.3)
    return process


def measure_lag(port, dsn, workdir, network, conn, evaluator, seconds):
    """(p95 lag s, readings) at 10,000 readings/s, batched form."""
    per_gateway = len(network[0][2])
    readings = 10_000 * seconds
    # the last minutes up to now: newer than anything evaluated before
    messages, _expected = bi.build_messages(network, readings, per_message=0, shift=0)
    service = start_service(port, dsn, workdir, "bench-lag")
    stop = threading.Event()
    publisher = threading.Thread(
        target=paced_publish, args=(port, messages, 10_000 // per_gateway, stop), daemon=True
    )
    runs = []  # (start wall time, end wall time)
    try:
        publisher.start()
        idle_after_stop = 0
        while True:
            began = time.time()
            results = evaluate(conn, evaluator)
            runs.append((began, time.time()))
            if stop.is_set() and not any(r.readings for r in results):
                idle_after_stop += 1
                if idle_after_stop >= 3:
                    break
            time.sleep(0.2)
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(30)
        bi.drop_session(port, "bench-lag")
    # a reading received in (start of run i-1, start of run i] was committed (the
    # service's flush, <= 200 ms, later) before run i or run i+1 started: counted as
    # evaluated at the end of run i+1 (conservative)
    lags = []
    with conn.cursor() as cr:
        previous = runs[0][0]  # readings of this phase only (the publisher starts then)
        for i, (began, _ended) in enumerate(runs):
            done = runs[min(i + 1, len(runs) - 1)][1]
            cr.execute(
                "SELECT extract(epoch FROM received_at) FROM coldchain_reading"
                " WHERE received_at > to_timestamp(%s) AND received_at <= to_timestamp(%s)",
                [previous, began],
            )
            lags.extend(done - float(row[0]) for row in cr.fetchall())
            previous = began
    conn.commit()
    lags.sort()
    return lags[int(0.95 * (len(lags) - 1))] if lags else float("nan"), len(lags)


def measure_backfill(conn, evaluator, start, hole, gw0_sensors, gateway_id):
    rows = []
    for m in range(hole[0], hole[1]):
        ts_us = (start + 60 * m) * 1_000_000
        for sid in gw0_sensors:
            rows.append((sid, ts_us, round(5 + random.gauss(0, 1.2), 1)))
    with conn.cursor() as cr:
        cr.execute(
            telemetry_sql.INSERT_READINGS,
            [
                [r[0] for r in rows],
                [gateway_id] * len(rows),
                [r[1] for r in rows],
                [r[2] for r in rows],
                [None] * len(rows),
                [int(time.time() * 1e6)] * len(rows),
                [True] * len(rows),
                [False] * len(rows),
            ],
        )
    conn.commit()
    tracemalloc.start()
    tracemalloc.reset_peak()
    began = time.monotonic()
    results = evaluate(conn, evaluator, page_rows=20_000)
    elapsed = time.monotonic() - began
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    late = sum(r.late_sensors for r in results)
    read = sum(r.readings for r in results)
    print(
        f"(c) backfill: {len(rows):,} late readings of {len(gw0_sensors)} sensors;"
        f" {late} sensors replayed from a checkpoint, {read:,} readings read again;"
        f" {elapsed:.2f} s, peak {peak / 2**20:.1f} MB",
        flush=True,
    )
    return elapsed, peak / 2**20


def percentile(values, q):
    values = sorted(values)
    return values[int(q * (len(values) - 1))]


def measure_evidence(conn, network, start, minutes):
    rng = random.Random(7)
    all_sensors = [sid for _s, _g, codes in network for _c, sid in codes]
    days = max(1, minutes // 1440)
    first_day = datetime.fromtimestamp(start, UTC).replace(hour=0, minute=0, second=0)
    sites = {}  # a site's sensors: the (sensor_id, ts) index serves the audit's page
    for site, _gw, codes in network:
        sites.setdefault(site, []).extend(sid for _c, sid in codes)
    figures = {}
    last = datetime.fromtimestamp(start + 60 * minutes, UTC)

    def sensor_day(cr):
        day = first_day + timedelta(days=rng.randrange(days))
        cr.execute(
            "SELECT ts, value FROM coldchain_reading WHERE sensor_id = %s"
            " AND ts >= %s AND ts < %s ORDER BY ts",
            [rng.choice(all_sensors), day, day + timedelta(days=1)],
        )

    def lot_30_days(cr):
        z = rng.randrange(0, len(all_sensors) - 3)
        cr.execute(
            "SELECT sensor_id, date_trunc('hour', ts), min(value), avg(value), max(value)"
            "  FROM coldchain_reading WHERE sensor_id = ANY(%s) AND ts >= %s AND ts < %s"
            " GROUP BY 1, 2 ORDER BY 1, 2",
            [all_sensors[z : z + 3], last - timedelta(days=30), last],
        )

    def site_month_page(cr):
        cr.execute(
            "SELECT sensor_id, ts, value FROM coldchain_reading"
            " WHERE sensor_id = ANY(%s) AND ts >= %s AND ts < %s"
            " ORDER BY sensor_id, ts LIMIT 1000",
            [sites[rng.choice(list(sites))], last - timedelta(days=30), last],
        )

    queries = {"sensor_day": sensor_day, "lot_30_days": lot_30_days,
               "site_month_page": site_month_page}  # fmt: skip
    with conn.cursor() as cr:
        for name, run in queries.items():
            times = []
            for _ in range(100):
                began = time.perf_counter()
                run(cr)
                cr.fetchall()
                times.append((time.perf_counter() - began) * 1000)
            figures[name] = (percentile(times, 0.5), percentile(times, 0.95))
            print(
                f"(d) {name}: p50 {figures[name][0]:.1f} ms, p95 {figures[name][1]:.1f} ms",
                flush=True,
            )
    conn.commit()
    return max(p95 for _p50, p95 in figures.values())


def measure_all(args, port, workdir, network, full_dsn, full, empty_dsn, empty) -> str:
    """Fill, then (a)-(d); returns the figures' line."""
    end = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=1)
    began = time.monotonic()
    start, minutes, hole, gw0, gw0_id = fill(full, network, args.rows, end)
    with full.cursor() as cr:
        cr.execute("VACUUM ANALYZE coldchain_reading")
        cr.execute("SELECT pg_total_relation_size('coldchain_reading')")
        size = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM coldchain_reading")
        volume = cr.fetchone()[0]
    print(
        f"fill: {volume:,} rows over {minutes / 1440:.1f} days for {args.sensors} sensors"
        f" by COPY in {time.monotonic() - began:.0f} s; table + indexes {size / 2**30:.2f} GiB",
        flush=True,
    )
    full.autocommit = False
    evaluator = ExcursionEvaluator(RULES)
    began = time.monotonic()
    results = evaluate(full, evaluator)
    print(
        f"initial eval of the fill: {sum(r.readings for r in results):,} readings,"
        f" {sum(r.checkpoints for r in results):,} checkpoints,"
        f" {time.monotonic() - began:.0f} s",
        flush=True,
    )
    full.autocommit = True
    # (a) ingest, full vs empty (interleaved, best of 2)
    rates = {"full": [], "empty": []}
    for round_ in range(2):
        for name, dsn in (("empty", empty_dsn), ("full", full_dsn)):
            # older minutes than the lag phase's (which runs at "now")
            shift = 11 - round_
            rate = measure_ingest(port, dsn, workdir, network, args.ingest_readings, shift)
            rates[name].append(rate)
            print(f"(a) round {round_ + 1} {name}: {rate:,.0f} readings/s", flush=True)
    ratio = max(rates["full"]) / max(rates["empty"])
    full.autocommit = False
    evaluate(full, evaluator)  # the ingest rounds' readings
    # (b) evaluation lag at 10k readings/s
    lag_p95, lagged = measure_lag(
        port, full_dsn, workdir, network, full, evaluator, args.lag_seconds
    )
    print(f"(b) evaluation lag: p95 {lag_p95:.2f} s over {lagged:,} readings", flush=True)
    # (c) late backfill
    backfill_s, backfill_mb = measure_backfill(full, evaluator, start, hole, gw0, gw0_id)
    # (d) evidence queries
    evidence = measure_evidence(full, network, start, minutes)
    full.close()
    empty.close()
    return (
        f"volume_rows={volume} ingest_ratio_full_vs_empty={ratio:.2f}"
        f" eval_lag_p95_s={lag_p95:.2f} backfill_eval_s={backfill_s:.2f}"
        f" backfill_peak_mb={backfill_mb:.0f} evidence_p95_ms={evidence:.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--sensors", type=int, default=2000)
    parser.add_argument("--ingest-readings", type=int, default=100_000)
    parser.add_argument("--lag-seconds", type=int, default=30)
    args = parser.parse_args()
    gateways = max(1, args.sensors // 20)
    workdir = Path(tempfile.mkdtemp(prefix="bench-volume-"))
    port = bi.free_port()
    admin = psycopg2.connect(**bi.pg_params())
    admin.autocommit = True
    full_name = f"bench_volume_{uuid.uuid4().hex[:8]}"
    empty_name = f"bench_volume_empty_{uuid.uuid4().hex[:8]}"
    broker = bi.start_broker(workdir, port)
    try:
        full_dsn, full = create_db(admin, full_name)
        empty_dsn, empty = create_db(admin, empty_name)
        with full.cursor() as cr:
            network = bi.build_network(cr, gateways, 20)
            create_evaluation_tables(cr)
        with empty.cursor() as cr:
            bi.build_network(cr, gateways, 20)
        print(measure_all(args, port, workdir, network, full_dsn, full, empty_dsn, empty))
    finally:
        broker.send_signal(signal.SIGTERM)
        broker.wait(15)
        for name in (full_name, empty_name):
            drop_db(admin, name)
        admin.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
