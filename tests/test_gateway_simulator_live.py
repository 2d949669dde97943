"""The gateway simulator's live mode (what `make run` starts on the demo database):
it catches up the missed history as store-and-forward backfill, then publishes in
real time until it is stopped, and stops cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import pytest
from support import ROOT

SIMULATOR = ROOT / "addons" / "coldchain_sites" / "tools" / "gateway_simulator.py"


def _broker_up(host="127.0.0.1", port=1883) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


@pytest.mark.skipif(not _broker_up(), reason="no MQTT broker on 127.0.0.1:1883")
def test_live_mode_catches_up_then_publishes_in_real_time():
    batches = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"t-{uuid.uuid4().hex[:8]}")
    client.on_message = lambda _c, _u, msg: batches.append((time.time(), json.loads(msg.payload)))
    client.connect("127.0.0.1", 1883)
    client.subscribe("sites/SIM1/gateways/SIM1-GW1/telemetry", qos=1)
    client.loop_start()
    time.sleep(0.5)
    started = time.time()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(SIMULATOR),
            "--synthetic",
            "--sites",
            "1",
            "--sensors",
            "1",
            "--live",
            "--interval",
            "1",
            "--catch-up-hours",
            "0.01",  # 36 s of missed history
            "--outage-every-hours",
            "1",
            "--outage-minutes",
            "0",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(5)
        assert proc.poll() is None, "live mode runs until it is stopped"
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=20)
        client.loop_stop()
        client.disconnect()
    assert proc.returncode == 0, err
    assert batches, err
    first = batches[0][1]
    assert first["backfill"] is True
    stamps = [datetime.fromisoformat(r["ts"].replace("Z", "+00:00")) for r in first["readings"]]
    # the catch-up covers the missed 36 s: 3 sensors (chill, freezer, door) per step
    assert len(first["readings"]) >= 3 * 30
    assert (started - stamps[0].timestamp()) == pytest.approx(36, abs=3)
    live = [payload for _at, payload in batches[1:] if not payload["backfill"]]
    assert len(live) >= 3, "one batch a second after the catch-up"
    for payload in live:
        newest = max(
            datetime.fromisoformat(r["ts"].replace("Z", "+00:00")) for r in payload["readings"]
        )
        assert newest.tzinfo == UTC and abs(newest.timestamp() - time.time()) < 15
