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


def test_live_run_starts_now_at_real_speed(monkeypatch):
    sim = _simulator()
    args, steps = _run(sim, ["--live", "--duration", "600", "--speedup", "288"], monkeypatch)
    assert args.speedup == 1.0  # live: --speedup does not apply
    assert len(steps) == 10
    # after a history run that ended now: no overlap, no reading in the past
    assert steps[0] == 1_000_000.0
    assert steps[1] - steps[0] == 60
