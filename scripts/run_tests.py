#!/usr/bin/env python3
"""The one test command (``make test``): pytest suites, then the Odoo suite.

1. pytest over the pure engines (``addons/*/engine/tests``) and the repository's
   live-service suites (``tests/``: real PostgreSQL, real Mosquitto);
2. the Odoo suite (``scripts/stack.py odoo-tests``): a fresh temporary database,
   our addons installed with ``--test-enable``, tours in headless Chromium; any
   ERROR or CRITICAL line in Odoo's log fails it.

It ends with one combined line ``N passed, N failed, N skipped``.  Where Odoo 19
is not importable the Odoo suite is counted as one skipped suite, with a loud
reason line: never reported as passed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import stack  # noqa: E402


def banner(text: str) -> None:
    print("\n" + "=" * 78 + f"\n== {text}\n" + "=" * 78, flush=True)


def run_pytest(extra: list[str]) -> dict[str, int]:
    banner("pytest: engines and live-service suites")
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        rc = subprocess.run(
            [sys.executable, "-m", "pytest", f"--junitxml={junit}", *extra],
            cwd=ROOT,
            check=False,
        ).returncode
        counts = {"passed": 0, "failed": 0, "skipped": 0}
        if junit.exists():
            for suite in ET.parse(junit).getroot().iter("testsuite"):
                tests = int(suite.get("tests", 0))
                failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
                skipped = int(suite.get("skipped", 0))
                counts["failed"] += failed
                counts["skipped"] += skipped
                counts["passed"] += tests - failed - skipped
    # 5 = no test collected: that is a failure of the harness, not a pass.
    if rc != 0 and counts["failed"] == 0:
        print(f"pytest exited with code {rc} without a failed test: counted as one failure")
        counts["failed"] += 1
    return counts


PEER_TITLES = {
    None: "Odoo suite: our addons installed with --test-enable, tours in Chromium",
    "installed": "peer stage: Odoo's own tests of stock, sale_stock, purchase_stock "
    "with our addons installed",
    "governed": "peer stage, governance on: Odoo's own tests of stock and purchase_stock",
}


def run_odoo_suite(tags: str | None, verbose: bool, peer: str | None = None) -> dict[str, int]:
    banner(PEER_TITLES[peer])
    version = stack.odoo_version()
    if not version or version[0] != 19:
        print("!" * 78)
        print("!! SKIPPED: THE ODOO SUITE DID NOT RUN.")
        print(f"!! Odoo 19 is not importable by {sys.executable} (found: {version or 'nothing'}).")
        print("!! Install Odoo 19.0 (README, 'Bring your own Odoo') and run `make test` again.")
        print("!" * 78, flush=True)
        return {"passed": 0, "failed": 0, "skipped": 1}
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "odoo.json"
        command = [sys.executable, str(ROOT / "scripts" / "stack.py"), "odoo-tests"]
        command += ["--result", str(result)]
        if tags:
            command += ["--tags", tags]
        if peer:
            command += ["--peer", peer]
        if verbose:
            command.append("--verbose")
        rc = subprocess.run(command, cwd=ROOT, check=False).returncode
        summary = json.loads(result.read_text()) if result.exists() else None
    if summary is None:
        print("the Odoo suite reported nothing: counted as one failure")
        return {"passed": 0, "failed": 1, "skipped": 0}
    failed = summary["failures"] + summary["errors"]
    counts = {
        "passed": summary["run"] - failed - summary["skipped"],
        "failed": failed,
        "skipped": summary["skipped"],
    }
    if summary["run"] == 0:
        print("the Odoo suite ran no test: counted as one failure")
        counts["failed"] += 1
    if summary["log_errors"] and failed == 0:
        print("ERROR/CRITICAL lines in Odoo's log (each counted as a failure):")
        for line in summary["log_errors"]:
            print("  " + line)
        counts["failed"] += len(summary["log_errors"])
    if rc != 0 and counts["failed"] == 0:
        counts["failed"] += 1
    return counts


def line(counts: dict[str, int]) -> str:
    return f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-odoo", action="store_true", help="pytest suites only")
    parser.add_argument("--no-pytest", action="store_true", help="Odoo suite only")
    parser.add_argument("--odoo-tags", default=None, help="Odoo --test-tags (default: our addons)")
    parser.add_argument("--verbose", action="store_true", help="stream Odoo's whole log")
    parser.add_argument("--peer-only", action="store_true", help="the peer stages only")
    parser.add_argument(
        "--no-peer",
        action="store_true",
        help="skip the peer stages (Odoo's own stock/sale_stock/purchase_stock tests with ours)",
    )
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args()

    total = {"passed": 0, "failed": 0, "skipped": 0}
    parts = []
    if not args.no_pytest:
        counts = run_pytest(args.pytest_args)
        parts.append(("pytest", counts))
    if not args.no_odoo:
        if not args.peer_only:
            counts = run_odoo_suite(args.odoo_tags, args.verbose)
            parts.append(("odoo", counts))
        if not args.no_peer and not args.odoo_tags:
            for peer in ("installed", "governed"):
                counts = run_odoo_suite(None, args.verbose, peer=peer)
                parts.append((f"peer ({peer})", counts))
    banner("summary")
    for name, counts in parts:
        for key in total:
            total[key] += counts[key]
        print(f"{name}: {line(counts)}")
    print(line(total), flush=True)
    return 1 if total["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
