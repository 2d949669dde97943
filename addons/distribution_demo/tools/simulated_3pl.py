"""Simulated 3PL: answers our X12 940 shipping orders through a directory drop.

    python3 addons/distribution_demo/tools/simulated_3pl.py -c .local/odoo.conf
    python3 addons/distribution_demo/tools/simulated_3pl.py --outbox DIR --inbox DIR \\
        [--delay-min 60] [--delay-max 180] [--seed 7] [--short-share 0.3]

Which folders: with ``-c`` the drop folder of the demo 3PL trading partner (the
``wms.trading.partner`` whose drop folder starts with ``demo_3pl/``, created by the
demo network's ``wms_partners`` stage) under ``[wms_bridge] drop_root`` of the same
file, read from the configured database (waiting for it to appear); ``--outbox`` and
``--inbox`` name them directly (tests).

What it does, as the 3PL's side of the directory transport: every interchange we
drop into the partner's ``outbox/`` is answered after a delay drawn between
``--delay-min`` and ``--delay-max`` seconds (1 to 3 minutes by default): a 997
acknowledging it and, for each 940 it accepts, a 945 shipping the order (for a
share ``--short-share`` of the orders one line is short-shipped; which orders and
lines follows ``--seed`` and the order reference, so a run is reproducible).  The
answers are addressed back with the envelope of the 940 (sender and receiver
swapped, same separators and version) and the 3PL's own interchange control
numbers, kept in a state file so that a restart never reuses one (the bridge would
take the interchange as a duplicate).  Answers are written under a temporary
dot-name and renamed, so the bridge never reads half a file; their names
(``3pl_<control number>_<set>.x12``) sort in the order they were written.

With ``-c`` the 945 names the lots Odoo reserved on the transfer (a real 3PL
knows the lots it picked; our 940 does not carry them), split per lot.

Each handled file is moved to ``outbox/archive/`` (answered once); our own
acknowledgments (997/999/TA1) are archived without an answer.  A file that cannot
be read as an interchange is moved to ``outbox/rejected/`` with a ``.reason.txt``
beside it, and the service keeps going.  SIGTERM or SIGINT stops it cleanly (exit
code 0).

Standard library only, plus wms_bridge's pure ``engine`` codec (imported without
Odoo, as the benchmarks do) and psycopg2 for ``-c``.  It never imports Odoo.
"""

from __future__ import annotations

import argparse
import configparser
import json
import logging
import os
import random
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))

import engine_packages  # noqa: E402

engine_packages.register()

from wms_bridge.engine import x12  # noqa: E402
from wms_bridge.engine.x12 import Envelope  # noqa: E402

_logger = logging.getLogger("simulated_3pl")

#: Drop folders of the demo 3PL start with this (``<drop_root>/demo_3pl/<db>``).
DEMO_FOLDER_PREFIX = "demo_3pl/"
#: Our first control number when no state file exists: the demo loader's scripted
#: history uses numbers below it.
FIRST_CONTROL = 100000
MAX_FILE_BYTES = 16 * 1024 * 1024
ACK_SETS = ("997", "999", "TA1")
PARTNER_QUERY = """
    SELECT drop_folder FROM wms_trading_partner
     WHERE role = '3pl' AND transport = 'directory' AND active
       AND standard = 'x12' AND drop_folder LIKE %s
     ORDER BY id LIMIT 1
"""


# --------------------------------------------------------------------------- config
def load_config(path: str) -> tuple[dict, dict]:
    parser = configparser.RawConfigParser()
    with open(path, encoding="utf-8") as handle:
        parser.read_file(handle)
    options = dict(parser["options"]) if parser.has_section("options") else {}
    bridge = dict(parser["wms_bridge"]) if parser.has_section("wms_bridge") else {}
    return options, bridge


def drop_root(options: dict, bridge: dict) -> str:
    """``[wms_bridge] drop_root``, else ``<data_dir>/edi`` (as the bridge does)."""
    root = bridge.get("drop_root")
    if not root:
        data_dir = options.get("data_dir") or os.path.expanduser("~/.local/share/Odoo")
        root = os.path.join(data_dir, "edi")
    return root


def _db_connect(options: dict):
    """A connection to the configured database (10 s connect timeout)."""
    import psycopg2

    return psycopg2.connect(
        host=options.get("db_host") or None,
        port=int(options.get("db_port") or 5432),
        user=options.get("db_user") or None,
        password=options.get("db_password") or os.environ.get("PGPASSWORD") or None,
        dbname=options.get("db_name"),
        connect_timeout=10,
    )


def partner_folder_from_db(options: dict) -> str | None:
    """Drop folder of the demo 3PL partner in the configured database, or None."""
    conn = _db_connect(options)
    try:
        with conn.cursor() as cr:
            cr.execute("SET statement_timeout = 10000")
            cr.execute(PARTNER_QUERY, (DEMO_FOLDER_PREFIX + "%",))
            row = cr.fetchone()
    finally:
        conn.close()
    return row[0] if row else None


LOTS_QUERY = """
    SELECT pp.default_code, sl.name, SUM(sml.quantity)
      FROM stock_move_line sml
      JOIN stock_picking sp ON sp.id = sml.picking_id
      JOIN product_product pp ON pp.id = sml.product_id
      JOIN stock_lot sl ON sl.id = sml.lot_id
     WHERE sp.name = %s AND sml.quantity > 0
     GROUP BY pp.default_code, sl.name
     ORDER BY pp.default_code, sl.name
"""


def reserved_lots_from_db(options: dict, order_ref: str) -> dict[str, list[tuple[str, float]]]:
    """Lots reserved on our transfer ``order_ref`` per product code: the lots a real
    3PL would have picked (it knows them; our 940 does not carry them)."""
    conn = _db_connect(options)
    try:
        with conn.cursor() as cr:
            cr.execute("SET statement_timeout = 10000")
            cr.execute(LOTS_QUERY, (order_ref,))
            rows = cr.fetchall()
    finally:
        conn.close()
    lots: dict[str, list[tuple[str, float]]] = {}
    for code, lot, qty in rows:
        lots.setdefault(code or "", []).append((lot, float(qty)))
    return lots


def split_by_lot(qty: float, lots: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """``qty`` shipped taken from ``lots`` in order: ``[(lot, qty)]`` (one line
    without a lot when none is known; what no lot covers goes with the last one)."""
    if not lots:
        return [("", qty)]
    out, left = [], qty
    for lot, available in lots:
        if left <= 0:
            break
        take = min(available, left)
        out.append((lot, take))
        left -= take
    if left > 0:
        lot, take = out[-1] if out else (lots[-1][0], 0.0)
        out[-1:] = [(lot, take + left)]
    return out or [(lots[0][0], 0.0)]


def folders_from_config(options: dict, bridge: dict) -> tuple[str, str] | None:
    """``(outbox, inbox)`` of the demo 3PL, or None while it does not exist."""
    folder = partner_folder_from_db(options)
    if not folder:
        return None
    root = os.path.realpath(drop_root(options, bridge))
    base = os.path.realpath(os.path.join(root, folder))
    if not base.startswith(root + os.sep):
        raise ValueError(f"drop folder {folder!r} is outside drop_root")
    return os.path.join(base, "outbox"), os.path.join(base, "inbox")


# --------------------------------------------------------------------------- answers
def shipment_plan(order: dict, seed: int, short_share: float) -> dict[int, float]:
    """Shipped quantity per line index of a 940 ``order``: everything, except one
    line short-shipped for a share of the orders (decided by seed and order ref)."""
    rng = random.Random(f"{seed}|{order.get('order_ref')}")
    lines = order.get("lines") or []
    shipped = {index: float(line.get("qty") or 0.0) for index, line in enumerate(lines)}
    if not lines or rng.random() >= short_share:
        return shipped
    index = rng.randrange(len(lines))
    qty = shipped[index]
    missing = max(1.0, float(int(qty * rng.uniform(0.1, 0.5))))
    if qty - missing <= 0 and len(lines) == 1:
        return shipped  # nothing would be shipped at all: ship it complete
    shipped[index] = max(0.0, qty - missing)
    return shipped


def shipment_945(order: dict, shipped: dict[int, float], control: int, today,
                 lots: dict | None = None) -> dict:  # fmt: skip
    """The 945 shipping a 940 ``order`` (the engine's dict) as ``shipped`` says;
    ``lots`` = {our product code: [(lot, qty)]} splits a line per lot (W12 lines
    sharing the order line's LX)."""
    lines = []
    for index, line in enumerate(order.get("lines") or []):
        ordered = float(line.get("qty") or 0.0)
        qty = shipped.get(index, ordered)
        ids = dict(line.get("product_ids") or {})
        known = (lots or {}).get(ids.get("VN") or "") or []
        parts = split_by_lot(qty, known) if known else [(line.get("lot") or "", qty)]
        for lot, part in parts:
            lines.append(
                {
                    "line": line.get("line") or index + 1,
                    "status": "CC" if qty == ordered else "CP",
                    "qty_ordered": ordered if len(parts) == 1 else part,
                    "qty_shipped": part,
                    "qty_difference": ordered - qty if len(parts) == 1 else 0.0,
                    "uom": line.get("uom") or "EA",
                    "upc": line.get("upc") or "",
                    "product_ids": ids,
                    "lot": lot,
                }
            )
    return {
        "report_code": "F",
        "order_ref": order["order_ref"],
        "date": today,
        "shipment_id": f"VSH{control:09d}",
        "po_ref": order.get("po_ref") or "",
        "refs": {"BM": f"BOL{control:09d}", "CN": f"1Z3PL{control:012d}"},
        "carrier": {"transport_method": "M", "scac": "DHLP"},
        "lines": lines,
    }


def answer_envelope(result: x12.X12Result) -> Envelope:
    """Envelope answering ``result``: its receiver sends back to its sender, with
    its separators, GS application codes and version."""
    info = result.interchange
    group = next((g for g in result.groups if not g.implicit), None)
    return Envelope(
        sender_id=info.receiver_id.strip(),
        receiver_id=info.sender_id.strip(),
        sender_qualifier=info.receiver_qualifier,
        receiver_qualifier=info.sender_qualifier,
        gs_sender=group.receiver if group else "",
        gs_receiver=group.sender if group else "",
        version=(group.version[:6] if group else "") or "005010",
        separators=info.separators,
        usage=info.usage if info.usage in ("P", "T") else "P",
    )


# --------------------------------------------------------------------------- service
class Simulated3PL:
    def __init__(self, outbox, inbox, *, delay=(60.0, 180.0), seed=7, short_share=0.3,
                 state_file=None, clock=time.time, lots=None):  # fmt: skip
        self.outbox, self.inbox = outbox, inbox
        self.archive = os.path.join(outbox, "archive")
        self.rejected = os.path.join(outbox, "rejected")
        self.delay, self.seed, self.short_share, self.clock = delay, seed, short_share, clock
        self.lots = lots  # order ref -> {code: [(lot, qty)]}, or None (no database)
        self.rng = random.Random(seed)
        self.state_file = state_file or os.path.join(
            os.path.dirname(os.path.abspath(outbox)), ".simulated_3pl.json"
        )
        self.control = self._read_state()
        self.due: dict[str, float] = {}  # file name -> when it is answered
        self.answered = 0
        for path in (self.outbox, self.inbox, self.archive, self.rejected):
            os.makedirs(path, exist_ok=True)

    # ---- control numbers, kept across restarts
    def _read_state(self) -> int:
        try:
            with open(self.state_file, encoding="utf-8") as handle:
                return max(FIRST_CONTROL, int(json.load(handle).get("control") or 0))
        except (OSError, ValueError, AttributeError):
            return FIRST_CONTROL

    def next_control(self) -> int:
        self.control = self.control + 1 if self.control < 999999999 else FIRST_CONTROL
        tmp = f"{self.state_file}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump({"control": self.control}, handle)
        os.replace(tmp, self.state_file)
        return self.control

    # ---- files
    def _waiting(self) -> list[str]:
        names = []
        for name in sorted(os.listdir(self.outbox)):
            if name.startswith(".") or not os.path.isfile(os.path.join(self.outbox, name)):
                continue
            names.append(name)
        return names

    def _write_inbox(self, name: str, text: str) -> str:
        final = os.path.join(self.inbox, name)
        tmp = os.path.join(self.inbox, f".{name}.tmp")
        with open(tmp, "w", encoding="latin-1", errors="replace") as handle:
            handle.write(text)
        os.replace(tmp, final)
        return final

    def _move(self, name: str, folder: str) -> str:
        target = os.path.join(folder, name)
        if os.path.exists(target):
            target = f"{target}.{int(self.clock() * 1000)}"
        os.replace(os.path.join(self.outbox, name), target)
        return target

    def _reject(self, name: str, reason: str) -> None:
        target = self._move(name, self.rejected)
        with open(f"{target}.reason.txt", "w", encoding="utf-8") as handle:
            handle.write(reason + "\n")
        _logger.warning("%s moved aside to %s: %s", name, target, reason)

    # ---- one pass
    def poll(self) -> int:
        """Schedule new files, answer those whose delay has passed; answered count."""
        now = self.clock()
        waiting = self._waiting()
        for name in list(self.due):
            if name not in waiting:
                del self.due[name]
        done = 0
        for name in waiting:
            if name not in self.due:
                self.due[name] = now + self.rng.uniform(*self.delay)
                _logger.info("%s received: answered in %.0f s", name, self.due[name] - now)
                continue
            if self.due[name] > now:
                continue
            del self.due[name]
            try:
                done += self.handle(name)
            except Exception as exc:  # one bad file never stops the service
                _logger.exception("%s could not be handled", name)
                if os.path.exists(os.path.join(self.outbox, name)):
                    self._reject(name, f"{type(exc).__name__}: {exc}")
        return done

    def handle(self, name: str) -> int:
        path = os.path.join(self.outbox, name)
        if os.path.getsize(path) > MAX_FILE_BYTES:
            self._reject(name, f"larger than {MAX_FILE_BYTES} bytes")
            return 0
        with open(path, "rb") as handle:
            raw = handle.read()
        result = x12.process_interchange(raw, ack_control_number=self.control + 1, ack_type="997")
        if result.interchange is None or result.fatal:
            reasons = "; ".join(f"{e.code}: {e.message}" for e in result.errors)
            self._reject(name, f"not a readable X12 interchange ({reasons or 'no ISA'})")
            return 0
        business = [ts for ts in result.sets if ts.set_id not in ACK_SETS]
        if not business:
            self._move(name, self.archive)
            _logger.info("%s: acknowledgment from the bridge, archived", name)
            return 0
        if result.ack:
            number = self.next_control()  # the number the 997 was built with
            self._write_inbox(f"3pl_{number:09d}_997.x12", result.ack)
        envelope = answer_envelope(result)
        today = datetime.fromtimestamp(self.clock(), UTC)
        shipped_orders = []
        for ts in business:
            if ts.set_id != "940" or not ts.accepted or not ts.data:
                continue
            order = ts.data
            plan = shipment_plan(order, self.seed, self.short_share)
            number = self.next_control()
            lots = None
            if self.lots is not None:
                try:
                    lots = self.lots(order["order_ref"])
                except Exception as exc:  # no lots known: the line goes without
                    _logger.warning("lots of %s not read: %s", order["order_ref"], exc)
            doc = shipment_945(order, plan, number, today.date(), lots)
            text = x12.write_interchange(
                envelope, [("945", doc)], control_number=number, when=today.replace(tzinfo=None)
            )
            self._write_inbox(f"3pl_{number:09d}_945.x12", text)
            short = [ln["line"] for ln in doc["lines"] if ln["status"] == "CP"]
            shipped_orders.append(order["order_ref"])
            _logger.info("945 %09d ships %s%s", number, order["order_ref"],
                         f" (short lines {short})" if short else "")  # fmt: skip
        self._move(name, self.archive)
        self.answered += len(shipped_orders)
        return len(shipped_orders)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Simulated 3PL (X12 940 -> 997 + 945)")
    parser.add_argument("-c", "--config", help="Odoo configuration file (database, drop_root)")
    parser.add_argument("--outbox", help="the partner's outbox/ (where our 940s arrive)")
    parser.add_argument("--inbox", help="the partner's inbox/ (where answers go)")
    parser.add_argument("--delay-min", type=float, default=60.0, help="seconds before answering")
    parser.add_argument("--delay-max", type=float, default=180.0, help="at most this many")
    parser.add_argument("--short-share", type=float, default=0.3,
                        help="share of the orders with one short-shipped line")  # fmt: skip
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--poll", type=float, default=2.0, help="seconds between folder scans")
    parser.add_argument("--state-file", help="control number state (default: beside outbox/)")
    args = parser.parse_args(argv)
    if not args.config and not (args.outbox and args.inbox):
        parser.error("either -c CONFIG or both --outbox and --inbox")
    if args.delay_max < args.delay_min:
        parser.error("--delay-max is below --delay-min")
    return args


def _sleep(seconds: float, stopping: list) -> None:
    end = time.monotonic() + seconds
    while not stopping and time.monotonic() < end:
        time.sleep(min(0.2, max(0.0, end - time.monotonic())))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s simulated-3pl: %(message)s")  # fmt: skip
    stopping: list = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))

    outbox, inbox = args.outbox, args.inbox
    lots = None
    if args.config:
        options, bridge = load_config(args.config)
        while not stopping and not (outbox and inbox):
            try:
                folders = folders_from_config(options, bridge)
            except Exception as exc:  # database not ready yet: try again later
                _logger.warning("cannot read the 3PL partner from the database: %s", exc)
                folders = None
            if folders:
                outbox, inbox = folders
            else:
                _logger.info("no demo 3PL partner in %s yet: waiting", options.get("db_name"))
                _sleep(30.0, stopping)
        if stopping:
            return 0
        lots = lambda ref: reserved_lots_from_db(options, ref)  # noqa: E731
    sim = Simulated3PL(
        outbox,
        inbox,
        delay=(args.delay_min, args.delay_max),
        seed=args.seed,
        short_share=args.short_share,
        state_file=args.state_file,
        lots=lots,
    )
    _logger.info("watching %s, answering into %s (delay %g-%g s)", outbox, inbox,
                 args.delay_min, args.delay_max)  # fmt: skip
    while not stopping:
        try:
            sim.poll()
        except OSError as exc:  # folder briefly unavailable: next scan
            _logger.warning("scan failed: %s", exc)
        _sleep(args.poll, stopping)
    _logger.info("stopped after answering %d orders", sim.answered)
    return 0


if __name__ == "__main__":
    sys.exit(main())
