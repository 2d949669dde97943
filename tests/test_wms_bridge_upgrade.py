"""wms_bridge upgrades from its previous release with nothing lost.

A throw-away database gets the previous release of ``wms_bridge`` (19.0.1.3.0,
the addon's tree at the git tag ``wms_bridge-19.0.1.3.0``), and exchanges are
made in it by that release's own code: an interchange processed into a stock
reconciliation, a 945 parked on an unknown order, the same interchange received
twice (a duplicate), acknowledgments sent and cancelled.  The database is then
upgraded with this checkout's ``wms_bridge`` (``-u wms_bridge``, its migration
scripts run by Odoo) and every exchange must have the state, error, payload and
links it had, now held by its EDI framework record.

A few minutes (two installs' worth).  Skipped, with the reason, where Odoo is
not importable or the clone has no history to take the previous release from.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import uuid

import pytest
from support import ROOT, free_port

sys.path.insert(0, str(ROOT / "scripts"))
import stack

pytest.importorskip("odoo.release", reason="Odoo 19 is not importable: nothing to upgrade")
pytestmark = pytest.mark.postgres

PREVIOUS = "wms_bridge-19.0.1.3.0"

# Run by ``odoo shell`` with the previous release: exchanges in every state
# that release stored.
MAKE_EXCHANGES = r"""
import datetime
from odoo.addons.wms_bridge.engine import x12
from odoo.addons.wms_bridge.engine.x12 import Envelope, Separators

warehouse = env["stock.warehouse"].create({"name": "3PL Reno", "code": "RNO"})
env["product.product"].create({"name": "Milk 1L", "default_code": "MILK-1L", "is_storable": True})
partner = env["wms.trading.partner"].create({
    "name": "3PL West Reno",
    "partner_id": env["res.partner"].create({"name": "3PL West"}).id,
    "role": "3pl",
    "isa_id": "3PLWEST", "gs_code": "3PLWEST", "our_isa_id": "DISTRIBCO",
    "our_gs_code": "DISTRIBCO", "x12_version": "005010",
    "transport": "directory", "drop_folder": "reno",
    "warehouse_ids": [(6, 0, warehouse.ids)],
    "document_ids": [(0, 0, {"document_type": c}) for c in ("940", "945", "846")],
    "mapping_version_ids": [(0, 0, {"product_code": "ours"})],
})
envelope = Envelope(sender_id="3PLWEST", receiver_id="DISTRIBCO", version="005010",
                    separators=Separators())
when = datetime.datetime(2024, 3, 15, 14, 32)
stock_report = {"purpose": "00", "report_type": "DD", "ref": "INV-0315",
                "date": datetime.date(2024, 3, 15),
                "items": [{"product_ids": {"VN": "MILK-1L"}, "lot": "",
                           "quantities": {"17": 37, "33": 37}}]}
shipment = {"report_code": "F", "order_ref": "WH/OUT/UNKNOWN",
            "lines": [{"line": 1, "status": "CC", "qty_shipped": 1, "uom": "EA",
                       "product_ids": {"VN": "MILK-1L"}}]}
text = x12.write_interchange(envelope, [("846", stock_report), ("945", shipment)],
                             control_number=501, when=when)
Exchange = env["wms.exchange"]
first = Exchange._create_received(partner, [("in_501.x12", text.encode())])
first._job_process()
for child in first.child_ids:
    child._job_process()
again = Exchange._create_received(partner, [("in_501_again.x12", text.encode())])
again._job_process()
other = x12.write_interchange(envelope, [("945", shipment)], control_number=502, when=when)
second = Exchange._create_received(partner, [("in_502.x12", other.encode())])
second._job_process()
for child in second.child_ids:
    child._job_process()
acks = Exchange.search([("direction", "=", "out")], order="id")
acks[:1]._job_send()
acks[1:2].action_cancel()
env.cr.commit()
"""

# Run by ``odoo shell`` before and after the upgrade: what each exchange is.
DESCRIBE = r"""
import hashlib, json
rows = {}
for e in env["wms.exchange"].search([], order="id"):
    rows[e.name] = {
        "state": e.state,
        "error": e.error_text or "",
        "payload": hashlib.sha256(e._payload_bytes()).hexdigest(),
        "document": e.document_type,
        "direction": e.direction,
        "parent": e.parent_id.name or "",
        "reconciliation": e.reconciliation_id.id or 0,
        "framework": e.edi_exchange_record_id.id or 0,
    }
    if "outcome" in e._fields:
        record = e.edi_exchange_record_id
        rows[e.name]["framework_state"] = record.edi_exchange_state
        rows[e.name]["framework_error"] = record.exchange_error or ""
        rows[e.name]["framework_file"] = hashlib.sha256(
            record._get_file_content(as_bytes=True) or b""
        ).hexdigest()
print("EXCHANGES=" + json.dumps(rows, sort_keys=True))
"""


def _previous_release(tmp_path):
    """The previous release's wms_bridge tree, from git (None when not found)."""
    found = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", f"{PREVIOUS}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode:
        return None
    target = tmp_path / "previous"
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", PREVIOUS, "addons/wms_bridge"],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target / "addons"


def _config(tmp_path, name, addons_path):
    values = stack.settings(name, http_port=free_port())
    values["ADDONS_PATH"] = str(addons_path)
    values["DATA_DIR"] = str(tmp_path / "data")
    (tmp_path / "data").mkdir(exist_ok=True)
    return stack.render_config(tmp_path / f"odoo-{addons_path.parent.name}.conf", values)


def _odoo(config, *args, stdin=None, command="server"):
    done = subprocess.run(
        [stack.PYTHON, "-m", "odoo", command, "-c", str(config), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def _describe(config, name):
    out = _odoo(
        config, "-d", name, "--no-http", "--log-level=warn", stdin=DESCRIBE, command="shell"
    )
    line = next(x for x in out.splitlines() if x.startswith("EXCHANGES="))
    return json.loads(line.removeprefix("EXCHANGES="))


def test_upgrade_from_previous_release_keeps_every_exchange(tmp_path):
    previous = _previous_release(tmp_path)
    if previous is None:
        pytest.skip(f"no git tag {PREVIOUS} in this clone: the previous release is not at hand")
    name = f"pytest_wms_upgrade_{uuid.uuid4().hex[:8]}"
    old_config = _config(tmp_path, name, previous)
    new_config = _config(tmp_path, name, ROOT / "addons")
    try:
        _odoo(old_config, "-d", name, "-i", "wms_bridge", "--stop-after-init", "--log-level=warn")
        _odoo(
            old_config,
            "-d",
            name,
            "--no-http",
            "--log-level=warn",
            stdin=MAKE_EXCHANGES,
            command="shell",
        )
        before = _describe(old_config, name)
        states = {row["state"] for row in before.values()}
        # the fixture covers what the previous release stored
        assert {"processed", "parked", "duplicate", "sent", "cancel"} <= states, states

        _odoo(new_config, "-d", name, "-u", "wms_bridge", "--stop-after-init", "--log-level=warn")
        after = _describe(new_config, name)
    finally:
        stack.drop_database(name)

    assert set(after) == set(before)
    for exchange, old in before.items():
        new = after[exchange]
        for key in ("state", "error", "payload", "document", "direction", "parent"):
            assert new[key] == old[key], (exchange, key, old[key], new[key])
        assert bool(new["reconciliation"]) == bool(old["reconciliation"]), exchange
        # now held by the framework record
        assert new["framework"], exchange
        assert new["framework_error"] == old["error"], exchange
        assert new["framework_file"] == old["payload"], exchange
        expected = hashlib.sha256(b"").hexdigest()
        assert old["payload"] != expected, exchange
