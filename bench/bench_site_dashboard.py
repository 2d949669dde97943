"""The site monitoring dashboard's data call over a month of one-minute readings.

    python3 bench/bench_site_dashboard.py [--db bench_site_dashboard] [--sites 50]
        [--sensors-per-site 40] [--days 30] [--repeat 5] [--reload]

Creates (once) a scratch database with ``coldchain_sites`` installed and loads (once,
reused by later runs) ``--sites`` sites, each with one gateway and four zones, and
``--sensors-per-site`` temperature sensors spread over the zones; then fills
``coldchain_reading`` with ``--days`` of one-minute readings per sensor (50 x 40 x 30
days = 86.4 million rows) through ``COPY`` (the readings' indexes are dropped during
the load and rebuilt after it, as a bulk load does), and builds the 5-minute series
with the same refresh the scheduled action runs, in batches, then vacuums the series
(what autovacuum does after a bulk load).

Timed: ``coldchain.dashboard.get_dashboard_data()`` as a cold-chain quality user
(record rules apply), the call the dashboard makes when it opens and on each bus
notification: site tiles (status, worst zone now, open excursions, sensors past
calibration) and SLA figures per tier over the last 24 h.  The median of
``--repeat`` runs (after one warm-up) is printed as the last line:

    site_dashboard_s=<t> sensors=<n> readings=<n>
"""

import argparse
import io
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import stack  # noqa: E402  (scripts/stack.py: configuration and database helpers)

ADDON = "coldchain_sites"
PREFIX = "BD"  # bench warehouse codes: BD01, BD02, ...
ZONES_PER_SITE = 4
MARKER = "coldchain_sites.bench_site_dashboard.loaded"


def ensure_database(db: str) -> Path:
    """A database with our addon installed (created the first time); its config file."""
    config = stack.render_config(stack.LOCAL / f"odoo-bench-{db}.conf", stack.settings(db))
    if not stack.database_exists(db) or stack.missing_addons(db, (ADDON,)):
        stack.log(f"installing {ADDON} into scratch database {db!r} (a few minutes, once)")
        subprocess.run(
            stack.odoo_command(config, "-d", db, "-i", ADDON, "--stop-after-init"),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return config


def load_network(env, n_sites: int, per_site: int):
    """Sites, zones, gateways, sensors (ORM, once); returns the sensors."""
    Sensor = env["coldchain.sensor"]
    sensors = Sensor.search([("code", "=like", f"{PREFIX}%")])
    if len(sensors) == n_sites * per_site:
        return sensors
    profile = env["coldchain.temperature.profile"].search([("code", "=", "BENCH-2-8")])
    profile = profile or env["coldchain.temperature.profile"].create(
        {"name": "Bench 2-8", "code": "BENCH-2-8", "temp_min": 2.0, "temp_max": 8.0}
    )
    tier = env["coldchain.service.tier"].search([("name", "=", "Bench tier")], limit=1)
    tier = tier or env["coldchain.service.tier"].create({"name": "Bench tier"})
    stack.log(f"creating {n_sites} sites, {n_sites * per_site} sensors")
    for i in range(1, n_sites + 1):
        code = f"{PREFIX}{i:02d}"
        site = env["stock.warehouse"].search([("code", "=", code)])
        site = site or env["stock.warehouse"].create(
            {"name": f"Bench cold site {i:02d}", "code": code, "coldchain_tier_id": tier.id}
        )
        zones = env["stock.location"].create(
            [
                {
                    "name": f"Zone {z}",
                    "location_id": site.lot_stock_id.id,
                    "usage": "internal",
                    "coldchain_profile_id": profile.id,
                }
                for z in range(ZONES_PER_SITE)
            ]
        )
        gateway = env["coldchain.gateway"].create(
            {"name": f"GW {code}", "code": f"{code}-GW", "warehouse_id": site.id}
        )
        Sensor.create(
            [
                {
                    "name": f"{code} sensor {s:02d}",
                    "code": f"{code}-S{s:02d}",
                    "gateway_id": gateway.id,
                    "location_id": zones[s % ZONES_PER_SITE].id,
                }
                for s in range(per_site)
            ]
        )
        env.cr.commit()
    return Sensor.search([("code", "=like", f"{PREFIX}%")])


class _Lines(io.RawIOBase):
    """A read()-able stream over generated COPY text chunks."""

    def __init__(self, chunks):
        self.chunks = iter(chunks)
        self.buffer = b""

    def readable(self):
        return True

    def readinto(self, target):
        while len(self.buffer) < len(target):
            try:
                self.buffer += next(self.chunks)
            except StopIteration:
                break
        n = min(len(target), len(self.buffer))
        target[:n] = self.buffer[:n]
        self.buffer = self.buffer[n:]
        return n


def copy_chunks(sensor_rows, end: datetime, days: int, seed: int = 3):
    """COPY text, one sensor at a time: a random walk around 5 °C, a reading a minute."""
    minutes = days * 24 * 60
    start = end - timedelta(minutes=minutes)
    stamps = [
        (start + timedelta(minutes=m)).strftime("%Y-%m-%d %H:%M:00+00") for m in range(minutes)
    ]
    # values in tenths of a degree, formatted once
    table = [f"{t / 10:.1f}" for t in range(-400, 401)]
    rng = np.random.default_rng(seed)
    for sensor_id, gateway_id in sensor_rows:
        walk = np.clip(np.cumsum(rng.normal(0, 0.5, minutes)) * 0.05 + 50, -400, 400)
        tenths = walk.astype(np.int64) + 400
        prefix = f"{sensor_id}\t{gateway_id}\t"
        yield "".join(
            f"{prefix}{ts}\t{table[v]}\t{ts}\n"
            for ts, v in zip(stamps, tenths.tolist(), strict=True)
        ).encode()


def load_readings(env, sensors, days: int) -> int:
    cr = env.cr
    ICP = env["ir.config_parameter"].sudo()
    wanted = f"{len(sensors)}x{days}"
    if ICP.get_param(MARKER) == wanted:
        stack.log("readings already loaded")
        cr.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'coldchain_reading'")
        return cr.fetchone()[0]
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    stack.log(f"loading {len(sensors) * days * 1440:,} readings with COPY (indexes rebuilt after)")
    started = time.perf_counter()
    cr.execute("DROP INDEX IF EXISTS coldchain_reading_sensor_ts_uniq")
    cr.execute("DROP INDEX IF EXISTS coldchain_reading_ts_brin")
    cr.execute("DROP INDEX IF EXISTS coldchain_reading_id_brin")
    rows = [(s.id, s.gateway_id.id) for s in sensors]
    cr.copy_expert(
        "COPY coldchain_reading (sensor_id, gateway_id, ts, value, received_at) FROM STDIN",
        io.BufferedReader(_Lines(copy_chunks(rows, end, days)), buffer_size=1 << 20),
    )
    stack.log(f"COPY done in {time.perf_counter() - started:.0f} s; rebuilding indexes")
    cr.execute("SET maintenance_work_mem = '1GB'")
    env["coldchain.reading"].init()  # the same DDL: indexes IF NOT EXISTS
    # the sensors are being monitored: their last reading is now
    cr.execute(
        "UPDATE coldchain_sensor SET last_seen = %s WHERE id = ANY(%s)",
        [end.replace(tzinfo=None), sensors.ids],
    )
    ICP.set_param(MARKER, wanted)
    cr.commit()
    stack.log(f"readings loaded in {time.perf_counter() - started:.0f} s")
    cr.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'coldchain_reading'")
    return cr.fetchone()[0]


def vacuum(db: str) -> None:
    """What autovacuum does after a bulk load: statistics and the visibility map (the
    hourly counts are read by index-only scans)."""
    conn = stack.pg_connect(db)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) coldchain_reading_1h, coldchain_reading_5min")
    conn.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="bench_site_dashboard")
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--sensors-per-site", type=int, default=40)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reload", action="store_true", help="drop the database first")
    args = parser.parse_args(argv)
    stack.require_odoo()
    if args.reload:
        stack.drop_database(args.db)
    config = ensure_database(args.db)

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config as odoo_config

    odoo_config.parse_config(["-c", str(config), "-d", args.db], setup_logging=False)
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        sensors = load_network(env, args.sites, args.sensors_per_site)
        readings = load_readings(env, sensors, args.days)
        started = time.perf_counter()
        batches = env["coldchain.dashboard"]._refresh_series(cr, lag_s=0, commit=True)
        if batches:
            stack.log(
                f"5-minute series: {batches} batches in {time.perf_counter() - started:.0f} s"
            )
        env["coldchain.dashboard"].init()  # the same DDL (hourly counts of older loads)
        cr.commit()
        vacuum(args.db)
        user = env["res.users"].search([("login", "=", "bench_cold_quality")])
        if not user:
            user = env["res.users"].create(
                {
                    "name": "Bench cold-chain quality",
                    "login": "bench_cold_quality",
                    "group_ids": [(6, 0, [env.ref("coldchain_sites.group_coldchain_quality").id])],
                }
            )
            cr.commit()
    timings = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, user.id, {})
        data = env["coldchain.dashboard"].get_dashboard_data()  # warm-up
        for _ in range(args.repeat):
            env.invalidate_all()
            started = time.perf_counter()
            data = env["coldchain.dashboard"].get_dashboard_data()
            timings.append(time.perf_counter() - started)
        cr.rollback()
    n_sensors = sum(t["sensors"] for t in data["sites"])
    stack.log(f"{len(data['sites'])} site tiles, {len(data['tiers'])} tiers")
    stack.log("runs: " + ", ".join(f"{t:.3f}" for t in timings))
    print(
        f"site_dashboard_s={statistics.median(timings):.3f} sensors={n_sensors} readings={readings}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
