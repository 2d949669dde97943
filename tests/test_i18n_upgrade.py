"""Explanations recorded as English text before 19.0.1.2.0 survive the upgrade and
become translatable.

A throw-away database gets the previous releases of ``distribution_orchestration``
and ``coldchain_sites`` (19.0.1.1.0: the addons' trees at the parent of the commit
that set 19.0.1.2.0 in their manifests), whose own code puts orders on hold
(credit exposure, customer on hold with a note, missing data), releases one and
evaluates readings into an excursion.  The database is then upgraded with this
checkout (``-u``, the migration scripts run by Odoo) and

* every hold keeps its reason code and recorded text, gets its parameters, and
  renders the same English sentence and a French one;
* every decision log entry of a check, a hold or a release gets its code and
  parameters and renders its recorded text in English;
* the excursion gets its explanation, and the alert template (not edited since
  installation) is refreshed from this release's file.

A few minutes (two installs' worth).  Skipped, with the reason, where Odoo is not
importable or the clone has no history to take the previous releases from.
"""

from __future__ import annotations

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

ADDONS = ("distribution_orchestration", "coldchain_sites")
VERSION = "19.0.1.2.0"

# Run by ``odoo shell`` with the previous releases.
MAKE_DATA = r"""
import datetime
from odoo.addons.coldchain_sites.engine import telemetry, telemetry_sql

company = env.company
company.write({"distribution_pipeline_enabled": True, "distribution_release_mode": "immediate"})
env["distribution.check"]._create_defaults(company)
checks = env["distribution.check"].search([("company_id", "=", company.id)])
checks.filtered(lambda c: c.code == "min_margin").active = False
warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
product = env["product.product"].create(
    {"name": "Upgrade Vaccine", "is_storable": True, "list_price": 100.0, "standard_price": 60.0}
)
env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 50)
held = env["res.partner"].create({
    "name": "Upgrade Pharmacy", "street": "1 Main Street", "city": "Utrecht",
    "credit_limit": 500.0, "distribution_on_hold": True,
    "distribution_hold_note": "disputed invoices",
})
order = env["sale.order"].create({
    "partner_id": held.id, "warehouse_id": warehouse.id,
    "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 12})],
})
order.action_confirm()
fine = env["res.partner"].create({"name": "Upgrade Clinic", "street": "2 Main Street"})
term = env["account.payment.term"].search([], limit=1)
released = env["sale.order"].create({
    "partner_id": fine.id, "warehouse_id": warehouse.id, "payment_term_id": term.id,
    "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
})
released.action_confirm()
assert released.state == "sale", released.distribution_state

env["coldchain.excursion.rule"].search([]).write({"active": False})
profile = env["coldchain.temperature.profile"].create(
    {"name": "Upgrade 2-8", "code": "U-2-8C", "temp_min": 2.0, "temp_max": 8.0}
)
site = env["stock.warehouse"].create({"name": "Upgrade cold site", "code": "UCS"})
zone = env["stock.location"].create({
    "name": "Chill", "location_id": site.lot_stock_id.id, "usage": "internal",
    "coldchain_profile_id": profile.id,
})
gateway = env["coldchain.gateway"].create(
    {"name": "GW U", "code": "U-GW", "warehouse_id": site.id, "serial": "U1"}
)
sensor = env["coldchain.sensor"].create(
    {"name": "Sensor U", "code": "U-S1", "gateway_id": gateway.id, "location_id": zone.id}
)
env["coldchain.excursion.rule"].create({
    "name": "Upgrade instant", "code": "U-INSTANT", "kind": "threshold",
    "check_max": True, "limit_max": 8.0, "profile_id": profile.id, "severity": "operator",
})
t0 = datetime.datetime(2025, 6, 2, 10, 0, tzinfo=datetime.UTC)
rows = [(t0 + datetime.timedelta(minutes=m), 12.0 if 30 <= m < 60 else 5.0)
        for m in range(0, 90, 5)]
n = len(rows)
env.cr.execute(telemetry_sql.INSERT_READINGS, [
    [sensor.id] * n, [gateway.id] * n, [telemetry.to_us(ts) for ts, _v in rows],
    [v for _ts, v in rows], [None] * n, [telemetry.to_us(t0)] * n, [False] * n, [False] * n,
])
env["coldchain.excursion.evaluation"]._evaluate_excursions(
    now=datetime.datetime(2025, 6, 2, 11, 30)
)
assert env["coldchain.excursion"].search_count([]) == 1
env.cr.commit()
"""

BEFORE = r"""
import json
holds = {str(h.id): {"reason": h.reason_code, "text": h.explanation}
         for h in env["distribution.hold"].search([])}
log = {str(e.id): {"event": e.event, "text": e.message or ""}
       for e in env["distribution.log"].search([])}
print("DATA=" + json.dumps({"holds": holds, "log": log}, sort_keys=True))
"""

AFTER = r"""
import json
env["res.lang"]._activate_lang("fr_FR")
holds = {
    str(h.id): {
        "reason": h.reason_code, "text": h.explanation_text, "params": bool(h.reason_params),
        "en": h.with_context(lang="en_US").explanation,
        "fr": h.with_context(lang="fr_FR").explanation,
    }
    for h in env["distribution.hold"].search([])
}
log = {
    str(e.id): {
        "event": e.event, "text": e.message_text or "", "code": e.reason_code or "",
        "en": e.with_context(lang="en_US").message or "",
    }
    for e in env["distribution.log"].search([])
}
excursions = [
    {"code": x.reason_code, "en": x.with_context(lang="en_US").explanation,
     "fr": x.with_context(lang="fr_FR").explanation}
    for x in env["coldchain.excursion"].search([])
]
template = env.ref("coldchain_sites.coldchain_excursion_mail_template_alert")
print("DATA=" + json.dumps({
    "holds": holds, "log": log, "excursions": excursions,
    "template": {"lang": template.lang, "explains": "object.explanation" in template.body_html},
}, sort_keys=True))
"""


def _git(*args):
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
    )


def _previous_releases(tmp_path):
    """The addons' trees before VERSION, from git (None when not found)."""
    target = tmp_path / "previous"
    target.mkdir()
    for addon in ADDONS:
        manifest = f"addons/{addon}/__manifest__.py"
        bumps = _git("log", "--format=%H", "-G", f'"version": "{VERSION}"', "--", manifest)
        commits = bumps.stdout.split()
        if bumps.returncode or not commits:
            return None
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", f"{commits[-1]}^", f"addons/{addon}"],
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target / "addons"


def _config(tmp_path, name, addons_path, label):
    values = stack.settings(name, http_port=free_port())
    values["ADDONS_PATH"] = str(addons_path)
    values["DATA_DIR"] = str(tmp_path / "data")
    (tmp_path / "data").mkdir(exist_ok=True)
    return stack.render_config(tmp_path / f"odoo-{label}.conf", values)


def _odoo(config, *args, stdin=None, command="server"):
    done = subprocess.run(
        [stack.PYTHON, "-m", "odoo", command, "-c", str(config), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def _data(config, name, script):
    out = _odoo(config, "-d", name, "--no-http", "--log-level=warn", stdin=script, command="shell")
    line = next(x for x in out.splitlines() if x.startswith("DATA="))
    return json.loads(line.removeprefix("DATA="))


def test_upgrade_gives_recorded_explanations_their_parameters(tmp_path):
    previous = _previous_releases(tmp_path)
    if previous is None:
        pytest.skip(
            f"no commit setting {VERSION} in this clone: the previous release is not at hand"
        )
    name = f"pytest_i18n_upgrade_{uuid.uuid4().hex[:8]}"
    old_config = _config(tmp_path, name, previous, "previous")
    new_config = _config(tmp_path, name, ROOT / "addons", "current")
    addons = ",".join(ADDONS)
    try:
        _odoo(old_config, "-d", name, "-i", addons, "--stop-after-init", "--log-level=warn")
        _odoo(
            old_config,
            "-d",
            name,
            "--no-http",
            "--log-level=warn",
            stdin=MAKE_DATA,
            command="shell",
        )
        before = _data(old_config, name, BEFORE)
        _odoo(new_config, "-d", name, "-u", addons, "--stop-after-init", "--log-level=warn")
        after = _data(new_config, name, AFTER)
    finally:
        stack.drop_database(name)

    reasons = {hold["reason"] for hold in before["holds"].values()}
    assert reasons == {"credit_limit_exceeded", "customer_on_hold", "required_data_missing"}
    assert set(after["holds"]) == set(before["holds"])
    french = ("Encours de crédit", "Le client est mis en attente", "Données obligatoires")
    for hold_id, old in before["holds"].items():
        new = after["holds"][hold_id]
        assert (new["reason"], new["text"]) == (old["reason"], old["text"])
        assert new["params"], old
        assert new["en"] == old["text"]
        assert new["fr"].startswith(french), new["fr"]
    for entry_id, old in before["log"].items():
        new = after["log"][entry_id]
        assert new["text"] == old["text"]
        assert new["en"] == old["text"], (old, new)
        if old["event"] in ("check", "hold", "release"):
            assert new["code"], old
    assert {e["event"] for e in before["log"].values()} >= {"check", "hold", "release"}
    [excursion] = after["excursions"]
    assert excursion["code"] == "excursion_threshold"
    assert excursion["en"] == "Temperature above 8.0 °C: peak 12.0 °C, out of range for 30 min."
    assert excursion["fr"].startswith("Température au-dessus de 8,0"), excursion["fr"]
    assert after["template"] == {"lang": "{{ object.alert_lang }}", "explains": True}
