"""UN/EDIFACT reader and writer: UNA/UNB/UNH ... UNT/UNZ, ORDERS, DESADV, INVRPT, CONTRL.

* Service string advice ``UNA`` sets the separators (default ``:+.? '``); the
  release character escapes separators inside values, both ways.
* Syntax identifiers UNOA (ISO 646 upper case subset), UNOB (ISO 646 printable
  incl. lower case), UNOC (ISO 8859-1), UNOD..UNOF / UNOW / UNOY (accepted, not
  checked character by character); for UNOA and UNOB every value is checked and
  a character outside the level is error ``21`` (invalid characters).
* Counts and references: UNZ 0036 = number of messages (or groups), UNZ 0020 =
  UNB 0020, UNT 0074 = segments UNH..UNT inclusive, UNT 0062 = UNH 0062; errors
  ``29`` (count) and ``28`` (references do not match).
* Segment errors in a message (UCS) use ``13`` missing, ``15`` not supported in
  this position, ``35`` too many repetitions; element errors (UCD) use ``12``
  invalid value, ``13`` missing, ``37`` invalid type of characters, ``39`` too
  long, ``21`` invalid characters.

:func:`process_interchange` reads everything, maps each message to a dict and
builds the CONTRL to send back (never for an interchange of CONTRL messages).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from . import errors as E
from .x12_schema import Loop, Seg, check_structure

UNOA_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-()/='+:?!\"%&*;<>")
UNOB_CHARS = frozenset(chr(c) for c in range(0x20, 0x7F))
SYNTAX_IDS = ("UNOA", "UNOB", "UNOC", "UNOD", "UNOE", "UNOF", "UNOW", "UNOY")


@dataclass(frozen=True, slots=True)
class EdifactSeparators:
    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str = "?"
    repetition: str = " "  # reserved in syntax 3, repetition separator ("*") in 4
    segment: str = "'"
    suffix: str = ""

    @property
    def una(self) -> str:
        chars = (
            self.component,
            self.element,
            self.decimal,
            self.release,
            self.repetition,
            self.segment,
        )
        return "UNA" + "".join(chars)

    def problem(self) -> str | None:
        chars = [self.component, self.element, self.segment, self.release]
        if any(len(c) != 1 or c.isalnum() for c in chars) or len(set(chars)) != 4:
            return E.EDI_INVALID_SERVICE_CHAR
        return None


@dataclass(slots=True)
class EdifactInterchange:
    syntax_id: str
    syntax_version: str
    sender_id: str
    sender_qualifier: str
    recipient_id: str
    recipient_qualifier: str
    date: str
    time: str
    control_ref: str
    ack_requested: bool
    test: bool
    separators: EdifactSeparators
    declared_count: int | None = None
    unb_raw: str = ""  # the UNB segment as received (escapes kept, no terminator)


@dataclass(slots=True)
class EdifactMessage:
    reference: str
    message_type: str
    version: str
    release: str
    agency: str
    association: str
    segment_index: int
    segments: list[list[list[str]]] = field(default_factory=list, repr=False)
    raw: str = field(default="", repr=False)  # UNH ... UNT as received, terminators included
    data: dict | None = None
    errors: list[E.EdiError] = field(default_factory=list)
    segment_issues: list[E.SegmentIssue] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.errors and not self.segment_issues

    def describe(self) -> str:
        lines = [f"{e.code}: {e.message}" for e in self.errors]
        for si in self.segment_issues:
            lines.append(f"segment {si.segment_id} at {si.set_position}: error {si.code}")
            lines += [
                f"  element {x.element}.{x.component or 0}: {x.code} {x.message}"
                for x in si.elements
            ]
        return "\n".join(lines)


@dataclass(slots=True)
class EdifactResult:
    interchange: EdifactInterchange | None
    messages: list[EdifactMessage]
    errors: list[E.EdiError]
    fatal: bool
    contrl: str | None = None
    contrl_data: dict | None = None

    @property
    def accepted(self) -> bool:
        return not self.fatal and not self.errors and all(m.accepted for m in self.messages)

    @property
    def duplicate_key(self) -> tuple[str, str, str, str] | None:
        i = self.interchange
        return (
            None if i is None else (i.sender_qualifier, i.sender_id, i.recipient_id, i.control_ref)
        )


# --------------------------------------------------------------------------- structures
# fmt: off
_NAD = Loop("NAD", (Seg("NAD", True), Seg("LOC", max=25), Seg("FII", max=5),
                    Loop("RFF", (Seg("RFF", True), Seg("DTM", max=5)), max=10),
                    Loop("CTA", (Seg("CTA", True), Seg("COM", max=5)), max=5)), max=99)
MESSAGES: dict[str, Loop] = {
    "ORDERS": Loop("ORDERS", (
        Seg("BGM", True), Seg("DTM", True, 35), Seg("PAI"), Seg("ALI", max=5), Seg("IMD", max=999),
        Seg("FTX", max=99),
        Loop("RFF", (Seg("RFF", True), Seg("DTM", max=5)), max=10),
        _NAD,
        Loop("TAX", (Seg("TAX", True), Seg("MOA")), max=5),
        Loop("CUX", (Seg("CUX", True), Seg("DTM", max=5)), max=5),
        Loop("TDT", (Seg("TDT", True),), max=10),
        Loop("TOD", (Seg("TOD", True), Seg("LOC", max=2)), max=5),
        Loop("LIN", (
            Seg("LIN", True), Seg("PIA", max=25), Seg("IMD", max=99), Seg("MEA", max=99),
            Seg("QTY", max=99), Seg("ALI", max=5), Seg("DTM", max=35), Seg("MOA", max=10),
            Seg("FTX", max=99),
            Loop("PRI", (Seg("PRI", True), Seg("CUX"), Seg("DTM", max=5)), max=25),
            Loop("RFF", (Seg("RFF", True), Seg("DTM", max=5)), max=10),
            Loop("NAD", (Seg("NAD", True), Seg("LOC", max=5)), max=99),
        ), max=200000),
        Seg("UNS"), Seg("MOA", max=12), Seg("CNT", max=10),
    ), True),
    "DESADV": Loop("DESADV", (
        Seg("BGM", True), Seg("DTM", True, 10), Seg("ALI", max=5), Seg("MEA", max=5),
        Seg("MOA", max=5),
        Loop("RFF", (Seg("RFF", True), Seg("DTM"),), max=10),
        _NAD,
        Loop("TOD", (Seg("TOD", True), Seg("LOC", max=2)), max=5),
        Loop("TDT", (Seg("TDT", True), Seg("PCD")), max=10),
        Loop("CPS", (
            Seg("CPS", True), Seg("FTX", max=5),
            Loop("PAC", (
                Seg("PAC", True), Seg("MEA", max=10), Seg("QTY", max=10),
                Loop("PCI", (Seg("PCI", True), Seg("RFF"), Seg("DTM", max=5), Seg("GIN", max=10)),
                     max=1000),
            ), max=1000),
            Loop("LIN", (
                Seg("LIN", True), Seg("PIA", max=10), Seg("IMD", max=25), Seg("MEA", max=10),
                Seg("QTY", max=10), Seg("ALI", max=10), Seg("DTM", max=5),
                Loop("RFF", (Seg("RFF", True), Seg("DTM")), max=10),
                Loop("PCI", (Seg("PCI", True), Seg("DTM", max=5), Seg("MEA", max=10),
                             Seg("QTY", max=10), Seg("GIN", max=100)), max=10),
            ), max=9999),
        ), max=9999),
        Seg("CNT", max=5),
    ), True),
    "INVRPT": Loop("INVRPT", (
        Seg("BGM", True), Seg("DTM", True, 5), Seg("FTX", max=99),
        Loop("RFF", (Seg("RFF", True), Seg("DTM")), max=10),
        _NAD,
        Loop("LIN", (
            Seg("LIN", True), Seg("PIA", max=10), Seg("IMD", max=10), Seg("MEA", max=10),
            Seg("DTM", max=10),
            Loop("INV", (Seg("INV", True), Seg("QTY", max=10), Seg("LOC", max=10),
                         Seg("DTM", max=10), Seg("GIN", max=10)), max=999),
            Loop("QTY", (Seg("QTY", True), Seg("LOC", max=10), Seg("DTM", max=10),
                         Seg("GIN", max=10)), max=999),
        ), max=99999),
        Seg("UNS"), Seg("CNT", max=10),
    ), True),
    "CONTRL": Loop("CONTRL", (
        Seg("UCI", True),
        Loop("UCM", (Seg("UCM", True),
                     Loop("UCS", (Seg("UCS", True), Seg("UCD", max=99)), max=999)), max=999999),
    ), True),
}
# fmt: on
KNOWN_TAGS = frozenset(
    {
        "BGM",
        "DTM",
        "PAI",
        "ALI",
        "IMD",
        "FTX",
        "RFF",
        "NAD",
        "LOC",
        "FII",
        "CTA",
        "COM",
        "TAX",
        "MOA",
        "CUX",
        "TDT",
        "TOD",
        "LIN",
        "PIA",
        "MEA",
        "QTY",
        "PRI",
        "UNS",
        "CNT",
        "CPS",
        "PAC",
        "PCI",
        "GIN",
        "PCD",
        "INV",
        "STS",
        "UCI",
        "UCM",
        "UCS",
        "UCD",
        "UCF",
    }
)  # fmt: skip
# Element checks: tag -> {(element, component): (kind, max_len, mandatory)}; kind a/n/d
_ELEMENTS: dict[str, dict[tuple[int, int], tuple[str, int, bool]]] = {
    "BGM": {(1, 1): ("a", 3, False), (2, 1): ("a", 35, False), (3, 1): ("a", 3, False)},
    "DTM": {(1, 1): ("a", 3, True), (1, 2): ("a", 35, True), (1, 3): ("a", 3, False)},
    "QTY": {(1, 1): ("a", 3, True), (1, 2): ("n", 35, True), (1, 3): ("a", 8, False)},
    "PRI": {(1, 1): ("a", 3, True), (1, 2): ("n", 15, False)},
    "LIN": {(1, 1): ("a", 6, False), (3, 1): ("a", 35, False)},
    "NAD": {(1, 1): ("a", 3, True), (2, 1): ("a", 35, False)},
    "RFF": {(1, 1): ("a", 3, True), (1, 2): ("a", 70, False)},
    "PIA": {(1, 1): ("a", 3, True), (2, 1): ("a", 35, True)},
    "GIN": {(1, 1): ("a", 3, True), (2, 1): ("a", 35, True)},
    "CNT": {(1, 1): ("a", 3, True), (1, 2): ("n", 18, True)},
    "CPS": {(1, 1): ("a", 35, True)},
    "UCI": {(1, 1): ("a", 14, True), (4, 1): ("a", 3, True)},
    "UCM": {(1, 1): ("a", 14, True), (3, 1): ("a", 3, True)},
    "UCS": {(1, 1): ("n", 6, True)},
}
# fmt: on
_STRUCT_CODE = {
    "1": E.EDI_NOT_SUPPORTED_IN_POSITION,
    "2": E.EDI_NOT_SUPPORTED_IN_POSITION,
    "6": E.EDI_NOT_SUPPORTED_IN_POSITION,
    "7": E.EDI_NOT_SUPPORTED_IN_POSITION,
    "3": E.EDI_MISSING,
    "4": "36",
    "5": E.EDI_TOO_MANY_REPETITIONS,
}
_DATE_FORMATS = {"102": 8, "203": 12, "204": 14}


# --------------------------------------------------------------------------- tokenizing
def _split(text: str, sep: str, rel: str) -> list[str]:
    """Split on ``sep`` not preceded by an (unescaped) release character."""
    if rel not in text:
        return text.split(sep)
    out = []
    cur: list[str] = []
    it = iter(text)
    for c in it:
        if c == rel:
            cur.append(c)
            cur.append(next(it, ""))
        elif c == sep:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    out.append("".join(cur))
    return out


def _unescape(value: str, rel: str) -> str:
    if rel not in value:
        return value
    return re.sub(re.escape(rel) + "(.)", r"\1", value, flags=re.S)


def escape(value: str, seps: EdifactSeparators) -> str:
    specials = {seps.component, seps.element, seps.release, seps.segment}
    if seps.repetition.strip():
        specials.add(seps.repetition)
    if not any(c in value for c in specials):
        return value
    return "".join(seps.release + c if c in specials else c for c in value)


def tokenize(text: str, seps: EdifactSeparators) -> tuple[list[list[list[str]]], list[str], bool]:
    """(segments, raw segment strings, complete). Segments are lists of elements,
    elements lists of unescaped components. ``complete`` is False when text
    remains after the last terminator."""
    raws = _split(text, seps.segment, seps.release)
    tail = raws.pop().strip("\r\n\t \x00\x1a") if raws else text.strip()
    segments = []
    cleaned = []
    for raw_segment in raws:
        raw = raw_segment.lstrip("\r\n\t ")
        cleaned.append(raw)
        segments.append(
            [
                [_unescape(c, seps.release) for c in _split(el, seps.component, seps.release)]
                for el in _split(raw, seps.element, seps.release)
            ]
        )
    return segments, cleaned, not tail


def _g(el: list[list[str]], i: int, j: int = 0) -> str:
    return el[i][j] if i < len(el) and j < len(el[i]) else ""


# --------------------------------------------------------------------------- reader
def _ierr(code: str, message: str, index: int | None = None, tag: str | None = None) -> E.EdiError:
    return E.EdiError("interchange", code, message, segment_id=tag, segment_index=index)


def _decode(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw
    data = bytes(raw)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_interchange(raw: bytes | str) -> EdifactResult:
    """Parse and validate; messages mapped to dicts (no CONTRL built)."""
    result = EdifactResult(None, [], [], False)
    try:
        _read(_decode(raw), result)
    except (ValueError, IndexError, KeyError, TypeError, RecursionError) as exc:
        # Last line of defence: bad input of a shape no check above foresaw.
        result.fatal = True
        result.errors.append(_ierr(E.EDI_UNSPECIFIED, f"unreadable interchange: {exc!r}"))
    return result


def _read(text: str, result: EdifactResult) -> None:  # noqa: PLR0911, PLR0912, PLR0915 - state machine / checks kept in one place
    text = text.lstrip("\ufeff\r\n\t ")
    seps = EdifactSeparators()
    if text.startswith("UNA"):
        if len(text) < 9:
            result.fatal = True
            result.errors.append(_ierr(E.EDI_MISSING, "truncated UNA", 1, "UNA"))
            return
        c = text[3:9]
        seps = EdifactSeparators(c[0], c[1], c[2], c[3], c[4], c[5])
        text = text[9:].lstrip("\r\n")
        if seps.problem():
            result.fatal = True
            result.errors.append(_ierr(E.EDI_INVALID_SERVICE_CHAR, f"unusable UNA {c!r}", 1, "UNA"))
            return
    if not text.startswith("UNB"):
        result.fatal = True
        result.errors.append(_ierr(E.EDI_MISSING, "UNB missing", 1, "UNB"))
        return
    segments, raws, complete = tokenize(text, seps)
    if not segments:
        result.fatal = True
        result.errors.append(_ierr(E.EDI_MISSING, "no complete segment", 1, "UNB"))
        return
    unb = segments[0]
    info = EdifactInterchange(
        _g(unb, 1),
        _g(unb, 1, 1),
        _g(unb, 2),
        _g(unb, 2, 1),
        _g(unb, 3),
        _g(unb, 3, 1),
        _g(unb, 4),
        _g(unb, 4, 1),
        _g(unb, 5),
        _g(unb, 9) == "1",
        _g(unb, 11) == "1",
        seps,
    )
    info.unb_raw = raws[0]
    result.interchange = info
    end = seps.segment + seps.suffix

    def close(message: EdifactMessage, upto: int) -> None:
        """Keep the message's own text (segments from its UNH to index ``upto``)."""
        message.raw = end.join(raws[message.segment_index - 1 : upto]) + end

    if info.syntax_id not in SYNTAX_IDS or info.syntax_version not in ("1", "2", "3", "4"):
        result.fatal = True
        result.errors.append(
            _ierr(
                E.EDI_SYNTAX_NOT_SUPPORTED,
                f"syntax {info.syntax_id}:{info.syntax_version}",
                1,
                "UNB",
            )
        )
        return
    for value, what in (
        (info.sender_id, "sender"),
        (info.recipient_id, "recipient"),
        (info.control_ref, "control reference"),
    ):
        if not value:
            result.fatal = True
            result.errors.append(_ierr(E.EDI_MISSING, f"UNB {what} missing", 1, "UNB"))
            return
    if len(info.control_ref) > 14:
        result.fatal = True
        result.errors.append(_ierr(E.EDI_TOO_LONG, "UNB control reference too long", 1, "UNB"))
        return
    if not _valid_unb_datetime(info.date, info.time):
        result.fatal = True
        result.errors.append(_ierr(E.EDI_INVALID_VALUE, "invalid UNB date/time", 1, "UNB"))
        return
    charset = (
        UNOA_CHARS if info.syntax_id == "UNOA" else UNOB_CHARS if info.syntax_id == "UNOB" else None
    )
    msg: EdifactMessage | None = None
    count = 0
    groups = 0
    ended = False
    for i, el in enumerate(segments[1:], start=2):
        tag = _g(el, 0)
        if tag == "UNH":
            if msg is not None:
                msg.errors.append(E.EdiError("message", E.EDI_MISSING, "UNT missing", "UNT", i))
                _finish(msg, None, charset)
                close(msg, i - 1)
                result.messages.append(msg)
            msg = EdifactMessage(
                _g(el, 1), _g(el, 2), _g(el, 2, 1), _g(el, 2, 2), _g(el, 2, 3), _g(el, 2, 4), i
            )
            msg.segments.append(el)
            count += 1
            if charset is not None:
                _charset_issue(msg, el, raws[i - 1], charset, 1)
        elif tag == "UNT":
            if msg is None:
                result.errors.append(_ierr(E.EDI_INVALID_OCCURRENCE, "UNT without UNH", i, "UNT"))
                continue
            msg.segments.append(el)
            _finish(msg, el, charset)
            close(msg, i)
            result.messages.append(msg)
            msg = None
        elif tag in ("UNG", "UNE"):
            groups += tag == "UNG"
        elif tag == "UNZ":
            if msg is not None:
                msg.errors.append(E.EdiError("message", E.EDI_MISSING, "UNT missing", "UNT", i))
                _finish(msg, None, charset)
                close(msg, i - 1)
                result.messages.append(msg)
                msg = None
            expected = groups or count
            if _g(el, 1) != str(expected):
                result.errors.append(
                    _ierr(E.EDI_COUNT_MISMATCH, f"UNZ count {_g(el, 1)!r} but {expected}", i, "UNZ")
                )
            if _g(el, 2) != info.control_ref:
                result.errors.append(
                    _ierr(E.EDI_REFERENCES_MISMATCH, "UNZ reference != UNB reference", i, "UNZ")
                )
            ended = True
            if i != len(segments) or not complete:
                result.errors.append(_ierr(E.EDI_INVALID_OCCURRENCE, "data after UNZ", i + 1))
            break
        elif msg is not None:
            if charset is not None:
                _charset_issue(msg, el, raws[i - 1], charset, len(msg.segments) + 1)
            msg.segments.append(el)
        else:
            result.errors.append(
                _ierr(E.EDI_INVALID_OCCURRENCE, f"segment {tag!r} outside a message", i, tag)
            )
    if not ended:
        if msg is not None:
            msg.errors.append(
                E.EdiError("message", E.EDI_MISSING, "UNT missing", "UNT", len(segments))
            )
            _finish(msg, None, charset)
            close(msg, len(segments))
            result.messages.append(msg)
        result.errors.append(
            _ierr(E.EDI_MISSING, "UNZ missing (truncated interchange)", len(segments), "UNZ")
        )


def _valid_unb_datetime(d: str, t: str) -> bool:
    if not (d.isascii() and d.isdigit() and len(d) in (6, 8)):
        return False
    full = d if len(d) == 8 else "20" + d
    try:
        date(int(full[:4]), int(full[4:6]), int(full[6:8]))
    except ValueError:
        return False
    return len(t) == 4 and t.isascii() and t.isdigit() and int(t[:2]) < 24 and int(t[2:]) < 60


def _charset_issue(
    msg: EdifactMessage, el: list[list[str]], raw: str, charset: frozenset, pos: int
) -> None:
    if all(c in charset for c in raw):
        return
    for ei, element in enumerate(el[1:], start=1):
        for ci, comp in enumerate(element, start=1):
            if any(c not in charset for c in comp):
                issue = _issue(msg, _g(el, 0), pos)
                issue.elements.append(
                    E.EdiError(
                        "element",
                        E.EDI_INVALID_CHARACTERS,
                        "character outside the syntax level",
                        _g(el, 0),
                        set_position=pos,
                        element=ei,
                        component=ci,
                    )
                )
                return


def _issue(msg: EdifactMessage, tag: str, pos: int, code: str = "") -> E.SegmentIssue:
    for si in msg.segment_issues:
        if si.set_position == pos:
            if code and not si.code:
                si.code = code
            return si
    si = E.SegmentIssue(tag[:3], pos, code)
    msg.segment_issues.append(si)
    return si


def _finish(msg: EdifactMessage, unt: list[list[str]] | None, charset: frozenset | None) -> None:  # noqa: PLR0912 - one check per rule
    if unt is not None:
        if _g(unt, 1) != str(len(msg.segments)):
            msg.errors.append(
                E.EdiError(
                    "message",
                    E.EDI_COUNT_MISMATCH,
                    f"UNT count {_g(unt, 1)!r} but {len(msg.segments)} segments",
                    "UNT",
                )
            )
        if _g(unt, 2) != msg.reference:
            msg.errors.append(
                E.EdiError(
                    "message", E.EDI_REFERENCES_MISMATCH, "UNT reference != UNH reference", "UNT"
                )
            )
    if not msg.reference or len(msg.reference) > 14:
        msg.errors.append(
            E.EdiError("message", E.EDI_INVALID_VALUE, "invalid UNH message reference", "UNH")
        )
    root = MESSAGES.get(msg.message_type)
    if root is None:
        msg.errors.append(
            E.EdiError(
                "message",
                E.EDI_VALUE_NOT_SUPPORTED,
                f"message type {msg.message_type!r} not supported",
                "UNH",
            )
        )
        return
    body = msg.segments[1:-1] if unt is not None else msg.segments[1:]
    tags = [_g(el, 0) for el in body]
    for i, tag, code, _loop in check_structure(root, tags, KNOWN_TAGS):
        _issue(msg, tag, i + 2, _STRUCT_CODE.get(code, E.EDI_UNSPECIFIED))
    for i, el in enumerate(body, start=2):
        checks = _ELEMENTS.get(_g(el, 0))
        if not checks:
            continue
        for (ei, ci), (kind, maxlen, mandatory) in checks.items():
            value = _g(el, ei, ci - 1)
            code = _element_code(value, kind, maxlen, mandatory)
            if code is None and value and (ei, ci) == (1, 2) and _g(el, 0) == "DTM":
                code = None if _valid_dtm(value, _g(el, 1, 2) or "102") else E.EDI_INVALID_VALUE
            if code:
                issue = _issue(msg, _g(el, 0), i)
                issue.elements.append(
                    E.EdiError(
                        "element",
                        code,
                        _ELEMENT_TEXT[code],
                        _g(el, 0),
                        set_position=i,
                        element=ei,
                        component=ci,
                        bad_value=value or None,
                    )
                )
    if not msg.segment_issues:
        reader = READERS.get(msg.message_type)
        if reader is not None:
            msg.data = reader(body)
            msg.data["message_ref"] = msg.reference
    msg.segment_issues.sort(key=lambda s: s.set_position)


_ELEMENT_TEXT = {
    E.EDI_MISSING: "mandatory data element missing",
    E.EDI_INVALID_VALUE: "invalid value",
    E.EDI_INVALID_CHAR_TYPE: "invalid type of characters",
    E.EDI_TOO_LONG: "data element too long",
    E.EDI_INVALID_DECIMAL: "invalid decimal notation",
}
_NUM = re.compile(r"-?(?:\d+(?:[.,]\d*)?|[.,]\d+)", re.ASCII)


def _element_code(value: str, kind: str, maxlen: int, mandatory: bool) -> str | None:
    if not value:
        return E.EDI_MISSING if mandatory else None
    if kind == "n":
        if not _NUM.fullmatch(value):
            return E.EDI_INVALID_CHAR_TYPE
        if sum(c.isdigit() for c in value) > maxlen:
            return E.EDI_TOO_LONG
        return None
    if len(value) > maxlen:
        return E.EDI_TOO_LONG
    return None


def _valid_dtm(value: str, fmt: str) -> bool:
    n = _DATE_FORMATS.get(fmt)
    if n is None:
        return True  # other formats (periods, weeks...) are passed through
    if len(value) != n or not (value.isascii() and value.isdigit()):
        return False
    try:
        _parse_dtm(value, fmt)
    except ValueError:
        return False
    return True


def _parse_dtm(value: str, fmt: str) -> date | datetime | str:
    if fmt == "102":
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    if fmt in ("203", "204"):
        sec = int(value[12:14]) if fmt == "204" else 0
        return datetime(
            int(value[:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[8:10]),
            int(value[10:12]),
            sec,
        )
    return value


def _num(value: str) -> float | None:
    return float(value.replace(",", ".")) if value else None


# --------------------------------------------------------------------------- messages
def _party(el: list[list[str]]) -> dict:
    return {
        "qualifier": _g(el, 1),
        "id": _g(el, 2),
        "id_agency": _g(el, 2, 2),
        "name": " ".join(c for c in (el[4] if len(el) > 4 else []) if c),
        "street": " ".join(c for c in (el[5] if len(el) > 5 else []) if c),
        "city": _g(el, 6),
        "postcode": _g(el, 8),
        "country": _g(el, 9),
    }


def _dtm(el: list[list[str]]) -> tuple[str, date | datetime | str]:
    return _g(el, 1), _parse_dtm(_g(el, 1, 1), _g(el, 1, 2) or "102")


def read_orders(body: list[list[list[str]]]) -> dict:  # noqa: PLR0912 - one branch per segment id
    """ORDERS -> ``{"message_ref", "doc_type", "order_ref", "function", "dates": {qual: date},
    "refs": {qual: ref}, "currency", "notes": [str], "parties": [{"qualifier", "id",
    "id_agency", "name", "street", "city", "postcode", "country"}], "lines": [{"line",
    "item_id", "item_id_type", "product_ids": {type: code}, "description", "qty", "uom",
    "qty_qualifier", "price", "price_qualifier", "dates", "refs"}]}``

    ``item_id_type`` ``EN``/``SRV`` means ``item_id`` is a GTIN; PIA ids are keyed
    by their type (``SA`` supplier's = ours, ``IN`` buyer's, ``BP`` ...).  Only QTY
    qualifier ``21`` (ordered) fills ``qty``.
    """
    doc: dict = {
        "doc_type": "",
        "order_ref": "",
        "function": "",
        "dates": {},
        "refs": {},
        "currency": "",
        "notes": [],
        "parties": [],
        "lines": [],
    }
    line: dict | None = None
    for el in body:
        tag = _g(el, 0)
        target = line if line is not None else doc
        if tag == "LIN":
            line = {
                "line": int(_g(el, 1)) if _g(el, 1).isdigit() else len(doc["lines"]) + 1,
                "item_id": _g(el, 3),
                "item_id_type": _g(el, 3, 1),
                "product_ids": {},
                "description": "",
                "qty": None,
                "uom": "",
                "qty_qualifier": "",
                "price": None,
                "price_qualifier": "",
                "dates": {},
                "refs": {},
            }
            doc["lines"].append(line)
        elif tag == "PIA" and line is not None:
            for comp in el[2:]:
                if comp and comp[0]:
                    line["product_ids"][comp[1] if len(comp) > 1 and comp[1] else "SA"] = comp[0]
        elif tag == "IMD" and line is not None:
            line["description"] = _g(el, 3, 3) or _g(el, 3, 0)
        elif tag == "QTY" and line is not None:
            if _g(el, 1) == "21" or line["qty"] is None:
                line["qty"], line["uom"], line["qty_qualifier"] = (
                    _num(_g(el, 1, 1)),
                    _g(el, 1, 2),
                    _g(el, 1),
                )
        elif tag == "PRI" and line is not None:
            if line["price"] is None or _g(el, 1) == "AAA":
                line["price"], line["price_qualifier"] = _num(_g(el, 1, 1)), _g(el, 1)
        elif tag == "DTM":
            q, v = _dtm(el)
            target["dates"][q] = v
        elif tag == "RFF":
            target["refs"][_g(el, 1)] = _g(el, 1, 1)
        elif tag == "BGM":
            doc["doc_type"], doc["order_ref"], doc["function"] = _g(el, 1), _g(el, 2), _g(el, 3)
        elif tag == "NAD" and line is None:
            doc["parties"].append(_party(el))
        elif tag == "CUX":
            doc["currency"] = _g(el, 1, 1)
        elif tag == "FTX" and line is None:
            doc["notes"].append(" ".join(c for c in (el[4] if len(el) > 4 else []) if c))
    return doc


def read_invrpt(body: list[list[list[str]]]) -> dict:
    """INVRPT -> ``{"message_ref", "doc_ref", "dates", "refs", "parties", "items": [{"line",
    "item_id", "item_id_type", "product_ids", "quantities": {qual: qty}, "uoms": {qual: uom},
    "locations": {qual: loc}, "lot", "dates"}]}``; QTY qualifiers such as ``145`` actual
    stock, ``11`` split quantity; lot from GIN+BX."""
    doc: dict = {"doc_ref": "", "dates": {}, "refs": {}, "parties": [], "items": []}
    item: dict | None = None
    for el in body:
        tag = _g(el, 0)
        if tag == "LIN":
            item = {
                "line": _g(el, 1),
                "item_id": _g(el, 3),
                "item_id_type": _g(el, 3, 1),
                "product_ids": {},
                "quantities": {},
                "uoms": {},
                "locations": {},
                "lot": "",
                "dates": {},
            }
            doc["items"].append(item)
        elif tag == "PIA" and item is not None:
            for comp in el[2:]:
                if comp and comp[0]:
                    item["product_ids"][comp[1] if len(comp) > 1 and comp[1] else "SA"] = comp[0]
        elif tag == "QTY" and item is not None:
            q = _g(el, 1)
            item["quantities"][q] = _num(_g(el, 1, 1))
            item["uoms"][q] = _g(el, 1, 2)
        elif tag == "LOC" and item is not None:
            item["locations"][_g(el, 1)] = _g(el, 2)
        elif tag == "GIN" and item is not None and _g(el, 1) == "BX":
            item["lot"] = _g(el, 2)
        elif tag == "DTM":
            q, v = _dtm(el)
            (item["dates"] if item is not None else doc["dates"])[q] = v
        elif tag == "RFF" and item is None:
            doc["refs"][_g(el, 1)] = _g(el, 1, 1)
        elif tag == "BGM":
            doc["doc_ref"] = _g(el, 2)
        elif tag == "NAD" and item is None:
            doc["parties"].append(_party(el))
    return doc


def read_desadv(body: list[list[list[str]]]) -> dict:  # noqa: PLR0912 - one branch per segment id
    """DESADV -> the dict :func:`write_desadv` takes (round trip)."""
    doc: dict = {
        "despatch_ref": "",
        "function": "",
        "dates": {},
        "refs": {},
        "parties": [],
        "packages": [],
    }
    pack: dict | None = None
    item: dict | None = None
    in_pci = ""
    for el in body:
        tag = _g(el, 0)
        if tag == "CPS":
            item = None
        elif tag == "PAC":
            pack = {"sscc": "", "package_type": _g(el, 3), "items": []}
            doc["packages"].append(pack)
            item = None
        elif tag == "PCI":
            in_pci = _g(el, 1)
        elif tag == "GIN":
            if _g(el, 1) == "BJ" and pack is not None and item is None:
                pack["sscc"] = _g(el, 2)
            elif _g(el, 1) == "BX" and item is not None:
                item["lot"] = _g(el, 2)
        elif tag == "LIN" and pack is not None:
            item = {
                "gtin": _g(el, 3),
                "product_ids": {},
                "qty": None,
                "uom": "",
                "lot": "",
                "expiry": None,
            }
            pack["items"].append(item)
            in_pci = ""
        elif tag == "PIA" and item is not None:
            for comp in el[2:]:
                if comp and comp[0]:
                    item["product_ids"][comp[1] if len(comp) > 1 and comp[1] else "SA"] = comp[0]
        elif tag == "QTY" and item is not None and _g(el, 1) == "12":
            item["qty"], item["uom"] = _num(_g(el, 1, 1)), _g(el, 1, 2)
        elif tag == "DTM":
            q, v = _dtm(el)
            if item is not None and in_pci and q == "361":
                item["expiry"] = v
            elif pack is None:
                doc["dates"][q] = v
        elif tag == "RFF" and pack is None:
            doc["refs"][_g(el, 1)] = _g(el, 1, 1)
        elif tag == "BGM":
            doc["despatch_ref"], doc["function"] = _g(el, 2), _g(el, 3)
        elif tag == "NAD":
            doc["parties"].append(_party(el))
    return doc


def read_contrl_message(body: list[list[list[str]]]) -> dict:
    from .acks import read_contrl

    return read_contrl(body)


READERS = {
    "ORDERS": read_orders,
    "INVRPT": read_invrpt,
    "DESADV": read_desadv,
    "CONTRL": read_contrl_message,
}


# --------------------------------------------------------------------------- writer
def _fmt_dtm(q: str, v: date | datetime | str) -> list[str]:
    if isinstance(v, datetime):
        return [q, v.strftime("%Y%m%d%H%M"), "203"]
    if isinstance(v, date):
        return [q, v.strftime("%Y%m%d"), "102"]
    return [q, str(v), "102"]


def _fmt_num(v: float | int | None, seps: EdifactSeparators) -> str:
    if v is None:
        return ""
    s = str(int(v)) if float(v).is_integer() else f"{float(v):.6f}".rstrip("0").rstrip(".")
    return s.replace(".", seps.decimal)


def _nad(p: dict) -> list:
    return [
        "NAD",
        p.get("qualifier") or "",
        [p.get("id") or "", "", p.get("id_agency") or ""],
        "",
        p.get("name") or "",
        p.get("street") or "",
        p.get("city") or "",
        "",
        p.get("postcode") or "",
        p.get("country") or "",
    ]


def write_desadv(doc: dict, seps: EdifactSeparators) -> list[list]:
    """Despatch advice (EANCOM-like D96A).

    ``{"despatch_ref", "function": "9", "dates": {"137": datetime, "11": date, ...},
    "refs": {"ON": order number}, "parties": [{"qualifier", "id", "id_agency", "name",
    "street", "city", "postcode", "country"}], "packages": [{"sscc", "package_type":
    "CT"|"201"..., "items": [{"gtin", "product_ids": {"SA": ...}, "qty", "uom", "lot",
    "expiry": date|None}]}]}``
    """
    out: list[list] = [["BGM", "351", doc["despatch_ref"], doc.get("function") or "9"]]
    out += [["DTM", _fmt_dtm(q, v)] for q, v in (doc.get("dates") or {}).items()]
    out += [["RFF", [q, v]] for q, v in (doc.get("refs") or {}).items()]
    out += [_nad(p) for p in doc.get("parties") or []]
    out.append(["CPS", "1"])
    n_cps = 1
    line = 0
    for pack in doc.get("packages") or []:
        n_cps += 1
        out.append(["CPS", str(n_cps), "1"])
        out.append(["PAC", "1", "", pack.get("package_type") or "CT"])
        if pack.get("sscc"):
            out.append(["PCI", "33E"])
            out.append(["GIN", "BJ", pack["sscc"]])
        for it in pack.get("items") or []:
            line += 1
            out.append(["LIN", str(line), "", [it.get("gtin") or "", "SRV"]])
            ids = it.get("product_ids") or {}
            if ids:
                out.append(["PIA", "1", *[[v, q] for q, v in ids.items()]])
            out.append(["QTY", ["12", _fmt_num(it["qty"], seps), it.get("uom") or ""]])
            if it.get("lot") or it.get("expiry"):
                out.append(["PCI", "10"])
                if it.get("expiry"):
                    out.append(["DTM", _fmt_dtm("361", it["expiry"])])
                if it.get("lot"):
                    out.append(["GIN", "BX", it["lot"]])
    out.append(["CNT", ["2", str(line)]])
    return out


def write_orders(doc: dict, seps: EdifactSeparators) -> list[list]:
    """ORDERS from the dict :func:`read_orders` returns (used by tests and partner simulators)."""
    out: list[list] = [
        ["BGM", doc.get("doc_type") or "220", doc["order_ref"], doc.get("function") or "9"]
    ]
    out += [["DTM", _fmt_dtm(q, v)] for q, v in (doc.get("dates") or {}).items()]
    out += [["FTX", "ZZZ", "", "", n] for n in doc.get("notes") or []]
    out += [["RFF", [q, v]] for q, v in (doc.get("refs") or {}).items()]
    out += [_nad(p) for p in doc.get("parties") or []]
    if doc.get("currency"):
        out.append(["CUX", ["2", doc["currency"], "9"]])
    for i, ln in enumerate(doc.get("lines") or [], start=1):
        out.append(
            [
                "LIN",
                str(ln.get("line") or i),
                "",
                [ln.get("item_id") or "", ln.get("item_id_type") or ""],
            ]
        )
        ids = ln.get("product_ids") or {}
        if ids:
            out.append(["PIA", "5", *[[v, q] for q, v in ids.items()]])
        if ln.get("description"):
            out.append(["IMD", "F", "", ["", "", "", ln["description"]]])
        out.append(
            [
                "QTY",
                [ln.get("qty_qualifier") or "21", _fmt_num(ln["qty"], seps), ln.get("uom") or ""],
            ]
        )
        out += [["DTM", _fmt_dtm(q, v)] for q, v in (ln.get("dates") or {}).items()]
        if ln.get("price") is not None:
            out.append(["PRI", [ln.get("price_qualifier") or "AAA", _fmt_num(ln["price"], seps)]])
        out += [["RFF", [q, v]] for q, v in (ln.get("refs") or {}).items()]
    out.append(["UNS", "S"])
    out.append(["CNT", ["2", str(len(doc.get("lines") or []))]])
    return out


def write_invrpt(doc: dict, seps: EdifactSeparators) -> list[list]:
    """INVRPT from the dict :func:`read_invrpt` returns (used by tests and 3PL simulators)."""
    out: list[list] = [["BGM", "35", doc["doc_ref"], "9"]]
    out += [["DTM", _fmt_dtm(q, v)] for q, v in (doc.get("dates") or {}).items()]
    out += [["RFF", [q, v]] for q, v in (doc.get("refs") or {}).items()]
    out += [_nad(p) for p in doc.get("parties") or []]
    for i, it in enumerate(doc.get("items") or [], start=1):
        out.append(
            [
                "LIN",
                str(it.get("line") or i),
                "",
                [it.get("item_id") or "", it.get("item_id_type") or ""],
            ]
        )
        ids = it.get("product_ids") or {}
        if ids:
            out.append(["PIA", "5", *[[v, q] for q, v in ids.items()]])
        out += [["DTM", _fmt_dtm(q, v)] for q, v in (it.get("dates") or {}).items()]
        uoms = it.get("uoms") or {}
        first = True
        for q, v in (it.get("quantities") or {}).items():
            out.append(["QTY", [q, _fmt_num(v, seps), uoms.get(q, "")]])
            if first:
                out += [["LOC", lq, lv] for lq, lv in (it.get("locations") or {}).items()]
                if it.get("lot"):
                    out.append(["GIN", "BX", it["lot"]])
                first = False
    return out


def write_contrl(doc: dict, seps: EdifactSeparators) -> list[list]:
    from .acks import contrl_segments

    return contrl_segments(doc)


WRITERS = {
    "DESADV": write_desadv,
    "ORDERS": write_orders,
    "INVRPT": write_invrpt,
    "CONTRL": write_contrl,
}
MESSAGE_IDS = {
    "DESADV": ["DESADV", "D", "96A", "UN", "EAN005"],
    "ORDERS": ["ORDERS", "D", "96A", "UN", "EAN008"],
    "INVRPT": ["INVRPT", "D", "96A", "UN", "EAN008"],
    "CONTRL": ["CONTRL", "4", "1", "UN"],
}


@dataclass(slots=True)
class EdifactEnvelope:
    sender_id: str
    recipient_id: str
    sender_qualifier: str = "14"  # 14 = GS1 (EAN) GLN
    recipient_qualifier: str = "14"
    syntax_id: str = "UNOC"
    syntax_version: str = "3"
    separators: EdifactSeparators = field(default_factory=EdifactSeparators)
    write_una: bool = True
    test: bool = False
    ack_requested: bool = False


def render(segments: Iterable[list], seps: EdifactSeparators) -> str:
    out = []
    end = seps.segment + seps.suffix
    for s in segments:
        elements = []
        for e in s:
            if isinstance(e, list):
                comps = [escape(str(c), seps) for c in e]
                while comps and comps[-1] == "":
                    comps.pop()
                elements.append(seps.component.join(comps))
            else:
                elements.append(escape(str(e), seps))
        while len(elements) > 1 and elements[-1] == "":
            elements.pop()
        out.append(seps.element.join(elements) + end)
    return "".join(out)


def write_interchange(
    env: EdifactEnvelope,
    messages: Iterable[tuple[str, dict]],
    *,
    control_ref: str,
    when: datetime | None = None,
    first_message_ref: int = 1,
) -> str:
    """UNA? UNB (UNH ... UNT)* UNZ with counts and references."""
    seps = env.separators
    if seps.problem():
        raise ValueError("unusable EDIFACT separators")
    when = when or datetime.now()
    d = when.strftime("%Y%m%d" if env.syntax_version == "4" else "%y%m%d")
    segs: list[list] = [
        [
            "UNB",
            [env.syntax_id, env.syntax_version],
            [env.sender_id, env.sender_qualifier],
            [env.recipient_id, env.recipient_qualifier],
            [d, when.strftime("%H%M")],
            control_ref,
            "",
            "",
            "",
            "1" if env.ack_requested else "",
            "",
            "1" if env.test else "",
        ]
    ]
    n = 0
    for n, (mtype, doc) in enumerate(messages, start=1):
        ref = str(first_message_ref + n - 1)
        body = WRITERS[mtype](doc, seps)
        mid = MESSAGE_IDS[mtype]
        if mtype == "CONTRL" and env.syntax_version != "4":
            mid = ["CONTRL", "2", "2", "UN"]
        segs.append(["UNH", ref, mid])
        segs.extend(body)
        segs.append(["UNT", str(len(body) + 2), ref])
    segs.append(["UNZ", str(n), control_ref])
    head = seps.una + seps.suffix if env.write_una else ""
    return head + render(segs, seps)


def message_payload(result: EdifactResult, message: EdifactMessage) -> str:
    """A self-contained interchange holding only ``message``: the received UNA
    separators, UNB, the message's own segments and UNZ+1.

    Each message of an interchange is then read and reprocessed alone, in time
    proportional to its own size (not to the whole interchange's)."""
    info = result.interchange
    if info is None or not message.raw:
        raise ValueError("message without interchange or text")
    seps = info.separators
    end = seps.segment + seps.suffix
    unz = seps.element.join(["UNZ", "1", escape(info.control_ref, seps)])
    return f"{seps.una}{seps.suffix}{info.unb_raw}{end}{message.raw}{unz}{end}"


def process_interchange(
    raw: bytes | str,
    *,
    control_ref: str = "1",
    when: datetime | None = None,
) -> EdifactResult:
    """Read, validate, map and answer with a CONTRL (``result.contrl``).

    The CONTRL goes back with the sender and recipient swapped, our
    ``control_ref`` and the received separators.  It is not built for an
    interchange that only carries CONTRL messages, nor when UNB is unreadable.
    """
    from .acks import build_contrl

    result = read_interchange(raw)
    info = result.interchange
    if info is None:
        return result
    if result.messages and all(m.message_type == "CONTRL" for m in result.messages):
        return result
    doc = build_contrl(result)
    if doc is None:
        return result
    result.contrl_data = doc
    seps = info.separators if info.separators.problem() is None else EdifactSeparators()
    syntax_id = info.syntax_id if info.syntax_id in SYNTAX_IDS else "UNOC"
    env = EdifactEnvelope(
        info.recipient_id[:35] or "UNKNOWN",
        info.sender_id[:35] or "UNKNOWN",
        info.recipient_qualifier[:4],
        info.sender_qualifier[:4],
        syntax_id,
        info.syntax_version if info.syntax_version in "1234" and info.syntax_version else "3",
        seps,
    )
    if syntax_id == "UNOA":
        doc = _upper(doc)
    result.contrl = write_interchange(env, [("CONTRL", doc)], control_ref=control_ref, when=when)
    return result


def _upper(obj):
    if isinstance(obj, str):
        return "".join(c if c in UNOA_CHARS else "?" for c in obj.upper())
    if isinstance(obj, list):
        return [_upper(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _upper(v) for k, v in obj.items()}
    return obj
