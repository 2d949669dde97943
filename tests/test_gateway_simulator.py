"""The gateway simulator's clock: a history run ends now, a live run starts now."""

from __future__ import annotations

import importlib.util
import sys

from support import ROOT


def _simulator():
    path = ROOT / "addons" / "coldchain_sites" / "tools" / "gateway_simulator.py"
    spec = importlib.util.spec_from_file_location("gateway_simulator", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


class _Recorder:
    """Stands for the Simulator: records the simulated time of each step."""

    def __init__(self):
        self.gateways, self.steps = [], []

    def step(self, ts):
        self.steps.append(ts)


def _run(sim_module, argv, monkeypatch, now=1_000_000.0):
    monkeypatch.setattr(sim_module.time, "time", lambda: now)
    monkeypatch.setattr(sim_module.time, "sleep", lambda _s: None)
    args = sim_module.parse_args(argv)
    recorder = _Recorder()
    sim_module.run(recorder, args, [])
    return args, recorder.steps


def test_history_run_ends_now(monkeypatch):
    sim = _simulator()
    _args, steps = _run(sim, ["--duration", "300", "--speedup", "288"], monkeypatch)
    assert len(steps) == 1440  # a day of one-minute readings
    assert steps[0] == 1_000_000.0 - 86_400
    assert steps[-1] == 1_000_000.0 - 60  # never in the future


class _LiveRecorder(_Recorder):
    """Also stands for the transport; asks to stop after ``limit`` live steps."""

    def __init__(self, stopping, limit):
        super().__init__()
        self.gateways = []
        self.stopping, self.limit, self.live = stopping, limit, 0

    def flush(self, _gateway, backfill=False):
        pass

    def set_offline(self, _gateway, _offline):
        pass


def _live(sim_module, argv, monkeypatch, since, now=1_000_000.0, live_steps=3):
    clock = {"now": now}
    monkeypatch.setattr(sim_module.time, "time", lambda: clock["now"])

    def sleep(seconds):
        clock["now"] += seconds

    monkeypatch.setattr(sim_module.time, "sleep", sleep)
    args = sim_module.parse_args(["--live", *argv])
    stopping = []
    recorder = _LiveRecorder(stopping, live_steps)
    catch_up_end = now
    original_step = recorder.step

    def step(ts):
        original_step(ts)
        if ts > catch_up_end:
            recorder.live += 1
            if recorder.live >= live_steps:
                stopping.append(1)

    recorder.step = step
    sim_module.run_live(recorder, args, stopping, since)
    return recorder.steps


def test_live_run_catches_up_from_the_newest_reading_then_follows_the_clock(monkeypatch):
    sim = _simulator()
    now = 1_000_000.0
    # the newest stored reading is 5 minutes old: 4 missed minutes are caught up
    steps = _live(sim, [], monkeypatch, since=now - 300, now=now)
    caught = [ts for ts in steps if ts <= now]
    assert caught == [now - 240, now - 180, now - 120, now - 60, now]
    live = [ts for ts in steps if ts > now]
    assert live == [now + 60, now + 120, now + 180]  # then one a minute, never ahead
    # no reading stored: at most --catch-up-hours back
    steps = _live(sim, ["--catch-up-hours", "1"], monkeypatch, since=None, now=now)
    assert steps[0] == now - 3600
