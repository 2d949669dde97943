"""Seeded fuzzing: thousands of mutated interchanges, never an exception.

For every mutation:

* nothing escapes ``process_interchange``;
* the result is accepted, or it says why: interchange errors (TA105 codes),
  group errors (AK905), set errors (AK502) or segment issues (AK304 + AK403),
  every code taken from the real code lists, every segment issue positioned;
* whenever the envelope could be identified an acknowledgment is produced, and
  our own reader accepts that acknowledgment (it is valid X12 / EDIFACT), and it
  rejects (AK5/IK5 ``R``, UCM ``4``) exactly the sets we rejected;
* for mutations confined to the middle set of three, the first and last sets
  still parse to the very dict that was written.
"""

from __future__ import annotations

import random
import time

import pytest

from wms_bridge.engine import edifact as ed
from wms_bridge.engine import errors as E
from wms_bridge.engine.acks import group_control
from wms_bridge.engine.x12 import (
    Envelope,
    Separators,
    X12Result,
    process_interchange,
    write_interchange,
)

from .common import WHEN, advice_945, delivery_940
from .test_edifact import desadv

TA1_CODES = {v for k, v in vars(E).items() if k.startswith("TA1_")}
GROUP_CODES = {"1", "2", "3", "4", "5", "6", "19"}
SET_CODES = {"1", "2", "3", "4", "5", "6", "7", "23"}
SEG_CODES = set(E.X12_SEGMENT_CODE_TEXT)
ELEM_CODES = set(E.X12_ELEMENT_CODE_TEXT)
EDI_CODES = {v for k, v in vars(E).items() if k.startswith("EDI_")} | {"36"}

N_X12 = 2500
N_EDI = 1200


def _base(version: str, seps: Separators) -> tuple[str, list[dict]]:
    d1, d2, d3 = delivery_940(), advice_945(), delivery_940()
    d3["order_ref"] = "WH/OUT/00043"
    env = Envelope("DISTRIBCO", "3PLWEST", version=version, separators=seps)
    docs = [("940", d1), ("940", d2 and delivery_940()), ("940", d3)]
    docs[1][1]["order_ref"] = "WH/OUT/MIDDLE"
    raw = write_interchange(env, [*docs, ("945", d2)], control_number=77, when=WHEN)
    return raw, [d1, docs[1][1], d3, d2]


def _check_x12(result: X12Result) -> None:
    for e in result.errors:
        assert e.code in TA1_CODES, e
    for g in result.groups:
        for e in g.errors:
            assert e.code in GROUP_CODES, e
    for ts in result.sets:
        codes = ts.error_codes
        assert ts.accepted == (not codes)
        assert set(codes) <= SET_CODES, codes
        for si in ts.segment_issues:
            assert si.code in SEG_CODES and si.set_position >= 2, si
            assert (si.code == "8") == bool(si.elements), si
            for x in si.elements:
                assert x.code in ELEM_CODES and x.element and x.element >= 1, x
    if result.accepted:
        assert all(ts.accepted for ts in result.sets)
        return
    # rejected somewhere: a reason exists
    assert (
        result.errors
        or any(g.errors for g in result.groups)
        or any(not ts.accepted for ts in result.sets)
    )
    if result.interchange is None:
        assert result.fatal and result.ack is None
        return
    if result.ack is None:
        # only possible when nothing needs an answer: groups of acknowledgments only
        assert not result.errors and all(g.functional_id == "FA" for g in result.groups)
        return
    back = process_interchange(result.ack)
    assert back.accepted, (back.errors, [s.describe() for s in back.sets], result.ack)
    if result.errors or result.fatal:
        assert back.ta1_received and back.ta1_received[0][4] == result.ta1_code
    acked = [
        (s.data["group_control"], [(a["control_number"], a["code"]) for a in s.data["sets"]])
        for s in back.sets
    ]
    expected = []
    for g in result.groups:
        if g.implicit or g.functional_id == "FA" or result.fatal:
            continue
        gc = str(int(group_control(g.control_number)))  # AK102 is numeric (N0)
        sets = [
            (
                "".join(c for c in st.control_number if c.isalnum())[:9].rjust(4, "0"),
                "A" if st.accepted else "R",
            )
            for st in g.sets
        ]
        expected.append((gc, sets))
    assert acked == expected


def _segment_mutation(rng: random.Random, segs: list[str], lo: int, hi: int, es: str) -> str:
    """Mutate one segment of [lo, hi) (the middle set); returns the kind."""
    i = rng.randrange(lo, hi)
    kind = rng.choice(
        [
            "drop",
            "dup",
            "swap",
            "element",
            "date",
            "qty",
            "insert",
            "se_count",
            "se_ctl",
            "st_id",
            "chop",
        ]
    )
    el = segs[i].split(es)
    if kind == "drop":
        del segs[i]
    elif kind == "dup":
        segs.insert(i, segs[i])
    elif kind == "swap" and i + 1 < hi:
        segs[i], segs[i + 1] = segs[i + 1], segs[i]
    elif kind == "element" and len(el) > 1:
        j = rng.randrange(1, len(el))
        el[j] = rng.choice(
            ["", "X" * rng.randint(1, 90), str(rng.random()), "\x01", "ÄÖ", "-", "12.3.4"]
        )
        segs[i] = es.join(el)
    elif kind == "date":
        date_like = [k for k, s in enumerate(segs[lo:hi], lo) if s.startswith(("G62", "W06"))] or [
            i
        ]
        k = rng.choice(date_like)
        el = segs[k].split(es)
        if len(el) > 2:
            el[2] = rng.choice(["20240230", "2024013", "2024X101", "20241301", "99999999", ""])
        segs[k] = es.join(el)
    elif kind == "qty":
        qty_like = [k for k, s in enumerate(segs[lo:hi], lo) if s.startswith(("W01", "W76"))] or [i]
        k = rng.choice(qty_like)
        el = segs[k].split(es)
        el[1] = rng.choice(["", "1O", "-", "1.2.3", "9" * 30, "1e5", " 12", "-0.5"])
        segs[k] = es.join(el)
    elif kind == "insert":
        segs.insert(i, rng.choice(["ZZZ", "N9", "W05", "LX", "W01", "G62"]) + es + "1")
    elif kind in ("se_count", "se_ctl", "st_id"):
        tag = "ST" if kind == "st_id" else "SE"
        k = next((k for k in range(lo, hi) if segs[k].startswith(tag + es)), i)
        el = segs[k].split(es)
        if len(el) > 2:
            pos = 1 if kind in ("se_count", "st_id") else 2
            el[pos] = rng.choice(["0", "99", "0002", "abc", "", "0003X", "997"])
            segs[k] = es.join(el)
    elif kind == "chop":
        segs[i] = segs[i][: rng.randrange(0, len(segs[i]) + 1)]
    return kind


def _global_mutation(rng: random.Random, raw: str, seps: Separators) -> str:  # noqa: PLR0911 - one return per mutation kind
    kind = rng.choice(
        ["truncate", "flip", "garbage", "separator", "envelope", "delete", "bytes_only"]
    )
    if kind == "truncate":
        return raw[: rng.randrange(0, len(raw))]
    if kind == "flip":
        chars = list(raw)
        for _ in range(rng.randint(1, 6)):
            p = rng.randrange(len(chars))
            chars[p] = chr(rng.choice([rng.randint(0, 127), rng.randint(128, 0x2FF)]))
        return "".join(chars)
    if kind == "garbage":
        p = rng.randrange(len(raw))
        junk = "".join(chr(rng.randint(0, 255)) for _ in range(rng.randint(1, 40)))
        return raw[:p] + junk + raw[p:]
    if kind == "separator":
        a = rng.choice([seps.element, seps.segment, seps.component])
        b = rng.choice(["|", "*", "~", ":", ">", "^", "\n", "'"])
        p = rng.randrange(0, len(raw))
        return raw[:p] + raw[p:].replace(a, b)
    if kind == "envelope":
        targets = ["ISA", "IEA", "GS", "GE"]
        segs = raw.split(seps.segment)
        idx = [k for k, s in enumerate(segs) if s.lstrip().split(seps.element)[0] in targets]
        k = rng.choice(idx)
        el = segs[k].split(seps.element)
        j = rng.randrange(1, len(el))
        el[j] = (
            rng.choice(["", "1", "2", "000000078", "X", "999999999"])
            if segs[k].lstrip()[:3] != "ISA"
            else rng.choice(["", "X", "0" * len(el[j]), "Z" * len(el[j])])
        )
        segs[k] = seps.element.join(el)
        return seps.segment.join(segs)
    if kind == "delete":
        p = rng.randrange(len(raw))
        return raw[:p] + raw[p + rng.randint(1, 30) :]
    return "".join(chr(rng.randint(0, 255)) for _ in range(rng.randint(0, 300)))


@pytest.mark.parametrize(
    ("version", "seps"),
    [
        ("005010", Separators()),
        ("004010", Separators("|", ":", "", "\n")),
        ("005010", Separators("^", "\\", "{", "'")),
    ],
)
def test_fuzz_x12(version: str, seps: Separators) -> None:
    rng = random.Random(f"x12-{version}-{seps.element}")
    raw, docs = _base(version, seps)
    assert process_interchange(raw).accepted
    segs = raw.split(seps.segment)
    sts = [k for k, s in enumerate(segs) if s.startswith("ST" + seps.element)]
    lo, hi = sts[1], sts[2]  # the middle 940 (ST .. SE)
    started = time.perf_counter()
    worst = 0.0
    for n in range(N_X12 // 3):
        local = n % 2 == 0
        if local:
            mutated = list(segs)
            _segment_mutation(rng, mutated, lo, hi, seps.element)
            text = seps.segment.join(mutated)
        else:
            text = _global_mutation(rng, raw, seps)
        payload: str | bytes = text
        if rng.random() < 0.3:
            payload = text.encode("utf-8", "surrogatepass")
        t0 = time.perf_counter()
        result = process_interchange(payload, when=WHEN)
        worst = max(worst, time.perf_counter() - t0)
        _check_x12(result)
        if local:
            first, last = result.sets[0], result.sets[-1]
            assert first.accepted and first.data == docs[0], first.describe()
            assert last.accepted and last.data == docs[3], last.describe()
    assert worst < 1.0, f"slowest mutated interchange took {worst:.2f}s"
    assert time.perf_counter() - started < 30


def _check_edi(result: ed.EdifactResult) -> None:
    for e in result.errors:
        assert e.code in EDI_CODES, e
    for m in result.messages:
        for e in m.errors:
            assert e.code in EDI_CODES, e
        for si in m.segment_issues:
            assert si.set_position >= 1
            assert si.code in EDI_CODES or (si.code == "" and si.elements), si
            for x in si.elements:
                assert x.code in EDI_CODES and x.element, x
    if not result.accepted:
        assert result.errors or any(not m.accepted for m in result.messages)
    if result.interchange is None:
        assert result.contrl is None and result.errors
        return
    if result.messages and all(m.message_type == "CONTRL" for m in result.messages):
        return
    assert result.contrl is not None
    back = ed.read_interchange(result.contrl)
    assert back.accepted, (back.errors, [m.describe() for m in back.messages], result.contrl)
    c = back.messages[0].data
    if result.fatal:
        assert c["action"] == "4"
        return
    assert [m["action"] for m in c["messages"]] == [
        "7" if m.accepted else "4" for m in result.messages
    ]


def test_fuzz_edifact() -> None:  # noqa: PLR0912, PLR0915 - one branch per mutation kind
    rng = random.Random("edifact")
    seps = ed.EdifactSeparators(":", "+", ",", "?", " ", "'", "\n")
    env = ed.EdifactEnvelope("5400000000001", "5412345000013", separators=seps)
    orders = (
        ed.read_interchange(
            (
                __import__("pathlib").Path(__file__).parent / "fixtures" / "orders_d96a.edi"
            ).read_bytes()
        )
        .messages[0]
        .data
    )
    orders.pop("message_ref")
    docs = [("DESADV", desadv()), ("ORDERS", orders), ("DESADV", desadv())]
    raw = ed.write_interchange(env, docs, control_ref="FZ1", when=WHEN)
    assert ed.read_interchange(raw).accepted
    lines = raw.split("\n")
    unh = [k for k, s in enumerate(lines) if s.startswith("UNH")]
    lo, hi = unh[1] + 1, unh[2] - 1  # inside the ORDERS message, UNT excluded
    for n in range(N_EDI):
        if n % 2 == 0:
            mutated = list(lines)
            i = rng.randrange(lo, hi)
            kind = rng.randrange(7)
            if kind == 0:
                del mutated[i]
            elif kind == 1:
                mutated.insert(i, mutated[i])
            elif kind == 2:
                mutated[i] = mutated[i].replace(":", rng.choice(["", "::", "?", "+"]), 1)
            elif kind == 3:
                mutated[i] = rng.choice(
                    [
                        "DTM+137:20241340:102'",
                        "QTY+21:1O:PCE'",
                        "QTY+21::PCE'",
                        "XYZ+1'",
                        "LIN+X'",
                        "PRI+AAA:1,2,3'",
                        "DTM+2:2024:203'",
                    ]
                )
            elif kind == 4:
                mutated[i] = mutated[i][: rng.randrange(len(mutated[i]) + 1)]
            elif kind == 5:
                k = next(k for k in range(hi, len(mutated)) if mutated[k].startswith("UNT"))
                mutated[k] = rng.choice(["UNT+3+2'", "UNT+21+9'", "UNT++2'", "UNT+X'"])
            else:
                mutated[i] = mutated[i][:-1] + "?'"
            text = "\n".join(mutated)
            result = ed.process_interchange(text, when=WHEN)
            _check_edi(result)
            first, last = result.messages[0], result.messages[-1]
            assert first.accepted and last.accepted
            assert first.data["despatch_ref"] == last.data["despatch_ref"] == "WH/OUT/00042"
        else:
            kind = rng.randrange(4)
            if kind == 0:
                text = raw[: rng.randrange(len(raw))]
            elif kind == 1:
                chars = list(raw)
                for _ in range(rng.randint(1, 5)):
                    chars[rng.randrange(len(chars))] = chr(rng.randint(0, 300))
                text = "".join(chars)
            elif kind == 2:
                text = "".join(chr(rng.randint(0, 255)) for _ in range(rng.randint(0, 200)))
            else:
                p = rng.randrange(len(raw))
                text = raw[:p] + raw[p:].replace(
                    rng.choice(["+", ":", "'", "?"]), rng.choice(["*", "|", "'", ""])
                )
            payload: str | bytes = text.encode("utf-8", "surrogatepass") if n % 3 == 0 else text
            _check_edi(ed.process_interchange(payload, when=WHEN))
