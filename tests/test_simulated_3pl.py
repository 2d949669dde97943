"""The simulated 3PL of the demo (addons/distribution_demo/tools/simulated_3pl.py) as
a process: our 940 in its outbox, its 997 and 945 in the inbox, malformed files
moved aside, SIGTERM stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date

from support import ROOT

from wms_bridge.engine import x12
from wms_bridge.engine.x12 import Envelope

SIMULATOR = ROOT / "addons" / "distribution_demo" / "tools" / "simulated_3pl.py"
OURS, THEIRS = "MERIDIAN", "VISTULA3PL"


def order_940(ref, lines):
    return {
        "purpose": "N",
        "order_ref": ref,
        "po_ref": "SO0042",
        "parties": [{"qualifier": "ST", "name": "Customer", "id_qualifier": "92", "id": "C1"}],
        "dates": {"10": date(2026, 12, 7)},
        "lines": [
            {"line": n, "qty": qty, "uom": "EA", "product_ids": {"VN": code}, "description": code}
            for n, (code, qty) in enumerate(lines, start=1)
        ],
    }


def write_940(folder, name, order, control):
    envelope = Envelope(sender_id=OURS, receiver_id=THEIRS, version="004010")
    text = x12.write_interchange(envelope, [("940", order)], control_number=control)
    (folder / name).write_text(text, encoding="latin-1")
    return text


def start(tmp_path, *extra):
    outbox, inbox = tmp_path / "outbox", tmp_path / "inbox"
    outbox.mkdir(exist_ok=True)
    inbox.mkdir(exist_ok=True)
    command = [sys.executable, str(SIMULATOR), "--outbox", str(outbox), "--inbox", str(inbox),
               "--delay-min", "0.2", "--delay-max", "0.5", "--poll", "0.1", *extra]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc, outbox, inbox


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, out


def answers(inbox):
    return sorted(p.name for p in inbox.iterdir() if not p.name.startswith("."))


def test_940_answered_with_997_and_945_short_line_when_seeded(tmp_path):
    proc, outbox, inbox = start(tmp_path, "--short-share", "1", "--seed", "3")
    try:
        order = order_940("WAW/OUT/00042", [("DN-00001", 24), ("DN-00002", 10)])
        write_940(outbox, "940_000000001_WMS-1.x12", order, 1)
        found = wait_for(lambda: len(answers(inbox)) == 2 and answers(inbox))
        assert found[0].endswith("_997.x12") and found[1].endswith("_945.x12")
        # the 997 acknowledges our interchange, addressed back to us
        ack = x12.process_interchange((inbox / found[0]).read_bytes())
        assert ack.interchange.sender_id.strip() == THEIRS
        assert ack.interchange.receiver_id.strip() == OURS
        assert [ts.set_id for ts in ack.sets] == ["997"]
        assert ack.sets[0].data["group_control"] == "1"
        # the 945 ships that order, one line short (short share 1)
        shipment = x12.process_interchange((inbox / found[1]).read_bytes())
        assert shipment.accepted, shipment.sets[0].describe()
        assert shipment.interchange.sender_id.strip() == THEIRS
        assert shipment.interchange.control_number != ack.interchange.control_number
        doc = shipment.sets[0].data
        assert doc["order_ref"] == "WAW/OUT/00042"
        assert [ln["product_ids"]["VN"] for ln in doc["lines"]] == ["DN-00001", "DN-00002"]
        short = [ln for ln in doc["lines"] if ln["qty_shipped"] < ln["qty_ordered"]]
        assert len(short) == 1 and short[0]["status"] == "CP"
        # answered once: the 940 is archived
        assert not [p for p in outbox.iterdir() if p.is_file()]
        assert (outbox / "archive" / "940_000000001_WMS-1.x12").exists()
        time.sleep(1.0)
        assert len(answers(inbox)) == 2
    finally:
        rc, out = stop(proc)
    assert rc == 0, out


def test_complete_shipment_without_short_share(tmp_path):
    proc, outbox, inbox = start(tmp_path, "--short-share", "0")
    try:
        write_940(outbox, "940_a.x12", order_940("WAW/OUT/00043", [("DN-00003", 5)]), 2)
        found = wait_for(lambda: [n for n in answers(inbox) if n.endswith("_945.x12")])
        doc = x12.process_interchange((inbox / found[0]).read_bytes()).sets[0].data
        assert [(ln["qty_shipped"], ln["status"]) for ln in doc["lines"]] == [(5.0, "CC")]
    finally:
        rc, out = stop(proc)
    assert rc == 0, out


def test_malformed_file_moved_aside_and_service_keeps_going(tmp_path):
    proc, outbox, inbox = start(tmp_path, "--short-share", "0")
    try:
        (outbox / "garbage.x12").write_bytes(b"this is not an interchange\x00\xff")
        wait_for((outbox / "rejected" / "garbage.x12").exists)
        reason = (outbox / "rejected" / "garbage.x12.reason.txt").read_text()
        assert "not a readable X12 interchange" in reason
        assert proc.poll() is None
        write_940(outbox, "940_b.x12", order_940("WAW/OUT/00044", [("DN-00004", 2)]), 3)
        wait_for(lambda: [n for n in answers(inbox) if n.endswith("_945.x12")])
        # our acknowledgments of its 945s are archived without an answer
        ack = x12.process_interchange(x12.write_interchange(
            Envelope(sender_id=THEIRS, receiver_id=OURS, version="004010"),
            [("945", {"report_code": "F", "order_ref": "X", "date": date(2026, 12, 7),
                      "shipment_id": "S", "lines": [{"line": 1, "status": "CC", "qty_ordered": 1,
                                                     "qty_shipped": 1, "uom": "EA",
                                                     "product_ids": {"VN": "DN-1"}}]})],
            control_number=100001,
        ), ack_control_number=4, ack_type="997").ack  # fmt: skip
        (outbox / "997_WMS-2.edi").write_text(ack, encoding="latin-1")
        wait_for((outbox / "archive" / "997_WMS-2.edi").exists)
        assert len(answers(inbox)) == 2
    finally:
        rc, out = stop(proc)
    assert rc == 0, out


def test_control_numbers_survive_a_restart(tmp_path):
    numbers = []
    for run in range(2):
        proc, outbox, inbox = start(tmp_path, "--short-share", "0")
        try:
            write_940(outbox, f"940_{run}.x12", order_940(f"R{run}", [("DN-1", 1)]), 10 + run)
            wait_for(lambda r=run, box=inbox: len(answers(box)) == 2 * (r + 1))
        finally:
            rc, out = stop(proc)
        assert rc == 0, out
    for name in answers(inbox):
        numbers.append(x12.process_interchange((inbox / name).read_bytes()).interchange)
    controls = [info.control_number for info in numbers]
    assert len(set(controls)) == 4, controls
    assert os.path.exists(tmp_path / ".simulated_3pl.json")


def test_folders_read_from_the_database_through_the_config(tmp_path, pg_dsn):
    """``-c config`` (what make run passes): the demo 3PL partner's drop folder under
    ``[wms_bridge] drop_root``, read from the configured database."""
    import psycopg2

    conn = psycopg2.connect(**pg_dsn)
    with conn, conn.cursor() as cr:
        cr.execute(
            "CREATE TABLE wms_trading_partner (id serial PRIMARY KEY, role varchar, "
            "transport varchar, standard varchar, active boolean, drop_folder varchar)"
        )
        cr.execute(
            "INSERT INTO wms_trading_partner (role, transport, standard, active, drop_folder) "
            "VALUES ('customer', 'directory', 'edifact', true, 'demo_edi/x'), "
            "('3pl', 'directory', 'x12', true, 'demo_3pl/demo')"
        )
        # our transfer with the lots Odoo reserved: the 3PL ships those
        cr.execute(
            "CREATE TABLE stock_picking (id int, name varchar);"
            "CREATE TABLE product_product (id int, default_code varchar);"
            "CREATE TABLE stock_lot (id int, name varchar);"
            "CREATE TABLE stock_move_line (picking_id int, product_id int, lot_id int,"
            " quantity numeric);"
            "INSERT INTO stock_picking VALUES (1, 'WAW/OUT/00050');"
            "INSERT INTO product_product VALUES (3, 'DN-00003'), (4, 'DN-00004');"
            "INSERT INTO stock_lot VALUES (7, 'L-A'), (8, 'L-B');"
            "INSERT INTO stock_move_line VALUES (1, 3, 7, 2), (1, 3, 8, 4);"
        )
    conn.close()
    root = tmp_path / "edi"
    config = tmp_path / "odoo.conf"
    config.write_text(
        "[options]\n"
        f"db_host = {pg_dsn['host']}\ndb_port = {pg_dsn['port']}\n"
        f"db_user = {pg_dsn['user']}\ndb_password = {pg_dsn['password'] or ''}\n"
        f"db_name = {pg_dsn['dbname']}\ndata_dir = {tmp_path}\n"
        f"[wms_bridge]\ndrop_root = {root}\n"
    )
    command = [sys.executable, str(SIMULATOR), "-c", str(config), "--delay-min", "0.1",
               "--delay-max", "0.2", "--poll", "0.1", "--short-share", "0"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    outbox, inbox = root / "demo_3pl" / "demo" / "outbox", root / "demo_3pl" / "demo" / "inbox"
    try:
        wait_for(outbox.is_dir)
        order = order_940("WAW/OUT/00050", [("DN-00004", 3), ("DN-00003", 6)])
        write_940(outbox, "940_c.x12", order, 5)
        found = wait_for(lambda: [n for n in answers(inbox) if n.endswith("_945.x12")])
    finally:
        rc, out = stop(proc)
    assert rc == 0, out
    doc = x12.process_interchange((inbox / found[0]).read_bytes()).sets[0].data
    shipped = [(ln["line"], ln["product_ids"]["VN"], ln["lot"]) for ln in doc["lines"]]
    assert shipped == [(1, "DN-00004", ""), (2, "DN-00003", "L-A"), (2, "DN-00003", "L-B")]
    by_lot = {ln["lot"]: ln["qty_shipped"] for ln in doc["lines"] if ln["lot"]}
    assert by_lot == {"L-A": 2.0, "L-B": 4.0}
