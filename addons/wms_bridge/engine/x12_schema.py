"""Compact X12 segment dictionary, transaction set structures and their validators.

The tables are the *implementation profile* of this project, written from the
ASC X12 004010 / 005010 segment definitions: for every segment its elements
(reference number, type ID/AN/N0/R/DT/TM/C(omposite), min/max length,
mandatory flag, code list where we check one) and paired conditions (``P``
notes: both present or both absent); for every set a tree of segments and
loops with requirement and maximum use.

Validation has two paths that always agree:

* a fast path: one regular expression per (set, separators) compiled from the
  tables, matched once against the whole set body (elements *and* structure in
  C); the overwhelming majority of sets stop there;
* a slow path, run only when the fast path fails, that walks the segments and
  names each problem with its X12 code (AK304/IK304, AK403/IK403).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from . import errors as E


@dataclass(frozen=True, slots=True)
class El:
    ref: str
    type: str  # ID AN N0 R DT TM C
    min: int
    max: int
    req: bool = False
    codes: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class SegDef:
    tag: str
    elements: tuple[El, ...]
    pairs: tuple[tuple[int, int], ...] = ()  # 1-based adjacent (i, i+1): both or none


@dataclass(frozen=True, slots=True)
class Seg:
    tag: str
    req: bool = False
    max: int = 1


@dataclass(frozen=True, slots=True)
class Loop:
    id: str
    children: tuple[Seg | Loop, ...]
    req: bool = False
    max: int = 1

    @property
    def trigger(self) -> str:
        first = self.children[0]
        return first.tag if isinstance(first, Seg) else first.trigger


def _el(spec: str) -> El:
    """``"98 ID 2 3 M CODES"`` -> El; CODES is ``A,B,C`` (optional)."""
    parts = spec.split()
    codes = frozenset(parts[5].split(",")) if len(parts) > 5 else None
    return El(parts[0], parts[1], int(parts[2]), int(parts[3]), parts[4] == "M", codes)


def _seg(tag: str, *specs: str, pairs: tuple[tuple[int, int], ...] = ()) -> SegDef:
    return SegDef(tag, tuple(_el(s) for s in specs), pairs)


# fmt: off
SEGMENTS: dict[str, SegDef] = {d.tag: d for d in (
    _seg("ST", "143 ID 3 3 M", "329 AN 4 9 M", "1705 AN 1 35 O"),
    _seg("SE", "96 N0 1 10 M", "329 AN 4 9 M"),
    _seg("N1", "98 ID 2 3 M", "93 AN 1 60 O", "66 ID 1 2 O", "67 AN 2 80 O", pairs=((3, 4),)),
    _seg("N2", "93 AN 1 60 M", "93 AN 1 60 O"),
    _seg("N3", "166 AN 1 55 M", "166 AN 1 55 O"),
    _seg("N4", "19 AN 2 30 O", "156 ID 2 2 O", "116 ID 3 15 O", "26 ID 2 3 O"),
    _seg("PER", "366 ID 2 2 M", "93 AN 1 60 O", "365 ID 2 2 O", "364 AN 1 256 O",
         "365 ID 2 2 O", "364 AN 1 256 O", pairs=((3, 4), (5, 6))),
    _seg("N9", "128 ID 2 3 M", "127 AN 1 50 O", "369 AN 1 45 O", "373 DT 8 8 O"),
    _seg("G62", "432 ID 2 2 O", "373 DT 8 8 O", "176 ID 1 1 O", "337 TM 4 8 O",
         pairs=((1, 2), (3, 4))),
    _seg("NTE", "363 ID 3 3 O", "352 AN 1 80 M"),
    _seg("LX", "554 N0 1 6 M"),
    _seg("MAN", "88 ID 1 2 M", "87 AN 1 48 M"),
    _seg("G69", "352 AN 1 80 M"),
    _seg("REF", "128 ID 2 3 M", "127 AN 1 50 M", "352 AN 1 80 O"),
    _seg("DTM", "374 ID 3 3 M", "373 DT 8 8 O", "337 TM 4 8 O"),
    _seg("QTY", "673 ID 2 2 M", "380 R 1 15 M", "C001 C 1 20 O"),
    _seg("CTT", "354 N0 1 6 M", "347 R 1 10 O"),
    # 940
    _seg("W05", "473 ID 1 1 M N,C,R,F", "324 AN 1 22 M", "324 AN 1 22 O", "127 AN 1 50 O",
         "640 ID 2 2 O"),
    # W66-03 pallet exchange (399) is ID 1/1; COD method (625) and amount (610) pair
    _seg("W66", "146 ID 2 2 M", "91 ID 1 2 M", "399 ID 1 1 O", "400 ID 2 2 O",
         "387 AN 1 35 O", "433 ID 2 2 O", "434 AN 1 30 O", "625 ID 1 1 O", "610 N2 1 15 O",
         "140 ID 2 4 O", pairs=((8, 9),)),
    _seg("W01", "330 R 1 15 M", "355 ID 2 2 M", "438 AN 12 12 O", "235 ID 2 2 O",
         "234 AN 1 48 O", "235 ID 2 2 O", "234 AN 1 48 O", pairs=((4, 5), (6, 7))),
    _seg("W20", "356 N0 1 6 O", "357 R 1 8 O", "355 ID 2 2 O"),
    _seg("W76", "330 R 1 15 M", "81 R 1 10 O", "355 ID 2 2 O", "183 R 1 8 O",
         "355 ID 2 2 O", pairs=((2, 3), (4, 5))),
    # 945 / 943
    _seg("W06", "473 ID 1 1 M F,P,N,C,R", "324 AN 1 22 O", "373 DT 8 8 O", "145 AN 1 30 O",
         "145 AN 1 30 O", "324 AN 1 22 O"),
    # all ten elements: SCAC, routing, payment, equipment, status, handling, reason
    _seg("W27", "91 ID 1 2 M", "140 ID 2 4 O", "387 AN 1 35 O", "146 ID 2 2 O",
         "40 ID 2 2 O", "206 AN 1 4 O", "207 AN 1 15 O", "368 ID 2 2 O", "152 ID 2 3 O",
         "890 ID 2 2 O"),
    _seg("W12", "368 ID 2 2 M CC,CP,SH,PR,BO,CL", "380 R 1 15 O", "380 R 1 15 O",
         "380 R 1 15 O", "355 ID 2 2 O", "438 AN 12 12 O", "235 ID 2 2 O", "234 AN 1 48 O",
         "461 AN 1 12 O", "81 R 1 10 O", "187 ID 1 2 O", "355 ID 2 2 O", "235 ID 2 2 O",
         "234 AN 1 48 O", pairs=((7, 8), (13, 14))),
    _seg("W03", "382 R 1 10 M", "81 R 1 10 O", "355 ID 2 2 O", "183 R 1 8 O",
         "355 ID 2 2 O", pairs=((2, 3), (4, 5))),
    _seg("W04", "382 R 1 10 M", "355 ID 2 2 M", "438 AN 12 12 O", "235 ID 2 2 O",
         "234 AN 1 48 O", "235 ID 2 2 O", "234 AN 1 48 O", pairs=((4, 5), (6, 7))),
    # 944
    _seg("W17", "473 ID 1 1 M F,P,N,C,R", "373 DT 8 8 M", "145 AN 1 30 M", "324 AN 1 22 O",
         "324 AN 1 22 O", "145 AN 1 30 O"),
    _seg("W07", "382 R 1 10 M", "355 ID 2 2 M", "438 AN 12 12 O", "235 ID 2 2 O",
         "234 AN 1 48 O", "461 AN 1 12 O", "235 ID 2 2 O", "234 AN 1 48 O",
         pairs=((4, 5), (7, 8))),
    _seg("W13", "380 R 1 15 M", "355 ID 2 2 M", "412 ID 2 2 M", "380 R 1 15 O",
         "355 ID 2 2 O"),
    _seg("W14", "382 R 1 10 M", "380 R 1 15 O", "380 R 1 15 O", "380 R 1 15 O",
         "380 R 1 15 O"),
    # 846
    _seg("BIA", "353 ID 2 2 M", "755 ID 2 2 M", "127 AN 1 50 M", "373 DT 8 8 M",
         "337 TM 4 8 O"),
    _seg("LIN", "350 AN 1 20 O", "235 ID 2 2 M", "234 AN 1 48 M", "235 ID 2 2 O",
         "234 AN 1 48 O", "235 ID 2 2 O", "234 AN 1 48 O", "235 ID 2 2 O",
         "234 AN 1 48 O", pairs=((4, 5), (6, 7), (8, 9))),
    _seg("SCH", "380 R 1 15 M", "355 ID 2 2 M", "98 ID 2 3 O", "93 AN 1 60 O",
         "374 ID 3 3 M", "373 DT 8 8 M", "337 TM 4 8 O", "374 ID 3 3 O", "373 DT 8 8 O",
         "337 TM 4 8 O", "326 AN 1 45 O", "350 AN 1 20 O"),
    # 856
    _seg("BSN", "353 ID 2 2 M", "396 AN 2 30 M", "373 DT 8 8 M", "337 TM 4 8 M",
         "1005 ID 4 4 O"),
    _seg("HL", "628 AN 1 12 M", "734 AN 1 12 O", "735 ID 1 2 M S,O,P,I,T", "736 ID 1 1 O 0,1"),
    _seg("TD1", "103 AN 3 5 O", "80 N0 1 7 O", "23 ID 1 1 O", "22 AN 1 30 O",
         "79 AN 1 50 O", "187 ID 1 2 O", "81 R 1 10 O", "355 ID 2 2 O"),
    _seg("TD5", "133 ID 1 2 O", "66 ID 1 2 O", "67 AN 2 80 O", "91 ID 1 2 O",
         "387 AN 1 35 O", pairs=((2, 3),)),
    _seg("PRF", "324 AN 1 22 M", "328 AN 1 30 O", "327 AN 1 8 O", "373 DT 8 8 O"),
    _seg("SN1", "350 AN 1 20 O", "382 R 1 10 M", "355 ID 2 2 M", "646 R 1 15 O",
         "330 R 1 15 O", "355 ID 2 2 O"),
    # 214
    _seg("B10", "127 AN 1 50 O", "145 AN 1 30 M", "140 ID 2 4 M", "71 N0 1 9 O"),
    _seg("L11", "127 AN 1 50 M", "128 ID 2 3 M", "352 AN 1 80 O"),
    _seg("AT7", "1650 ID 2 2 O", "1651 ID 2 2 O", "1652 ID 2 2 O", "1653 ID 2 2 O",
         "373 DT 8 8 O", "337 TM 4 8 O", "623 ID 2 2 O"),
    _seg("MS1", "19 AN 2 30 O", "156 ID 2 2 O", "26 ID 2 3 O"),
    _seg("MS2", "140 ID 2 4 O", "207 AN 1 15 O", "40 ID 2 2 O"),
    # 997 / 999
    _seg("AK1", "479 ID 2 2 M", "28 N0 1 9 M", "480 AN 1 12 O"),
    _seg("AK2", "143 ID 3 3 M", "329 AN 4 9 M", "1705 AN 1 35 O"),
    _seg("AK3", "721 ID 2 3 M", "719 N0 1 10 M", "447 AN 1 4 O", "720 ID 1 3 O"),
    _seg("AK4", "C030 C 1 20 M", "725 N0 1 4 O", "723 ID 1 3 M", "724 AN 1 99 O"),
    _seg("AK5", "717 ID 1 1 M A,E,M,R,W,X", "718 ID 1 3 O", "718 ID 1 3 O",
         "718 ID 1 3 O", "718 ID 1 3 O", "718 ID 1 3 O"),
    _seg("IK3", "721 ID 2 3 M", "719 N0 1 10 M", "447 AN 1 4 O", "620 ID 1 3 O"),
    _seg("CTX", "C998 C 1 60 M", "721 ID 2 3 O", "719 N0 1 10 O", "447 AN 1 4 O",
         "C030 C 1 20 O", "C999 C 1 20 O"),
    _seg("IK4", "C030 C 1 20 M", "725 N0 1 4 O", "621 ID 1 3 M", "724 AN 1 99 O"),
    _seg("IK5", "717 ID 1 1 M A,E,M,R,W,X", "618 ID 1 3 O", "618 ID 1 3 O",
         "618 ID 1 3 O", "618 ID 1 3 O", "618 ID 1 3 O"),
    _seg("AK9", "715 ID 1 1 M A,E,M,P,R,W,X", "97 N0 1 6 M", "123 N0 1 6 M",
         "2 N0 1 6 M", "716 ID 1 3 O", "716 ID 1 3 O", "716 ID 1 3 O", "716 ID 1 3 O",
         "716 ID 1 3 O"),
)}
# fmt: on

_N1_LOOP = Loop(
    "N1",
    (Seg("N1", True), Seg("N2", max=2), Seg("N3", max=2), Seg("N4"), Seg("PER", max=3)),
    max=10,
)

# Transaction set bodies (between ST and SE), in order.
SETS: dict[str, Loop] = {
    "940": Loop(
        "940",
        (
            Seg("W05", True),
            _N1_LOOP,
            Seg("N9", max=10),
            Seg("G62", max=10),
            Seg("NTE", max=10),
            Seg("W66"),
            Loop(
                "LX",
                (
                    Seg("LX", True),
                    Loop(
                        "W01",
                        (Seg("W01", True), Seg("G69", max=5), Seg("N9", max=200), Seg("W20")),
                        True,
                        9999,
                    ),
                ),
                True,
                9999,
            ),
            Seg("W76"),
        ),
        True,
    ),
    "945": Loop(
        "945",
        (
            Seg("W06", True),
            _N1_LOOP,
            Seg("N9", max=10),
            Seg("G62", max=10),
            Seg("W27", True),
            Seg("NTE", max=10),
            Loop(
                "LX",
                (
                    Seg("LX", True),
                    Seg("MAN", max=9999),
                    Loop(
                        "W12",
                        (Seg("W12", True), Seg("G69", max=5), Seg("N9", max=20), Seg("QTY", max=5)),
                        True,
                        9999,
                    ),
                ),
                True,
                9999,
            ),
            Seg("W03", True),
        ),
        True,
    ),
    "943": Loop(
        "943",
        (
            Seg("W06", True),
            _N1_LOOP,
            Seg("N9", max=10),
            Seg("G62", max=10),
            Seg("W27", True),
            Seg("NTE", max=10),
            Loop("W04", (Seg("W04", True), Seg("G69", max=5), Seg("N9", max=200)), True, 9999),
            Seg("W03", True),
        ),
        True,
    ),
    "944": Loop(
        "944",
        (
            Seg("W17", True),
            _N1_LOOP,
            Seg("N9", max=10),
            Seg("G62", max=10),
            Loop(
                "LX",
                (
                    Seg("LX", True),
                    Loop(
                        "W07",
                        (
                            Seg("W07", True),
                            Seg("G69", max=5),
                            Seg("N9", max=200),
                            Seg("W13", max=10),
                        ),
                        True,
                        9999,
                    ),
                ),
                True,
                9999,
            ),
            Seg("W14", True),
        ),
        True,
    ),
    "846": Loop(
        "846",
        (
            Seg("BIA", True),
            Seg("REF", max=12),
            Seg("DTM", max=10),
            _N1_LOOP,
            Loop(
                "LIN",
                (
                    Seg("LIN", True),
                    Seg("DTM", max=10),
                    Seg("REF", max=12),
                    Loop("QTY", (Seg("QTY", True), Seg("SCH", max=25)), max=99),
                ),
                max=10000,
            ),
            Seg("CTT"),
        ),
        True,
    ),
    "856": Loop(
        "856",
        (
            Seg("BSN", True),
            Seg("DTM", max=10),
            Loop(
                "HL",
                (
                    Seg("HL", True),
                    Seg("LIN"),
                    Seg("SN1"),
                    Seg("PRF"),
                    Seg("TD1", max=20),
                    Seg("TD5", max=12),
                    Seg("REF", max=200),
                    Seg("MAN", max=10),
                    Seg("DTM", max=10),
                    Loop(
                        "N1",
                        (Seg("N1", True), Seg("N2", max=2), Seg("N3", max=2), Seg("N4")),
                        max=200,
                    ),
                ),
                True,
                200000,
            ),
            Seg("CTT"),
        ),
        True,
    ),
    "214": Loop(
        "214",
        (
            Seg("B10", True),
            Seg("L11", max=300),
            _N1_LOOP,
            Loop(
                "LX",
                (
                    Seg("LX", True),
                    Loop("AT7", (Seg("AT7", True), Seg("MS1"), Seg("MS2")), max=10),
                    Seg("L11", max=10),
                ),
                max=999999,
            ),
        ),
        True,
    ),
    "997": Loop(
        "997",
        (
            Seg("AK1", True),
            Loop(
                "AK2",
                (
                    Seg("AK2", True),
                    Loop("AK3", (Seg("AK3", True), Seg("AK4", max=99)), max=999999),
                    Seg("AK5", True),
                ),
                max=999999,
            ),
            Seg("AK9", True),
        ),
        True,
    ),
    "999": Loop(
        "999",
        (
            Seg("AK1", True),
            Loop(
                "AK2",
                (
                    Seg("AK2", True),
                    Loop(
                        "IK3",
                        (
                            Seg("IK3", True),
                            Seg("CTX", max=10),
                            Loop("IK4", (Seg("IK4", True), Seg("CTX", max=10)), max=99),
                        ),
                        max=999999,
                    ),
                    Seg("IK5", True),
                ),
                max=999999,
            ),
            Seg("AK9", True),
        ),
        True,
    ),
}

FUNCTIONAL_IDS = {
    "940": "OW",
    "945": "SW",
    "943": "AR",
    "944": "RE",
    "846": "IB",
    "856": "SH",
    "214": "QM",
    "997": "FA",
    "999": "FA",
}


# --------------------------------------------------------------------------- values
_DATE8 = (
    r"(?:\d{4}(?:(?:0[13578]|1[02])(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)(?:0[1-9]|[12]\d|30)"
    r"|02(?:0[1-9]|1\d|2[0-8]))"
    r"|(?:\d\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)0229)"
)
_DATE6 = (
    r"(?:\d\d(?:(?:0[13578]|1[02])(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)(?:0[1-9]|[12]\d|30)"
    r"|02(?:0[1-9]|1\d|2[0-9])))"
)
_TIME = r"(?:[01]\d|2[0-3])[0-5]\d"


def valid_date(value: str) -> bool:
    if not (value.isascii() and value.isdigit()) or len(value) not in (6, 8):
        return False
    if len(value) == 6:
        value = "20" + value
    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return False
    return True


_TIME_RE = re.compile(_TIME + r"(?:[0-5]\d(?:\d{1,2})?)?", re.ASCII)
_REAL_RE = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


def valid_time(value: str) -> bool:
    return bool(_TIME_RE.fullmatch(value))


def _value_pattern(el: El, forbidden: str) -> str:
    """Regex (no groups) of a non-empty value of ``el``."""
    if el.codes:
        return "(?:" + "|".join(re.escape(c) for c in sorted(el.codes, key=len, reverse=True)) + ")"
    t = el.type
    if t == "N0" or (t.startswith("N") and t[1:].isdigit()):
        return rf"-?\d{{{el.min},{el.max}}}"
    if t == "R":
        # at most ``max`` digits before and after the decimal point (see _element_code)
        return rf"-?(?:\d{{1,{el.max}}}(?:\.\d{{0,{el.max}}})?|\.\d{{1,{el.max}}})"
    if t == "DT":
        return _DATE8 if el.min == 8 else f"(?:{_DATE8}|{_DATE6})"
    if t == "TM":
        return _TIME + (r"(?:[0-5]\d(?:\d{1,2})?)?" if el.max > 4 else "")
    klass = "[^" + forbidden + r"\x00-\x1f\x7f]"
    return f"{klass}{{{el.min},{el.max}}}"


def _segment_pattern(sd: SegDef, es: str, rs: str, cs: str, term: str) -> str:
    e = re.escape(es)
    simple_forbid = re.escape(es + term + cs + rs)
    comp_forbid = re.escape(es + term + rs)
    vals = []
    for el in sd.elements:
        pat = _value_pattern(el, comp_forbid if el.type == "C" else simple_forbid)
        if el.type == "C":
            pat = f"[^{comp_forbid}\\x00-\\x1f\\x7f]{{1,{el.max * 4}}}"
        vals.append(pat)
    n = len(vals)
    last_req = max((i for i, el in enumerate(sd.elements) if el.req), default=-1)
    pair_first = {a - 1: b - 1 for a, b in sd.pairs}

    def chain(i: int) -> str:
        if i >= n:
            return ""
        el = sd.elements[i]
        if i in pair_first:
            j = pair_first[i]
            rest = chain(j + 1)
            both = f"{e}{vals[i]}{e}{vals[j]}{rest}"
            # both empty: ``*`` then, if anything follows, ``*`` and the rest
            none = f"{e}{e}{rest}" if j < last_req else f"{e}(?:{e}{rest})?"
            body = f"(?:{both}|{none})"
            return body if i <= last_req else f"(?:{body})?"
        v = vals[i] if el.req else f"(?:{vals[i]})?"
        body = f"{e}{v}{chain(i + 1)}"
        return body if i <= last_req else f"(?:{body})?"

    # Possessive optionals: a valid segment has exactly one reading, and not
    # recording backtracking points doubles the speed of the match.
    return re.escape(sd.tag) + chain(0).replace(")?", ")?+")


def _structure_pattern(node: Seg | Loop, segpat: dict[str, str], term: str) -> str:
    if isinstance(node, Seg):
        p = f"(?:{segpat[node.tag]}{term})"
        return p if node.req and node.max == 1 else f"{p}{{{int(node.req)},{node.max}}}"
    inner = "".join(_structure_pattern(c, segpat, term) for c in node.children)
    if node.req and node.max == 1:
        return inner
    return f"(?:{inner}){{{int(node.req)},{node.max}}}"


@lru_cache(maxsize=256)
def set_regex(set_id: str, es: str, rs: str, cs: str, term: str) -> re.Pattern[str]:
    """Regex matching a complete valid body (``seg~seg~...seg~``, no ST/SE)."""
    segpat = {t: _segment_pattern(d, es, rs, cs, term) for t, d in SEGMENTS.items()}
    pattern = _structure_pattern(SETS[set_id], segpat, re.escape(term))
    return re.compile(pattern, re.DOTALL | re.ASCII)


@lru_cache(maxsize=1024)
def segment_regex(tag: str, es: str, rs: str, cs: str, term: str) -> re.Pattern[str]:
    return re.compile(_segment_pattern(SEGMENTS[tag], es, rs, cs, term), re.DOTALL | re.ASCII)


# --------------------------------------------------------------------------- diagnosis
def diagnose_elements(
    tag: str, elements: list[str], es: str, rs: str, cs: str, term: str
) -> list[E.EdiError]:
    """Element errors (AK4/IK4) of one segment already split on ``es``."""
    sd = SEGMENTS[tag]
    out: list[E.EdiError] = []
    defs = sd.elements

    def err(pos: int, code: str, value: str | None = None, comp: int | None = None) -> None:
        ref = defs[pos - 1].ref if pos <= len(defs) else None
        out.append(
            E.EdiError(
                "element",
                code,
                E.X12_ELEMENT_CODE_TEXT.get(code, code),
                segment_id=tag,
                element=pos,
                component=comp,
                element_ref=ref,
                bad_value=(value or "")[:99] or None,
            )
        )

    if len(elements) - 1 > len(defs):
        err(len(defs) + 1, E.ELEM_TOO_MANY_ELEMENTS, elements[len(defs) + 1])
    for i, el in enumerate(defs, start=1):
        value = elements[i] if i < len(elements) else ""
        if not value:
            if el.req:
                err(i, E.ELEM_MANDATORY_MISSING)
            continue
        code = _element_code(el, value, rs, cs)
        if code:
            err(i, code, value)
    for a, b in sd.pairs:
        va = elements[a] if a < len(elements) else ""
        vb = elements[b] if b < len(elements) else ""
        if bool(va) != bool(vb):
            missing = b if va else a
            if not any(x.element == missing for x in out):
                err(missing, E.ELEM_CONDITIONAL_MISSING)
    if not out and not segment_regex(tag, es, rs, cs, term).fullmatch(es.join(elements)):
        # The regex and the diagnosis are built from the same table; should they
        # ever disagree, refuse the segment rather than accept it silently.
        err(1, E.ELEM_INVALID_CHARACTER, elements[1] if len(elements) > 1 else "")
    out.sort(key=lambda x: x.element or 0)
    return out


# Control characters (C0 and DEL) are never data: X12's basic and extended
# character sets hold none of them.
_CTRL = re.compile(r"[\x00-\x1f\x7f]")


def has_control(value: str) -> bool:
    return _CTRL.search(value) is not None


def _element_code(el: El, value: str, rs: str, cs: str) -> str | None:  # noqa: PLR0911, PLR0912 - one verdict per element type
    if el.type != "C":
        if rs and rs in value:
            return E.ELEM_TOO_MANY_REPETITIONS
        if cs in value:
            return E.ELEM_TOO_MANY_COMPONENTS
    if _CTRL.search(value):
        return E.ELEM_INVALID_CHARACTER
    if el.codes:
        return None if value in el.codes else E.ELEM_INVALID_CODE
    t = el.type
    if t == "DT":
        return None if valid_date(value) and len(value) in (el.min, el.max) else E.ELEM_INVALID_DATE
    if t == "TM":
        ok = el.min <= len(value) <= el.max and valid_time(value)
        return None if ok else E.ELEM_INVALID_TIME
    if t == "C":
        return E.ELEM_TOO_LONG if len(value) > el.max * 4 else None
    if t.startswith("N"):
        digits = value[1:] if value.startswith("-") else value
        if not digits.isascii() or not digits.isdigit():
            return E.ELEM_INVALID_CHARACTER
        n = len(digits)
    elif t == "R":
        # X12 counts all digits; we bound the integer and the fraction part
        # separately by the maximum (same rule as the fast-path regex).
        digits = value[1:] if value.startswith("-") else value
        if not _REAL_RE.fullmatch(digits):
            return E.ELEM_INVALID_CHARACTER
        whole, _dot, frac = digits.partition(".")
        n = max(len(whole), len(frac))
    else:
        n = len(value)
    if n < el.min:
        return E.ELEM_TOO_SHORT
    if n > el.max:
        return E.ELEM_TOO_LONG
    return None


def check_structure(  # noqa: PLR0912, PLR0915 - one walker for every set
    set_id: str | Loop, tags: list[str], dictionary: dict | frozenset | set | None = None
) -> list[tuple[int, str, str, str]]:
    """Walk the body tags against the set tree (a set id of :data:`SETS` or a Loop).

    Returns ``(body_index, segment_id, AK304 code, loop_id)``; body_index is the
    0-based index in ``tags`` (``len(tags)`` for "missing at the end").
    ``dictionary`` holds the segment ids known to the syntax (X12 by default).
    """
    root = set_id if isinstance(set_id, Loop) else SETS[set_id]
    known = set(_all_tags(root))
    dictionary = SEGMENTS if dictionary is None else dictionary
    issues: list[tuple[int, str, str, str]] = []
    # frame: [loop, pos, counts]
    stack: list[list] = [[root, -1, {}]]

    def close(frame: list, at: int) -> None:
        loop, pos, counts = frame
        for k in range(pos + 1, len(loop.children)):
            _missing(loop.children[k], counts, k, at)

    def _missing(child: Seg | Loop, counts: dict, k: int, at: int) -> None:
        if child.req and not counts.get(k):
            tag = child.tag if isinstance(child, Seg) else child.trigger
            issues.append((at, tag, E.SEG_MANDATORY_MISSING, stack[-1][0].id))

    for i, tag in enumerate(tags):
        found = None
        for depth in range(len(stack) - 1, -1, -1):
            loop, pos, _counts = stack[depth]
            start = max(pos, 1) if depth else max(pos, 0)
            for j in range(start, len(loop.children)):
                child = loop.children[j]
                if isinstance(child, Seg) and child.tag == tag:
                    found = (depth, j)
                    break
                if isinstance(child, Loop) and child.trigger == tag:
                    found = (depth, j)
                    break
            if found:
                break
        if not found:
            if tag in known:
                code = E.SEG_UNEXPECTED
            elif tag in dictionary or tag in ("ST", "SE", "GS", "GE", "ISA", "IEA"):
                code = E.SEG_NOT_IN_SET
            else:
                code = E.SEG_UNRECOGNIZED
            issues.append((i, tag, code, stack[-1][0].id))
            continue
        depth, j = found
        while len(stack) - 1 > depth:
            close(stack[-1], i)
            stack.pop()
        frame = stack[-1]
        loop, pos, counts = frame
        for k in range(pos + 1, j):
            _missing(loop.children[k], counts, k, i)
        frame[1] = j
        counts[j] = counts.get(j, 0) + 1
        child = loop.children[j]
        if counts[j] > child.max:
            code = E.SEG_EXCEEDS_MAX_USE if isinstance(child, Seg) else E.SEG_LOOP_OVER_MAX
            issues.append((i, tag, code, loop.id))
        if isinstance(child, Loop):
            stack.append([child, 0, {0: 1}])
            # nested trigger loops (a loop whose first child is a loop) are not used here
    while stack:
        close(stack[-1], len(tags))
        stack.pop()
    return issues


def _all_tags(node: Loop) -> list[str]:
    out = []
    for c in node.children:
        out.extend([c.tag] if isinstance(c, Seg) else _all_tags(c))
    return out
