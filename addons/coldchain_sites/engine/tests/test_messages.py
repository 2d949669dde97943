"""Excursion explanations: a code plus parameters, stored as JSON, rendered in any language."""

import ast
import json
import re
from pathlib import Path

import numpy as np
import pytest

from coldchain_sites.engine import messages as m
from coldchain_sites.engine.excursion import CHANNEL_DOOR, Readings, Rule, evaluate_history

M = 60
H = 3600
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def events(rule, ts, values, *, channel=0, now=None):
    readings = Readings(
        np.zeros(len(ts), dtype=np.int32), np.asarray(ts), np.asarray(values, dtype=float),
        np.full(len(ts), channel),
    )  # fmt: skip
    return evaluate_history(readings, [rule], now=now)


def explained(rule, ts, values, **kwargs):
    return [m.render(*m.explain(event, rule)) for event in events(rule, ts, values, **kwargs)]


def test_threshold_both_sides_and_inclusiveness():
    rule = Rule("store-2-8", 1, "threshold", min=2.0, max=8.0, inclusive=False)
    assert explained(rule, [0, 60, 120, 180, 1700], [8.4, 5.0, 1.9, 1.5, 5.0]) == [
        "Temperature above 8.0 °C: peak 8.4 °C, out of range for 1 min.",
        "Temperature below 2.0 °C: lowest 1.5 °C, out of range for 26 min 20 s.",
    ]
    who = Rule("who-30", 1, "threshold", max=30.0)
    assert explained(who, [0, 60], [29.0, 30.0]) == [
        "Temperature at or above 30.0 °C: peak 30.0 °C, out of range for 0 s. Still ongoing."
    ]


def test_delay_budget_mkt():
    delay = Rule("delay", 1, "delay", max=8.0, inclusive=False, delay_s=15 * M)
    ts = [i * 5 * M for i in range(8)]
    assert explained(delay, ts, [5, 9, 9.5, 10.25, 9, 9, 5, 5]) == [
        "Temperature above 8.0 °C for longer than 15 min: peak 10.2 °C, out of range for 25 min."
    ]
    budget = Rule("budget", 1, "budget", max=8.0, budget_s=10 * M, window_s=24 * H)
    (text,) = explained(budget, ts, [5, 9, 9, 9, 9, 9, 5, 5])
    assert text.startswith(
        "Temperature at or above 8.0 °C for longer than its budget of 10 min in any 24 h: "
    )
    mkt = Rule("mkt", 1, "mkt", max=8.0, inclusive=False, window_s=H)
    (text,) = explained(mkt, [i * 10 * M for i in range(13)], [12] * 6 + [4] * 7)
    assert text.startswith("Mean kinetic temperature over 1 h above 8.0 °C: it reached 12.0 °C.")


def test_rate_door_monitoring():
    rate = Rule("rate", 1, "rate", max=0.5, min=-0.5)
    rise, fall = events(rate, [0, 60, 120, 180], [5.0, 6.0, 6.0, 4.8])
    assert m.render(*m.explain(rise, rate)) == (
        "Temperature rising by 1.00 °C/min, faster than the 0.50 °C/min allowed."
    )
    assert m.render(*m.explain(fall, rate)).startswith("Temperature falling by 1.20 °C/min")
    door = Rule("door", 1, "door", delay_s=5 * M)
    assert explained(door, [0, 60, 11 * M], [0, 1, 0], channel=CHANNEL_DOOR) == [
        "Door open for 10 min, longer than the 5 min allowed."
    ]
    gap = Rule("gap", 1, "monitoring", max_gap_s=15 * M)
    assert explained(gap, [0, 60], [5.0, 5.0], now=2 * H) == [
        "No reading for 1 h 59 min, longer than the 15 min allowed. Still ongoing."
    ]


def test_params_survive_json_storage_and_translate():
    rule = Rule("store-2-8", 1, "budget", max=8.0, budget_s=H, window_s=24 * H, reset="periodic")
    (event,) = events(rule, [i * 10 * M for i in range(10)], [9.0] * 8 + [5.0] * 2)
    code, params = m.explain(event, rule)
    stored = json.loads(json.dumps(params))
    assert m.render(code, stored) == m.render(code, params)

    class Pseudo(m.Formatter):
        def template(self, code):
            upper = m.MESSAGES[code].upper()
            return re.sub(r"%\(\w+\)S", lambda found: found.group(0).lower(), upper)

        def number(self, value, digits):
            return f"{value:.{digits}f}".replace(".", ",")

    assert m.render(code, stored, Pseudo()) == (
        "TEMPERATURE AT OR ABOVE 8,0 °C FOR LONGER THAN ITS BUDGET OF 1 H PER PERIOD OF 24 H: "
        "1 H 10 MIN OUT OF RANGE, PEAK 9,0 °C."
    )


def test_a_translation_that_does_not_fit_falls_back_to_english():
    class Broken(m.Formatter):
        def template(self, code):
            return "%(nothing)s" if code == "minutes" else super().template(code)

    assert m.render_value(m.duration(600), Broken()) == "10 min"


def test_every_template_formats_and_is_marked_for_odoo_extraction():
    for code, template in m.MESSAGES.items():
        names = PLACEHOLDER.findall(template)
        assert "%" not in m.render(code, dict.fromkeys(names, "x"))
    tree = ast.parse(Path(m.__file__).read_text())
    table = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "MESSAGES"
    )
    for key, value in zip(table.keys, table.values, strict=True):
        assert isinstance(value, ast.Call) and value.func.id == "_lt", key.value


def test_unknown():
    with pytest.raises(m.UnknownMessage):
        m.render("nope")
    with pytest.raises(ValueError):
        m.render_value({"colour": "red"})
