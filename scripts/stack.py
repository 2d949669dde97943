#!/usr/bin/env python3
"""Development stack of the distribution platform: set-up, run, Odoo test suite.

The Makefile is the user interface (``make run``, ``make test``); this script is
what it calls.  It only uses the standard library and psycopg2 (which Odoo needs
anyway), and finds Odoo 19 by import: it never installs Odoo.

Sub-commands:
  check-odoo     exit 0 if ``import odoo`` gives 19.0 in this Python, else explain
  config         render config/odoo.conf.template into .local/odoo.conf
  setup          config + database with our addons + demo network (idempotent)
  run            setup, then Odoo + long-running services until Ctrl-C
  odoo-tests     fresh temporary database, our addons with --test-enable,
                 results written as JSON (used by scripts/run_tests.py)
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
ADDONS_DIR = ROOT / "addons"
PRODUCT_ADDONS = ("distribution_orchestration", "coldchain_sites", "wms_bridge")
DEMO_ADDON = "distribution_demo"  # the demo network generator (never needed in production)
# every addon of the repository, bridges included (auto_install: they come with both sides)
ALL_ADDONS = tuple(sorted(path.parent.name for path in ADDONS_DIR.glob("*/__manifest__.py")))
PYTHON = sys.executable

DEMO_LOGINS = (
    ("admin", "admin", "administrator of everything"),
    ("sales", "sales", "sales user (order pipeline)"),
    ("credit", "credit", "credit controller (resolves credit holds)"),
    ("warehouse", "warehouse", "warehouse staff (inventory, cold-chain operator)"),
    ("quality", "quality", "quality (excursions, dispositions)"),
    ("integration", "integration", "integration team (EDI exchanges: a parked 945 to reprocess)"),
    ("site", "site", "site manager at Rotterdam (credit control, cold chain)"),
    ("governance", "governance", "rule change approver (rule versions, change calendar)"),
)


def log(message: str) -> None:
    print(f"[stack] {message}", flush=True)


# --------------------------------------------------------------------------- Odoo


def odoo_version() -> tuple[int, ...] | None:
    """The version of Odoo importable by this Python, or None."""
    probe = "import odoo.release as r; print(','.join(str(x) for x in r.version_info[:2]))"
    try:
        out = subprocess.run(
            [PYTHON, "-c", probe], capture_output=True, text=True, timeout=120, check=True
        ).stdout.strip()
    except (subprocess.SubprocessError, OSError):
        return None
    try:
        return tuple(int(x) for x in out.split(","))
    except ValueError:
        return None


ODOO_MISSING_HELP = """\
Odoo 19.0 is not importable by {python}.
Bring your own Odoo 19.0 Community and make `import odoo` work in that Python,
for example:
  * a source checkout of Odoo 19.0: pip install -r <odoo>/requirements.txt, then
    pip install -e <odoo>   (or put <odoo> on PYTHONPATH);
  * or use the Docker stack (docker/README or README, "Docker"), which runs the
    official odoo:19.0 image.
Then run the same make command again.  PYTHON=/path/to/python make ... selects
another interpreter."""


def require_odoo() -> None:
    version = odoo_version()
    if not version or version[0] != 19:
        found = ".".join(map(str, version)) if version else "nothing"
        sys.stderr.write(f"ERROR: found Odoo {found}.\n" + ODOO_MISSING_HELP.format(python=PYTHON))
        sys.stderr.write("\n")
        sys.exit(3)


# ------------------------------------------------------------------------- config


def settings(db_name: str | None = None, http_port: int | None = None) -> dict[str, str]:
    env = os.environ
    return {
        "ADDONS_PATH": env.get("ADDONS_PATH") or str(ADDONS_DIR),
        "DATA_DIR": str(LOCAL / "data"),
        "PGHOST": env.get("PGHOST", "127.0.0.1"),
        "PGPORT": env.get("PGPORT", "5432"),
        "PGUSER": env.get("PGUSER") or getpass.getuser(),
        "PGPASSWORD": env.get("PGPASSWORD", ""),
        "DB_NAME": db_name or env.get("DB_NAME", "distribution"),
        "HTTP_INTERFACE": env.get("HTTP_INTERFACE", "127.0.0.1"),
        "HTTP_PORT": str(http_port or env.get("HTTP_PORT", "8069")),
        "WORKERS": env.get("WORKERS", "0"),
        "ODOO_ADMIN_PASSWD": env.get("ODOO_ADMIN_PASSWD") or master_password(),
        "COLDCHAIN_MQTT_HOST": env.get("COLDCHAIN_MQTT_HOST", "127.0.0.1"),
        "COLDCHAIN_MQTT_PORT": env.get("COLDCHAIN_MQTT_PORT", "1883"),
        "COLDCHAIN_MQTT_USERNAME": env.get("COLDCHAIN_MQTT_USERNAME", ""),
        "COLDCHAIN_MQTT_TLS": env.get("COLDCHAIN_MQTT_TLS", "False"),
        "COLDCHAIN_MQTT_CA_FILE": env.get("COLDCHAIN_MQTT_CA_FILE", ""),
    }


def master_password() -> str:
    """A random database-manager password, generated once per checkout."""
    path = LOCAL / "admin_passwd"
    if not path.exists():
        LOCAL.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def render_config(path: Path, values: dict[str, str]) -> Path:
    template = string.Template((ROOT / "config" / "odoo.conf.template").read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    (LOCAL / "data").mkdir(parents=True, exist_ok=True)
    path.write_text(template.substitute(values))
    path.chmod(0o600)
    return path


def cmd_config(args: argparse.Namespace) -> int:
    path = render_config(LOCAL / "odoo.conf", settings(args.db))
    log(f"configuration written to {path.relative_to(ROOT)}")
    return 0


# ----------------------------------------------------------------------- database


def pg_connect(dbname: str = "postgres"):
    import psycopg2

    values = settings()
    return psycopg2.connect(
        host=values["PGHOST"],
        port=values["PGPORT"],
        user=values["PGUSER"],
        password=values["PGPASSWORD"] or None,
        dbname=dbname,
        connect_timeout=10,
    )


def database_exists(name: str) -> bool:
    with pg_connect() as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return cr.fetchone() is not None


def missing_addons(name: str, wanted: tuple[str, ...]) -> list[str]:
    """Addons of ``wanted`` not installed in database ``name`` (all if it is empty)."""
    with pg_connect(name) as conn, conn.cursor() as cr:
        cr.execute("SELECT to_regclass('ir_module_module') IS NOT NULL")
        if not cr.fetchone()[0]:
            return list(wanted)
        cr.execute(
            "SELECT name FROM ir_module_module WHERE state = 'installed' AND name = ANY(%s)",
            (list(wanted),),
        )
        installed = {row[0] for row in cr.fetchall()}
    return [name for name in wanted if name not in installed]


def drop_database(name: str) -> None:
    conn = pg_connect()
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            cr.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        conn.close()
    shutil.rmtree(LOCAL / "data" / "filestore" / name, ignore_errors=True)
    # the demo's EDI drop folders of that database (distribution_demo, stage wms_partners)
    for demo_folder in ("demo_3pl", "demo_edi"):
        shutil.rmtree(LOCAL / "data" / "edi" / demo_folder / name, ignore_errors=True)


def addons_fingerprint(addons: tuple[str, ...]) -> str:
    """Hash of our addons' source: when it changes, `setup` upgrades them."""
    digest = hashlib.sha256()
    for addon in addons:
        for path in sorted((ADDONS_DIR / addon).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".xml", ".csv", ".js", ".scss", ".rst"}:
                digest.update(str(path.relative_to(ADDONS_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def odoo_command(config: Path, *extra: str) -> list[str]:
    return [PYTHON, "-m", "odoo", "server", "-c", str(config), *extra]


def cmd_setup(args: argparse.Namespace) -> int:
    require_odoo()
    values = settings(args.db)
    config = render_config(LOCAL / "odoo.conf", values)
    db = values["DB_NAME"]
    # product addons, their bridges, and (unless --no-demo) the demo network
    wanted = tuple(a for a in ALL_ADDONS if not (args.no_demo and a == DEMO_ADDON))
    todo = missing_addons(db, wanted) if database_exists(db) else list(wanted)
    stamp = LOCAL / f"addons-{db}.sha256"
    fingerprint = addons_fingerprint(ALL_ADDONS)
    changed = not stamp.exists() or stamp.read_text() != fingerprint
    installed = [name for name in wanted if name not in todo]
    odoo_args = []
    if todo:
        log(f"installing {', '.join(todo)} into database {db!r} (first run takes a few minutes)")
        odoo_args += ["-i", ",".join(todo)]
    if changed and installed:
        log(f"our addons changed since database {db!r} was set up: upgrading them")
        odoo_args += ["-u", ",".join(installed)]
    if odoo_args:
        subprocess.run(odoo_command(config, "-d", db, *odoo_args, "--stop-after-init"), check=True)
        stamp.write_text(fingerprint)
    else:
        log(f"database {db!r} has our addons, up to date")
    if not args.no_demo:
        log(f"loading the demo network (scale {args.scale}) if not already loaded")
        subprocess.run(
            [
                PYTHON,
                str(ROOT / "scripts" / "load_demo.py"),
                "-c",
                str(config),
                "-d",
                db,
                "--scale",
                str(args.scale),
            ],
            check=True,
        )
    return 0


# ---------------------------------------------------------------------------- run


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def mosquitto_process(values: dict[str, str]) -> list[str] | None:
    """Command starting our dev Mosquitto, when the configured loopback broker is down."""
    host, port = values["COLDCHAIN_MQTT_HOST"], int(values["COLDCHAIN_MQTT_PORT"])
    if host not in ("127.0.0.1", "localhost") or port_open(host, port):
        log(f"MQTT broker: using {host}:{port}")
        return None
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        log(f"MQTT broker: nothing answers on {host}:{port} and mosquitto is not installed")
        return None
    data_dir = LOCAL / "mosquitto"
    data_dir.mkdir(parents=True, exist_ok=True)
    template = string.Template((ROOT / "config" / "mosquitto" / "mosquitto.dev.conf").read_text())
    conf = data_dir / "mosquitto.conf"
    conf.write_text(
        template.substitute(DATA_DIR=str(data_dir), PORT=str(port), RUN_AS=getpass.getuser())
    )
    log(f"MQTT broker: starting a local Mosquitto on {host}:{port}")
    return [binary, "-c", str(conf)]


def demo_live(values: dict[str, str]) -> bool:
    """The demo's live parts run on a database with the demo network, unless
    DEMO_LIVE=0 (``make run DEMO_LIVE=0``)."""
    if os.environ.get("DEMO_LIVE", "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    try:
        return not missing_addons(values["DB_NAME"], (DEMO_ADDON,))
    except Exception as exc:
        log(f"demo live parts: database {values['DB_NAME']} not readable ({exc})")
        return False


def service_commands(
    config: Path, values: dict[str, str], live: bool = False
) -> list[tuple[str, list[str]]]:
    """The long-running processes of the platform, in start order; with ``live``
    (the demo database) the gateway simulator publishes the cold sites' telemetry and
    the simulated 3PL answers the shipping orders of the warehouse it operates."""
    commands = []
    mosquitto = mosquitto_process(values)
    if mosquitto:
        commands.append(("mosquitto", mosquitto))
    commands.append(("odoo", odoo_command(config, "-d", values["DB_NAME"])))
    for addon in PRODUCT_ADDONS:
        # An addon with a long-running service ships services/<name>/__main__.py.
        for main in sorted((ADDONS_DIR / addon / "services").glob("*/__main__.py")):
            commands.append((main.parent.name, [PYTHON, str(main.parent), "-c", str(config)]))
    if live:
        simulator = ADDONS_DIR / "coldchain_sites" / "tools" / "gateway_simulator.py"
        commands.append(
            ("gateway-simulator", [PYTHON, str(simulator), "-c", str(config), "--live"])
        )
        # the demo's 3PL answers the 940s of its warehouse (folders read from the database)
        threepl = ADDONS_DIR / DEMO_ADDON / "tools" / "simulated_3pl.py"
        commands.append(("simulated-3pl", [PYTHON, str(threepl), "-c", str(config)]))
    return commands


CORE_PROCESSES = ("odoo", "mosquitto")  # the stack stops when one of these exits


class RestartPolicy:
    """Backoff for restarting a service: 1, 2, 4 … 30 s between restarts, back to
    1 s once it has run for a minute."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.backoff: dict[str, float] = {}
        self.exited_at: dict[str, float] = {}
        self.started_at: dict[str, float] = {}

    def running(self, name: str) -> None:
        started = self.started_at.setdefault(name, self.clock())
        if self.clock() - started > 60:
            self.backoff.pop(name, None)

    def delay(self, name: str) -> float | None:
        """The backoff to apply once it has passed since the exit; None until then."""
        now = self.clock()
        exited = self.exited_at.setdefault(name, now)
        delay = self.backoff.get(name, 1.0)
        if now - exited < delay:
            return None
        self.backoff[name] = min(30.0, delay * 2)
        del self.exited_at[name]
        self.started_at[name] = now
        return delay


def supervise(processes: list, commands: dict, stopping) -> int:
    """Watch the stack until ``stopping()``: a core process that exits stops the
    stack (its exit code is returned); a service of ours is restarted with backoff,
    like the Docker stack's restart policy (the ingestion service dead-letters a
    message it keeps dying on, so this loop ends)."""
    restarts = RestartPolicy()
    while not stopping():
        for index, (name, proc) in enumerate(processes):
            if proc.poll() is None:
                restarts.running(name)
                continue
            if name in CORE_PROCESSES:
                log(f"{name} exited with code {proc.returncode}; stopping the stack")
                return proc.returncode or 1
            delay = restarts.delay(name)
            if delay is None:
                continue  # waiting for its backoff to pass
            log(f"{name} exited with code {proc.returncode}; restarting it (backoff {delay:.0f} s)")
            processes[index] = (name, subprocess.Popen(commands[name], start_new_session=True))
        time.sleep(0.5)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    cmd_setup(args)
    values = settings(args.db)
    config = LOCAL / "odoo.conf"
    processes: list[tuple[str, subprocess.Popen]] = []
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    live = demo_live(values)
    if live:
        log(
            "demo database: the gateway simulator publishes live telemetry and the simulated "
            "3PL answers 940s (DEMO_LIVE=0: off)"
        )
    for name, command in service_commands(config, values, live):
        log(f"starting {name}")
        processes.append((name, subprocess.Popen(command, start_new_session=True)))

    url = f"http://{values['HTTP_INTERFACE']}:{values['HTTP_PORT']}"
    deadline = time.monotonic() + 120
    while not stopping and time.monotonic() < deadline:
        if port_open(values["HTTP_INTERFACE"], int(values["HTTP_PORT"])):
            break
        time.sleep(0.5)
    if not stopping:
        print("\n" + "=" * 72)
        print(f"  Distribution platform running at {url}/odoo  (database {values['DB_NAME']})")
        print("  Demo logins (login / password):")
        for login, password, role in DEMO_LOGINS:
            print(f"    {login:<12} / {password:<12} {role}")
        print("  Ctrl-C stops everything.")
        print("=" * 72 + "\n", flush=True)

    rc = supervise(processes, dict(service_commands(config, values, live)), lambda: stopping)

    for name, proc in reversed(processes):
        if proc.poll() is None:
            log(f"stopping {name}")
            os.killpg(proc.pid, signal.SIGTERM)
    for name, proc in reversed(processes):
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            log(f"{name} did not stop in 20 s: killing it")
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    log("stopped")
    return rc


# --------------------------------------------------------------------- odoo tests

ODOO_TEST_DRIVER = r"""
# Runs Odoo's server the way `odoo server` does, and records the test report of
# the database once the post-install tests have run (before the server stops).
import json, sys
from odoo.tools import config
from odoo.service import server
from odoo.service import db as db_service
from odoo.modules.registry import Registry

args, result_path, db_name, governed = sys.argv[1:-3], sys.argv[-3], sys.argv[-2], sys.argv[-1]
config.parse_config(args, setup_logging=True)
db_service._create_empty_database(db_name)
config["init"]["base"] = True
summary = {"rc": None, "run": 0, "failures": 0, "errors": 0, "skipped": 0}
original_preload = server.preload_registries

def preload_and_report(dbnames):
    rc = original_preload(dbnames)
    registry = Registry.registries[db_name] if db_name in Registry.registries else None
    report = registry and registry._assertion_report
    if report is not None:
        summary.update(run=report.testsRun, failures=report.failures_count,
                       errors=report.errors_count, skipped=report.skipped)
    summary["rc"] = rc
    with open(result_path, "w") as fh:
        json.dump(summary, fh)
    return rc

server.preload_registries = preload_and_report

if governed == "governed":
    # Governance on, the way an administrator turns it on, once every module is
    # installed and before the post-install tests: the pipeline on every company
    # and on the companies the tests create.  (The tested modules' at-install tests
    # run when those modules are installed, before ours exist: they cannot meet
    # governance, are not meant to run once other modules are installed, and the
    # "installed" stage runs them; so this stage runs the post-install tests.)
    from odoo import api, SUPERUSER_ID
    from odoo.tests import loader

    original_make_suite = loader.make_suite

    def governed_make_suite(module_names, position="at_install"):
        if position != "post_install":
            return loader.OdooSuite([])  # the "installed" peer stage ran them already
        with Registry(db_name).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["ir.config_parameter"].set_param(
                "distribution_orchestration.pipeline_for_new_companies", "True"
            )
            companies = env["res.company"].search([])
            companies.write({"distribution_pipeline_enabled": True})
            print(f"[peer] order pipeline enabled on {len(companies)} companies and for new ones",
                  flush=True)
        return original_make_suite(module_names, position)

    loader.make_suite = governed_make_suite

sys.exit(server.start(preload=[db_name], stop=True))
"""

# Odoo's own modules whose tests the peer stage runs with ours installed.
PEER_MODULES = ("stock", "sale_stock", "purchase_stock")
# With governance enabled: the standard flows that do not confirm sale orders.
PEER_GOVERNED_MODULES = ("stock", "purchase_stock")


def cmd_odoo_tests(args: argparse.Namespace) -> int:
    """Run our Odoo suite in a fresh database; write counts to ``args.result``."""
    require_odoo()
    db = f"dist_test_{os.getpid()}"
    values = settings(db, http_port=free_port())
    # per run: several suites may run at once on one machine
    config = render_config(LOCAL / f"odoo-test-{db}.conf", values)
    log_path = LOCAL / f"odoo-tests-{db}.log"
    result_path = Path(args.result)
    result_path.unlink(missing_ok=True)
    if args.peer:
        peers = PEER_GOVERNED_MODULES if args.peer == "governed" else PEER_MODULES
        tags = args.tags or ",".join(f"/{name}" for name in peers)
        install = (*peers, *ALL_ADDONS)
    else:
        tags = args.tags or ",".join(f"/{name}" for name in ALL_ADDONS)
        install = ALL_ADDONS
    odoo_args = [
        "-c",
        str(config),
        "-d",
        db,
        "-i",
        # every addon of the repository, bridges included (an auto_install bridge
        # whose other dependency is an optional OCA addon is installed explicitly)
        ",".join(install),
        "--test-enable",
        "--test-tags",
        tags,
        "--stop-after-init",
        "--log-level=test",
        "--max-cron-threads=0",
    ]
    log(f"Odoo suite: database {db}, tags {tags}, log {log_path.relative_to(ROOT)}")
    bad_lines: list[str] = []
    started = time.monotonic()
    try:
        with log_path.open("w") as log_file:
            proc = subprocess.Popen(
                [
                    PYTHON,
                    "-c",
                    ODOO_TEST_DRIVER,
                    *odoo_args,
                    str(result_path),
                    db,
                    "governed" if args.peer == "governed" else "as-installed",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                cwd=ROOT,
            )
            for line in proc.stdout:
                log_file.write(line)
                if " ERROR " in line or " CRITICAL " in line:
                    bad_lines.append(line.rstrip())
                shown = (" ERROR ", " CRITICAL ", "FAIL:", "[peer]")
                if args.verbose or any(mark in line for mark in shown):
                    sys.stdout.write(line)
            proc.wait()
    finally:
        config.unlink(missing_ok=True)
        if not args.keep_db:
            drop_database(db)
    summary = json.loads(result_path.read_text()) if result_path.exists() else None
    if summary is None:
        summary = {"rc": proc.returncode or 1, "run": 0, "failures": 0, "errors": 1, "skipped": 0}
        bad_lines.append("the Odoo test driver did not report results (crashed?)")
    summary["log_errors"] = bad_lines
    summary["seconds"] = round(time.monotonic() - started, 1)
    result_path.write_text(json.dumps(summary))
    log(
        f"Odoo suite: {summary['run']} run, {summary['failures']} failed, "
        f"{summary['errors']} errors, {summary['skipped']} skipped, "
        f"{len(bad_lines)} ERROR/CRITICAL log lines, {summary['seconds']} s"
    )
    ok = not bad_lines and not summary["failures"] and not summary["errors"]
    return 0 if ok else 1


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check-odoo")
    for name in ("config", "setup", "run"):
        p = sub.add_parser(name)
        p.add_argument(
            "--db", default=None, help="database name (default: $DB_NAME or distribution)"
        )
        p.add_argument("--scale", type=float, default=float(os.environ.get("DEMO_SCALE", "1")))
        p.add_argument("--no-demo", action="store_true", help="do not load the demo network")
    p = sub.add_parser("odoo-tests")
    p.add_argument("--result", required=True, help="JSON file receiving the counts")
    p.add_argument("--tags", default=os.environ.get("ODOO_TEST_TAGS"))
    p.add_argument("--keep-db", action="store_true")
    p.add_argument(
        "--peer",
        choices=("installed", "governed"),
        default=None,
        help="run Odoo's own tests of stock, sale_stock and purchase_stock with our addons "
        "installed (as installed), or those of stock and purchase_stock with governance on",
    )
    p.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "check-odoo":
        require_odoo()
        log("Odoo 19 is importable")
        return 0
    return {
        "config": cmd_config,
        "setup": cmd_setup,
        "run": cmd_run,
        "odoo-tests": cmd_odoo_tests,
    }[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
