"""The fast path (compiled regex) and the diagnosis (slow path) always agree."""

from __future__ import annotations

import random

import pytest

from wms_bridge.engine.x12_schema import (
    SEGMENTS,
    SETS,
    _all_tags,
    check_structure,
    diagnose_elements,
    segment_regex,
    set_regex,
    valid_date,
)

SEPS = ("*", "^", ">", "~")
VALUES = [
    "",
    "A",
    "AB",
    "ABC",
    "10",
    "1.5",
    "-2",
    ".5",
    "1.",
    "1.2.3",
    "20240229",
    "20230229",
    "20241301",
    "1230",
    "2460",
    "123456",
    "X" * 13,
    "X" * 70,
    "A^B",
    "A>B",
    "\x01",
    "CC",
    "N",
    "ZZ",
    "00",
    "9" * 16,
    "123456789012",
    "0001",
    "S",
    "I",
    "EA",
    "Ä",
]


@pytest.mark.parametrize("tag", sorted(SEGMENTS))
def test_segment_regex_agrees_with_diagnosis(tag: str) -> None:
    rng = random.Random(tag)
    rx = segment_regex(tag, *SEPS)
    n = len(SEGMENTS[tag].elements)
    for _ in range(400):
        k = rng.randint(0, n + 1)
        values = [rng.choice(VALUES) for _ in range(k)]
        seg = "*".join([tag, *values])
        fast = rx.fullmatch(seg) is not None
        slow = not diagnose_elements(tag, seg.split("*"), *SEPS)
        assert fast == slow, (seg, diagnose_elements(tag, seg.split("*"), *SEPS))


@pytest.mark.parametrize("set_id", sorted(SETS))
def test_structure_regex_agrees_with_walker(set_id: str) -> None:
    rng = random.Random(set_id)
    tags = sorted(set(_all_tags(SETS[set_id])))
    rx = set_regex(set_id, *SEPS)
    for _ in range(600):
        seq = [rng.choice(tags) for _ in range(rng.randint(0, 8))]
        # segments with only a valid first element where one is mandatory
        body = "".join(_minimal(t) + "~" for t in seq)
        fast = rx.fullmatch(body) is not None
        slow = not check_structure(set_id, seq)
        assert fast == slow, (seq, check_structure(set_id, seq))


def _minimal(tag: str) -> str:
    """A valid segment of ``tag`` with its mandatory elements only."""
    out = [tag]
    for el in SEGMENTS[tag].elements:
        if not el.req and not any(e.req for e in SEGMENTS[tag].elements[len(out) :]):
            break
        if el.codes:
            out.append(sorted(el.codes)[0])
        elif el.type == "DT":
            out.append("20240315")
        elif el.type == "TM":
            out.append("1200")
        elif el.type in ("N0", "R"):
            out.append("1")
        else:
            out.append("X" * max(el.min, 1) if el.req else "")
    return "*".join(out)


def test_valid_date() -> None:
    assert valid_date("20240229") and not valid_date("20230229") and not valid_date("2024022")
    assert valid_date("240315") and not valid_date("２０２４０３１５")
