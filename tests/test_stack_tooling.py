"""The configuration the tooling renders is complete and readable by Odoo's parser."""

from __future__ import annotations

import configparser
import sys

import pytest
from support import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import stack


@pytest.fixture
def rendered(tmp_path, monkeypatch):
    monkeypatch.setenv("PGUSER", "distributor")
    monkeypatch.setenv("COLDCHAIN_MQTT_HOST", "broker.internal")
    monkeypatch.setenv("ODOO_ADMIN_PASSWD", "s3cret")
    path = stack.render_config(tmp_path / "odoo.conf", stack.settings("acme"))
    parser = configparser.RawConfigParser()
    parser.read(path)
    return path, parser


def test_config_renders_every_placeholder(rendered):
    path, _parser = rendered
    assert "${" not in path.read_text()


def test_config_options_reach_their_sections(rendered):
    _path, parser = rendered
    options = parser["options"]
    assert options["addons_path"] == str(ROOT / "addons")
    assert options["db_user"] == "distributor"
    assert options["db_name"] == "acme"
    assert options["dbfilter"] == "^acme$"
    assert options["list_db"] == "False"
    assert "queue_job" in options["server_wide_modules"].split(",")
    assert parser["coldchain_sites"]["mqtt_host"] == "broker.internal"
    assert parser["coldchain_sites"]["mqtt_client_id"] == "coldchain-ingest-acme"
    assert int(parser["wms_bridge"]["http_timeout"]) > 0
    # secrets other than the master password never land in the file
    assert "password" not in parser["coldchain_sites"]


def test_master_password_generated_once(tmp_path, monkeypatch):
    monkeypatch.delenv("ODOO_ADMIN_PASSWD", raising=False)
    monkeypatch.setattr(stack, "LOCAL", tmp_path)
    first = stack.settings()["ODOO_ADMIN_PASSWD"]
    assert len(first) >= 24
    assert stack.settings()["ODOO_ADMIN_PASSWD"] == first
    assert (tmp_path / "admin_passwd").stat().st_mode & 0o077 == 0


def test_make_run_restarts_our_services_with_backoff_not_odoo():
    """``make run`` restarts a service of ours that exits (1, 2, 4 … 30 s apart, reset
    after a minute of running) instead of stopping the whole stack."""
    now = [0.0]
    policy = stack.RestartPolicy(clock=lambda: now[0])
    assert policy.delay("ingest") is None  # exited just now: wait 1 s
    now[0] = 1.0
    assert policy.delay("ingest") == 1.0
    now[0] = 1.5
    assert policy.delay("ingest") is None
    now[0] = 3.5
    assert policy.delay("ingest") == 2.0
    for _ in range(10):
        now[0] += 100
        policy.delay("ingest")
        now[0] += 100
        policy.delay("ingest")
    assert policy.backoff["ingest"] == 30.0
    policy.running("ingest")
    now[0] += 61
    policy.running("ingest")
    assert "ingest" not in policy.backoff  # a minute up: back to 1 s
    assert set(stack.CORE_PROCESSES) == {"odoo", "mosquitto"}


def test_supervise_restarts_a_dying_service_and_stops_when_odoo_exits(monkeypatch):
    import subprocess

    lines = []
    monkeypatch.setattr(stack, "log", lines.append)
    commands = {
        "ingest": [sys.executable, "-c", "raise SystemExit(3)"],
        "odoo": [sys.executable, "-c", "import time; time.sleep(4); raise SystemExit(7)"],
    }
    processes = [(name, subprocess.Popen(command)) for name, command in commands.items()]
    assert stack.supervise(processes, commands, lambda: False) == 7
    restarts = [line for line in lines if line.startswith("ingest exited with code 3; restarting")]
    assert len(restarts) >= 2, lines  # 1 s, then 2 s of backoff within odoo's 4 s
    assert lines[-1] == "odoo exited with code 7; stopping the stack"
    for _name, proc in processes:
        proc.wait(10)


def test_demo_live_parts_start_only_on_the_demo_and_can_be_switched_off(tmp_path, monkeypatch):
    values = stack.settings("acme")
    config = tmp_path / "odoo.conf"
    plain = dict(stack.service_commands(config, values))
    assert "gateway-simulator" not in plain
    assert "simulated-3pl" not in plain
    live = dict(stack.service_commands(config, values, live=True))
    assert live["gateway-simulator"][-3:] == ["-c", str(config), "--live"]
    threepl = live["simulated-3pl"]
    assert threepl[1].endswith("addons/distribution_demo/tools/simulated_3pl.py")
    assert threepl[-2:] == ["-c", str(config)]
    monkeypatch.setattr(stack, "missing_addons", lambda db, wanted: [])
    assert stack.demo_live(values)
    for off in ("0", "off", "no"):
        monkeypatch.setenv("DEMO_LIVE", off)
        assert not stack.demo_live(values)
    monkeypatch.delenv("DEMO_LIVE")
    monkeypatch.setattr(stack, "missing_addons", lambda db, wanted: list(wanted))
    assert not stack.demo_live(values)  # a database without the demo network
