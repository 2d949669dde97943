"""X12 interchange reader and writer (004010 and 005010).

Reading
-------
:class:`X12Reader` takes the raw interchange (``bytes`` or ``str``), reads the
separators from the ISA header and yields one :class:`TransactionSet` at a time
(``for ts in reader``): a set in error never stops the following ones.  While
iterating it fills ``reader.interchange`` (:class:`InterchangeInfo`),
``reader.groups`` (:class:`GroupInfo`) and ``reader.errors`` (interchange-level
errors, TA105 codes).  Nothing raises on bad input.

:func:`process_interchange` does it all at once and also builds the
acknowledgment to send back (997 for 004010 groups, 999 for 005010, with a TA1
when the interchange asks for one or has envelope errors).

Writing
-------
:func:`write_interchange` builds a complete interchange (ISA/GS/ST ... SE/GE/IEA,
counts and control numbers) from ``(set_id, dict)`` documents, grouped by
functional identifier, with any separators.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from . import errors as E
from .x12_schema import (
    FUNCTIONAL_IDS,
    SEGMENTS,
    SETS,
    check_structure,
    diagnose_elements,
    has_control,
    set_regex,
)
from .x12_sets import READERS, WRITERS, read_ack, write_ack

ISA_LENGTH = 106
VERSIONS = {"00401": "004010", "00501": "005010"}
_ACK_SETS = ("997", "999")


@dataclass(frozen=True, slots=True)
class Separators:
    element: str = "*"
    component: str = ">"
    repetition: str = "^"  # ignored (ISA11 = "U") for 00401
    segment: str = "~"
    suffix: str = ""  # written after each terminator, e.g. "\r\n"

    def problem(self) -> str | None:
        """TA105 code when these separators cannot be used, else None."""
        chars = [self.element, self.component, self.segment] + (
            [self.repetition] if self.repetition else []
        )
        if any(len(c) != 1 for c in chars):
            return E.TA1_INVALID_CONTROL_STRUCTURE
        if self.segment.isalnum() or self.segment == " ":
            return E.TA1_INVALID_SEGMENT_TERMINATOR
        if self.element.isalnum() or self.element in (" ", self.segment):
            return E.TA1_INVALID_ELEMENT_SEPARATOR
        if self.component.isalnum() or self.component in (" ", self.element, self.segment):
            return E.TA1_INVALID_COMPONENT_SEPARATOR
        if self.repetition and (
            self.repetition.isalnum()
            or self.repetition in (" ", self.element, self.segment, self.component)
        ):
            return E.TA1_INVALID_STANDARDS_ID
        return None


@dataclass(slots=True)
class InterchangeInfo:
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: str  # YYMMDD as sent
    time: str  # HHMM
    control_number: str  # ISA13, 9 digits
    version: str  # ISA12: 00401 / 00501
    ack_requested: bool
    usage: str  # P production, T test
    separators: Separators
    declared_groups: int | None = None  # IEA01


@dataclass(slots=True)
class GroupInfo:
    functional_id: str
    sender: str
    receiver: str
    date: str
    time: str
    control_number: str
    version: str  # GS08, e.g. 004010 / 005010X...
    segment_index: int
    declared_sets: int | None = None  # GE01
    errors: list[E.EdiError] = field(default_factory=list)
    sets: list[SetStatus] = field(default_factory=list)
    implicit: bool = False  # sets met outside any GS/GE
    control_numbers: set[str] = field(default_factory=set, repr=False)

    @property
    def accepted(self) -> bool:
        return not self.errors and all(s.accepted for s in self.sets)


@dataclass(slots=True)
class SetStatus:
    """What the group (and its acknowledgment) keeps of a set: no data, so that
    streaming a large interchange does not keep every mapped set alive."""

    set_id: str
    control_number: str
    implementation_ref: str
    segment_index: int
    errors: list[E.EdiError]
    segment_issues: list[E.SegmentIssue]

    @property
    def accepted(self) -> bool:
        return not self.errors and not self.segment_issues

    @property
    def error_codes(self) -> list[str]:
        """AK502.. codes (``"5"`` added when segments are in error)."""
        codes = list(dict.fromkeys(e.code for e in self.errors))
        if self.segment_issues and E.SET_SEGMENTS_IN_ERROR not in codes:
            codes.append(E.SET_SEGMENTS_IN_ERROR)
        return codes


@dataclass(slots=True)
class TransactionSet:
    set_id: str
    control_number: str
    implementation_ref: str
    segment_index: int  # position of ST in the interchange (ISA = 1)
    raw: str  # ST ... SE as received (separators of the interchange)
    data: dict | None = None
    errors: list[E.EdiError] = field(default_factory=list)  # AK5/IK5 level
    segment_issues: list[E.SegmentIssue] = field(default_factory=list)  # AK3/IK3 + AK4/IK4
    group: GroupInfo | None = None
    _status: SetStatus | None = field(default=None, repr=False, compare=False)

    @property
    def accepted(self) -> bool:
        return not self.errors and not self.segment_issues

    @property
    def error_codes(self) -> list[str]:
        """AK502.. codes (``"5"`` added when segments are in error)."""
        return self.status.error_codes

    @property
    def status(self) -> SetStatus:
        """Shares the error lists: later additions show in both."""
        st = self._status
        if st is None:
            st = self._status = SetStatus(
                self.set_id,
                self.control_number,
                self.implementation_ref,
                self.segment_index,
                self.errors,
                self.segment_issues,
            )
        return st

    def describe(self) -> str:
        """One line per problem, for an exchange's error text."""
        lines = [f"{e.code}: {e.message}" for e in self.errors]
        for si in self.segment_issues:
            text = E.X12_SEGMENT_CODE_TEXT.get(si.code, si.code)
            lines.append(f"segment {si.segment_id} at {si.set_position} ({text})")
            lines += [
                f"  element {x.element}{'.' + str(x.component) if x.component else ''}: {x.message}"
                + (f" [{x.bad_value}]" if x.bad_value else "")
                for x in si.elements
            ]
        return "\n".join(lines)


def _decode(raw: bytes | bytearray | memoryview | str) -> str:
    if isinstance(raw, str):
        return raw
    data = bytes(raw)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _ierr(
    code: str, message: str, index: int | None = None, seg_id: str | None = None
) -> E.EdiError:
    return E.EdiError("interchange", code, message, segment_id=seg_id, segment_index=index)


class X12Reader:
    """Streaming reader of one interchange; iterate it for the transaction sets."""

    def __init__(self, raw: bytes | str, *, map_sets: bool = True) -> None:
        self.map_sets = map_sets
        self.interchange: InterchangeInfo | None = None
        self.groups: list[GroupInfo] = []
        self.errors: list[E.EdiError] = []
        self.fatal = False  # True when the content could not be processed at all
        self.ta1: list[list[str]] = []  # TA1 segments received (answers to our interchanges)
        self._text = _decode(raw)

    # ------------------------------------------------------------------ header
    def _read_isa(self) -> tuple[str, int] | None:  # noqa: PLR0911 - one return per ISA check
        text = self._text.lstrip("\ufeff\r\n\t ")
        self._text = text
        if not text.startswith("ISA"):
            self._fatal(E.TA1_INVALID_CONTROL_STRUCTURE, "interchange does not start with ISA")
            return None
        if len(text) < ISA_LENGTH:
            self._fatal(E.TA1_PREMATURE_END, "interchange shorter than an ISA segment")
            return None
        es = text[3]
        pos = 3
        for _ in range(15):
            pos = text.find(es, pos + 1)
            if pos < 0 or pos > 200:
                self._fatal(E.TA1_INVALID_ELEMENT_SEPARATOR, "ISA does not have 16 elements")
                return None
        if pos + 2 >= len(text):
            self._fatal(E.TA1_PREMATURE_END, "interchange ends inside ISA")
            return None
        cs, term = text[pos + 1], text[pos + 2]
        isa = text[: pos + 2].split(es)
        version = isa[12]
        rs = isa[11] if version >= "00402" and len(isa[11]) == 1 and not isa[11].isalnum() else ""
        seps = Separators(es, cs, rs, term)
        info = InterchangeInfo(
            isa[5],
            isa[6].strip(),
            isa[7],
            isa[8].strip(),
            isa[9],
            isa[10],
            isa[13],
            version,
            isa[14] == "1",
            isa[15],
            seps,
        )
        self.interchange = info
        problem = seps.problem()
        if problem:
            self._fatal(problem, f"unusable separators {es!r} {cs!r} {rs!r} {term!r}")
            return None
        checks = (
            (isa[1] in ("00", "03"), E.TA1_INVALID_AUTH_QUALIFIER, "ISA01"),
            (len(isa[2]) == 10 and not has_control(isa[2]), E.TA1_INVALID_AUTH_VALUE, "ISA02"),
            (isa[3] in ("00", "01"), E.TA1_INVALID_SECURITY_QUALIFIER, "ISA03"),
            (len(isa[4]) == 10 and not has_control(isa[4]), E.TA1_INVALID_SECURITY_VALUE, "ISA04"),
            (
                len(isa[5]) == 2 and isa[5].strip().isalnum(),
                E.TA1_INVALID_SENDER_QUALIFIER,
                "ISA05",
            ),
            (
                len(isa[6]) == 15 and bool(isa[6].strip()) and not has_control(isa[6]),
                E.TA1_INVALID_SENDER_ID,
                "ISA06",
            ),
            (
                len(isa[7]) == 2 and isa[7].strip().isalnum(),
                E.TA1_INVALID_RECEIVER_QUALIFIER,
                "ISA07",
            ),
            (
                len(isa[8]) == 15 and bool(isa[8].strip()) and not has_control(isa[8]),
                E.TA1_INVALID_RECEIVER_ID,
                "ISA08",
            ),
            (_valid_yymmdd(isa[9]), E.TA1_INVALID_DATE, "ISA09"),
            (_valid_hhmm(isa[10]), E.TA1_INVALID_TIME, "ISA10"),
            (version in VERSIONS, E.TA1_VERSION_NOT_SUPPORTED, "ISA12"),
            (version >= "00402" or isa[11] == "U", E.TA1_INVALID_STANDARDS_ID, "ISA11"),
            (version < "00402" or bool(rs), E.TA1_INVALID_STANDARDS_ID, "ISA11"),
            (
                len(isa[13]) == 9 and isa[13].isascii() and isa[13].isdigit(),
                E.TA1_INVALID_CONTROL_NUMBER,
                "ISA13",
            ),
            (isa[14] in ("0", "1"), E.TA1_INVALID_ACK_REQUESTED, "ISA14"),
            (isa[15] in ("P", "T", "I"), E.TA1_INVALID_TEST_INDICATOR, "ISA15"),
        )
        for ok, code, name in checks:
            if not ok:
                self._fatal(code, f"invalid {name} value")
                return None
        if pos != ISA_LENGTH - 3:
            # Fixed width violated but the separators are readable: note it, go on.
            self.errors.append(
                _ierr(E.TA1_INVALID_CONTROL_STRUCTURE, "ISA is not 106 characters", 1, "ISA")
            )
        return term, pos + 3

    def _fatal(self, code: str, message: str) -> None:
        self.fatal = True
        self.errors.append(_ierr(code, message, 1, "ISA"))

    # ------------------------------------------------------------------ body
    def __iter__(self) -> Iterator[TransactionSet]:  # noqa: PLR0912, PLR0915 - state machine / checks kept in one place
        try:
            head = self._read_isa()
        except (ValueError, IndexError) as exc:  # defensive: ISA slicing on odd input
            self._fatal(E.TA1_INVALID_CONTROL_STRUCTURE, f"unreadable ISA: {exc}")
            head = None
        if head is None:
            return
        term, start = head
        info = self.interchange
        assert info is not None
        seps = info.separators
        es = seps.element
        scan = self._text[start - 1 :]  # from the terminator of ISA on (no 20 MB copy)
        # Line breaks are tolerated only right after a segment terminator (files
        # written one segment a line); anywhere else they are data, and refused
        # by the element validation as control characters.
        if term not in "\r\n":
            if "\r" in scan or "\n" in scan:
                # the usual line ends first (str.replace is far faster than a regex
                # on megabytes), then whatever run of them is left
                scan = scan.replace(term + "\r\n", term).replace(term + "\n", term)
                scan = scan.replace(term + "\r", term)
                if "\r" in scan or "\n" in scan:
                    scan = re.sub(f"{re.escape(term)}[\r\n]+", lambda _m: term, scan)
        elif term == "\n":
            scan = scan.replace("\r\n", "\n")
        else:
            scan = scan.replace("\r\n", "\r")
        t = re.escape(term)
        ctrl = re.compile(f"{t}(ISA|IEA|GS|GE|ST|SE)(?={re.escape(es)}|{t}|$)([^{t}]*)")
        group: GroupInfo | None = None
        st: tuple[re.Match[str], int] | None = None  # open ST and its segment index
        prev_end = 0
        seg_index = 1  # ISA
        ended = False
        for m in ctrl.finditer(scan):
            gap = scan.count(term, prev_end, m.start())
            if st is None and gap:
                outside = scan[prev_end + 1 : m.start()].split(term)
                if not self.groups and all(x.startswith("TA1" + es) for x in outside):
                    self.ta1.extend(x.split(es) for x in outside)  # TA1 may precede the groups
                else:
                    self.errors.append(
                        _ierr(
                            E.TA1_INVALID_CONTENT,
                            f"{gap} segment(s) outside a transaction set",
                            seg_index + 1,
                        )
                    )
            seg_index += gap + 1
            prev_end = m.end()
            tag = m.group(1)
            if tag == "SE":
                if st is None:
                    self.errors.append(
                        _ierr(E.TA1_INVALID_CONTENT, "SE without ST", seg_index, "SE")
                    )
                    continue
                yield self._close_set(scan, st, m, group=group, term=term)
                st = None
                continue
            if st is not None:  # any other control segment closes an open set
                yield self._close_set(scan, st, None, group=group, term=term, end=m.start())
                st = None
            if tag == "ST":
                if group is None:
                    self.errors.append(
                        _ierr(
                            E.TA1_INVALID_CONTENT,
                            "transaction set outside a functional group",
                            seg_index,
                            "ST",
                        )
                    )
                    group = GroupInfo("", "", "", "", "", "", "", seg_index, implicit=True)
                    self.groups.append(group)
                st = (m, seg_index)
            elif tag == "GS":
                if group is not None and not group.implicit:
                    self._close_group(group, None, seg_index)
                group = self._open_group(m.group(2).split(es), seg_index)
            elif tag == "GE":
                if group is None or group.implicit:
                    self.errors.append(
                        _ierr(E.TA1_INVALID_CONTENT, "GE without GS", seg_index, "GE")
                    )
                else:
                    self._close_group(group, m.group(2).split(es), seg_index)
                group = None
            elif tag == "IEA":
                if group is not None and not group.implicit:
                    self._close_group(group, None, seg_index)
                group = None
                self._close_interchange(m.group(2).split(es), seg_index)
                rest = scan[m.end() :].strip(term + " \r\n\t\x00\x1a")
                if rest:
                    self.errors.append(
                        _ierr(E.TA1_INVALID_CONTENT, "data after IEA", seg_index + 1)
                    )
                ended = True
                break
            elif tag == "ISA":
                self.errors.append(
                    _ierr(
                        E.TA1_INVALID_CONTROL_STRUCTURE,
                        "ISA inside an interchange",
                        seg_index,
                        "ISA",
                    )
                )
        if ended:
            return
        if st is not None:
            end = len(scan.rstrip(term))
            yield self._close_set(scan, st, None, group=group, term=term, end=end)
        if group is not None and not group.implicit:
            self._close_group(group, None, seg_index)
        self.errors.append(
            _ierr(E.TA1_PREMATURE_END, "IEA missing (truncated interchange)", seg_index, "IEA")
        )

    def _open_group(self, gs: list[str], index: int) -> GroupInfo:
        gs += [""] * (9 - len(gs))
        g = GroupInfo(gs[1], gs[2], gs[3], gs[4], gs[5], gs[6], gs[8], index)
        self.groups.append(g)
        if not (gs[6].isascii() and gs[6].isdigit() and len(gs[6]) <= 9):
            g.errors.append(
                self._gerr(E.GROUP_CONTROL_NUMBER_SYNTAX, "invalid GS06 control number", index)
            )
        if gs[1] not in FUNCTIONAL_IDS.values():
            g.errors.append(
                self._gerr(
                    E.GROUP_NOT_SUPPORTED, f"functional group {gs[1]!r} not supported", index
                )
            )
        elif gs[8][:6] not in VERSIONS.values():
            g.errors.append(
                self._gerr(E.GROUP_VERSION_NOT_SUPPORTED, f"version {gs[8]!r} not supported", index)
            )
        problem = gs_problem(gs)
        if problem:
            # TA105 024 "invalid interchange content (e.g. invalid GS segment)"
            self.errors.append(_ierr(E.TA1_INVALID_CONTENT, problem, index, "GS"))
        if any(
            o is not g and not o.implicit and o.control_number == g.control_number
            for o in self.groups
        ):
            g.errors.append(
                self._gerr(
                    E.GROUP_CONTROL_NUMBER_NOT_UNIQUE, "duplicate GS06 in interchange", index
                )
            )
        return g

    @staticmethod
    def _gerr(code: str, message: str, index: int) -> E.EdiError:
        return E.EdiError("group", code, message, segment_index=index)

    def _close_group(self, g: GroupInfo, ge: list[str] | None, index: int) -> None:
        if ge is None:
            g.errors.append(self._gerr(E.GROUP_TRAILER_MISSING, "GE missing", index))
            return
        ge += ["", ""]
        if ge[2] != g.control_number:
            g.errors.append(
                self._gerr(
                    E.GROUP_CONTROL_NUMBER_MISMATCH,
                    f"GE02 {ge[2]!r} != GS06 {g.control_number!r}",
                    index,
                )
            )
        try:
            declared = int(ge[1])
        except ValueError:
            declared = None
        g.declared_sets = declared
        if declared != len(g.sets):
            g.errors.append(
                self._gerr(
                    E.GROUP_COUNT_MISMATCH, f"GE01 {ge[1]!r} but {len(g.sets)} set(s)", index
                )
            )

    def _close_interchange(self, iea: list[str], index: int) -> None:
        info = self.interchange
        assert info is not None
        iea += ["", ""]
        if iea[2] != info.control_number:
            self.errors.append(
                _ierr(E.TA1_CONTROL_NUMBER_MISMATCH, f"IEA02 {iea[2]!r} != ISA13", index, "IEA")
            )
        groups = sum(1 for g in self.groups if not g.implicit)
        try:
            info.declared_groups = int(iea[1])
        except ValueError:
            info.declared_groups = None
        if info.declared_groups != groups:
            self.errors.append(
                _ierr(
                    E.TA1_INVALID_GROUP_COUNT,
                    f"IEA01 {iea[1]!r} but {groups} group(s)",
                    index,
                    "IEA",
                )
            )

    # ------------------------------------------------------------------ sets
    def _close_set(
        self,
        scan: str,
        st: tuple[re.Match[str], int],
        se: re.Match[str] | None,
        *,
        group: GroupInfo | None,
        term: str,
        end: int | None = None,
    ) -> TransactionSet:
        stm, st_index = st
        seps = self.interchange.separators  # type: ignore[union-attr]
        es = seps.element
        st_el = [*stm.group(2).split(es), "", "", ""]
        body_start = stm.end() + 1
        body_end = se.start() + 1 if se is not None else (end or body_start) + 1
        body = scan[body_start:body_end] if body_end > body_start else ""
        if body and not body.endswith(term):
            body += term
        raw_end = se.end() if se is not None else body_end - 1
        ts = TransactionSet(
            st_el[1], st_el[2], st_el[3], st_index, scan[stm.start() + 1 : raw_end + 1], group=group
        )
        if group is not None:
            if ts.control_number in group.control_numbers:
                ts.errors.append(
                    self._serr(
                        E.SET_CONTROL_NUMBER_NOT_UNIQUE, "ST02 not unique in group", st_index
                    )
                )
            group.control_numbers.add(ts.control_number)
            group.sets.append(ts.status)
        try:
            self._check_set(ts, st_el, se, body=body, term=term, seps=seps)
        except (ValueError, IndexError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            # Mapping a set the validator let through must not stop the interchange.
            ts.data = None
            ts.errors.append(
                self._serr(E.SET_SEGMENTS_IN_ERROR, f"set could not be mapped: {exc!r}", st_index)
            )
        return ts

    @staticmethod
    def _serr(code: str, message: str, index: int) -> E.EdiError:
        return E.EdiError("set", code, message, segment_index=index, set_position=1)

    def _check_set(  # noqa: PLR0912 - state machine / checks kept in one place
        self,
        ts: TransactionSet,
        st_el: list[str],
        se: re.Match[str] | None,
        *,
        body: str,
        term: str,
        seps: Separators,
    ) -> None:
        es = seps.element
        idx = ts.segment_index
        count = body.count(term) + 2
        if not (len(st_el[1]) == 3 and st_el[1].isdigit()):
            ts.errors.append(
                self._serr(E.SET_INVALID_IDENTIFIER, f"invalid ST01 {st_el[1]!r}", idx)
            )
        if len(st_el[3]) > 35 or has_control(st_el[3]) or (len(st_el) > 4 and any(st_el[4:])):
            ts.errors.append(self._serr(E.SET_SEGMENTS_IN_ERROR, f"invalid ST03 {st_el[3]!r}", idx))
        if not (4 <= len(ts.control_number) <= 9) or has_control(ts.control_number):
            ts.errors.append(
                self._serr(E.SET_INVALID_CONTROL_NUMBER, f"invalid ST02 {ts.control_number!r}", idx)
            )
        if se is None:
            ts.errors.append(self._serr(E.SET_TRAILER_MISSING, "SE missing", idx))
        else:
            se_el = [*se.group(2).split(es), "", ""]
            if se_el[2] != ts.control_number:
                ts.errors.append(
                    self._serr(
                        E.SET_CONTROL_NUMBER_MISMATCH,
                        f"SE02 {se_el[2]!r} != ST02 {ts.control_number!r}",
                        idx,
                    )
                )
            if se_el[1] != str(count):
                ts.errors.append(
                    self._serr(
                        E.SET_SEGMENT_COUNT_MISMATCH, f"SE01 {se_el[1]!r} but {count} segments", idx
                    )
                )
        group = ts.group
        if group is not None and any(
            e.code in (E.GROUP_NOT_SUPPORTED, E.GROUP_VERSION_NOT_SUPPORTED) for e in group.errors
        ):
            ts.errors.append(self._serr(E.SET_NOT_SUPPORTED, "functional group not supported", idx))
        elif group is not None and not group.implicit:
            expected_fid = FUNCTIONAL_IDS.get(ts.set_id)
            if expected_fid and group.functional_id != expected_fid:
                ts.errors.append(
                    self._serr(
                        E.SET_NOT_SUPPORTED,
                        f"{ts.set_id} not allowed in group {group.functional_id}",
                        idx,
                    )
                )
        if ts.set_id not in SETS:
            if not ts.errors or ts.errors[-1].code != E.SET_INVALID_IDENTIFIER:
                ts.errors.append(
                    self._serr(
                        E.SET_NOT_SUPPORTED, f"transaction set {ts.set_id!r} not supported", idx
                    )
                )
            return
        rx = set_regex(ts.set_id, es, seps.repetition, seps.component, term)
        valid = rx.fullmatch(body) is not None if body else False
        if valid and not self.map_sets:
            return  # nothing to diagnose, nothing to map
        segments = [s.split(es) for s in body[:-1].split(term)] if body else []
        if not valid:
            self._diagnose(ts, segments, seps, term)
        if self.map_sets:
            if ts.set_id in _ACK_SETS:
                ts.data = read_ack(segments, seps.component)
            else:
                ts.data = READERS[ts.set_id](segments)

    def _diagnose(
        self, ts: TransactionSet, segments: list[list[str]], seps: Separators, term: str
    ) -> None:
        issues: dict[int, E.SegmentIssue] = {}
        missing: list[E.SegmentIssue] = []
        base = ts.segment_index
        for i, el in enumerate(segments):
            tag = el[0]
            if tag in SEGMENTS:
                errs = diagnose_elements(
                    tag, el, seps.element, seps.repetition, seps.component, term
                )
                if errs:
                    for x in errs:
                        x.segment_index, x.set_position = base + 1 + i, i + 2
                    issues[i] = E.SegmentIssue(
                        tag, i + 2, E.SEG_HAS_ELEMENT_ERRORS, "", errs, base + 1 + i
                    )
        tags = [el[0] for el in segments]
        for i, tag, code, loop_id in check_structure(ts.set_id, tags):
            if code == E.SEG_MANDATORY_MISSING:
                missing.append(E.SegmentIssue(tag, i + 2, code, loop_id, [], base + 1 + i))
            elif i in issues:
                # A misplaced segment is reported as such (one IK304 per IK3);
                # its element detail would not mean anything.
                issues[i].code = code
                issues[i].loop_id = loop_id
                issues[i].elements = []
            else:
                issues[i] = E.SegmentIssue(tag[:3] or "?", i + 2, code, loop_id, [], base + 1 + i)
        all_issues = list(issues.values()) + missing
        all_issues.sort(key=lambda s: (s.set_position, s.code != E.SEG_MANDATORY_MISSING))
        ts.segment_issues.extend(all_issues)


def gs_problem(gs: list[str]) -> str | None:  # noqa: PLR0911 - one verdict per element
    """Why a GS segment (split, padded to 9) is invalid, or None.

    GS01 and GS06 have their own AK905 codes (checked by the reader); here the
    other elements: GS02/GS03 AN 2/15, GS04 date CCYYMMDD, GS05 time HHMM[SS[d..]],
    GS07 responsible agency X or T, GS08 AN 1/12; no control characters anywhere.
    """
    from .x12_schema import valid_date, valid_time

    if len(gs) > 9 and any(gs[9:]):
        return "GS has more than 8 elements"
    for i in (2, 3):
        if not (2 <= len(gs[i]) <= 15) or has_control(gs[i]):
            return f"invalid GS0{i} application code {gs[i]!r}"
    if len(gs[4]) != 8 or not valid_date(gs[4]):
        return f"invalid GS04 date {gs[4]!r}"
    if not (4 <= len(gs[5]) <= 8) or not valid_time(gs[5]):
        return f"invalid GS05 time {gs[5]!r}"
    if gs[7] not in ("X", "T"):
        return f"invalid GS07 responsible agency {gs[7]!r} (X or T)"
    if not (1 <= len(gs[8]) <= 12) or has_control(gs[8]):
        return f"invalid GS08 version {gs[8]!r}"
    return None


def _valid_yymmdd(v: str) -> bool:
    from .x12_schema import valid_date

    return len(v) == 6 and valid_date(v)


def _valid_hhmm(v: str) -> bool:
    return len(v) == 4 and v.isascii() and v.isdigit() and int(v[:2]) < 24 and int(v[2:]) < 60


# =========================================================================== writer
@dataclass(slots=True)
class Envelope:
    """Who sends to whom, and how (used to write and to answer)."""

    sender_id: str
    receiver_id: str
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    gs_sender: str = ""  # GS02, defaults to sender_id
    gs_receiver: str = ""  # GS03, defaults to receiver_id
    version: str = "005010"  # GS08 (004010 or 005010)
    separators: Separators = field(default_factory=Separators)
    usage: str = "P"
    ack_requested: bool = False


def render_segments(segments: Iterable[list[str]], seps: Separators) -> str:
    """Segments to text.  X12 has no escape character: a separator or a control
    character inside a value is replaced by a space (component separators are
    kept in composite elements, where they belong)."""
    es, end = seps.element, seps.segment + seps.suffix
    specials = {es, seps.segment, seps.component, seps.repetition, "\r", "\n"} - {""}
    simple = str.maketrans(dict.fromkeys(specials, " ") | {chr(c): " " for c in range(32)})
    composite = str.maketrans(
        dict.fromkeys(specials - {seps.component}, " ")
        | {chr(c): " " for c in range(32) if chr(c) != seps.component}
    )
    out = []
    for s in segments:
        sd = SEGMENTS.get(s[0])
        if sd is None or s[0] == "ISA":
            out.append(es.join(s))
            continue
        vals = [s[0]]
        for i, v in enumerate(s[1:]):
            is_comp = i < len(sd.elements) and sd.elements[i].type == "C"
            vals.append(v.translate(composite if is_comp else simple))
        out.append(es.join(vals))
    return end.join(out) + end if out else ""


def write_interchange(
    env: Envelope,
    documents: Iterable[tuple[str, dict]],
    *,
    control_number: int,
    group_control_number: int | None = None,
    set_control_start: int = 1,
    when: datetime | None = None,
) -> str:
    """Interchange with one GS group per functional id, in order of first use.

    ``documents`` are ``(set_id, doc)`` pairs mapped with :mod:`.x12_sets`
    writers (``("997", ack_dict)`` and ``("999", ack_dict)`` too).  Group control
    numbers start at ``group_control_number`` (default: ``control_number``).
    """
    groups: dict[str, list[tuple[str, list[list[str]]]]] = {}
    cs = env.separators.component
    for set_id, doc in documents:
        body = write_ack(doc, set_id, cs) if set_id in _ACK_SETS else WRITERS[set_id](doc)
        groups.setdefault(FUNCTIONAL_IDS[set_id], []).append((set_id, body))
    return build_interchange(
        env,
        list(groups.items()),
        control_number=control_number,
        group_control_number=group_control_number,
        set_control_start=set_control_start,
        when=when,
    )


def build_interchange(
    env: Envelope,
    groups: list[tuple],
    *,
    control_number: int,
    group_control_number: int | None = None,
    set_control_start: int = 1,
    when: datetime | None = None,
    leading: list[list[str]] | None = None,
) -> str:
    """Low level: ``groups`` = ``[(functional_id, [(set_id, body_segments)][, gs08])]``."""
    seps = env.separators
    problem = seps.problem()
    if problem:
        raise ValueError(f"unusable separators (TA1 code {problem})")
    when = when or datetime.now()
    isa_version = "00501" if env.version.startswith("005") else "00401"
    isa = [
        "ISA", "00", " " * 10, "00", " " * 10,
        env.sender_qualifier.ljust(2)[:2], env.sender_id.ljust(15)[:15],
        env.receiver_qualifier.ljust(2)[:2], env.receiver_id.ljust(15)[:15],
        when.strftime("%y%m%d"), when.strftime("%H%M"),
        seps.repetition if isa_version >= "00402" else "U",
        isa_version, f"{control_number:09d}", "1" if env.ack_requested else "0", env.usage,
        seps.component,
    ]  # fmt: skip
    segs: list[list[str]] = [isa, *(leading or [])]
    gcn = control_number if group_control_number is None else group_control_number
    scn = set_control_start
    for n, grp in enumerate(groups):
        fid, sets = grp[0], grp[1]
        version = grp[2] if len(grp) > 2 else env.version
        g = str(gcn + n)
        segs.append(
            [
                "GS",
                fid,
                env.gs_sender or env.sender_id,
                env.gs_receiver or env.receiver_id,
                when.strftime("%Y%m%d"),
                when.strftime("%H%M"),
                g,
                "X",
                version,
            ]
        )
        for set_id, body in sets:
            ctl = f"{scn:04d}"
            scn += 1
            st = ["ST", set_id, ctl]
            if len(version) > 6:
                # ST03: the implementation guide (GS08), mandatory in a 999
                st.append(version)
            segs.append(st)
            segs.extend(body)
            segs.append(["SE", str(len(body) + 2), ctl])
        segs.append(["GE", str(len(sets)), g])
    segs.append(["IEA", str(len(groups)), f"{control_number:09d}"])
    return render_segments(segs, seps)


# =========================================================================== process
@dataclass(slots=True)
class X12Result:
    interchange: InterchangeInfo | None
    groups: list[GroupInfo]
    sets: list[TransactionSet]
    errors: list[E.EdiError]  # interchange level (TA105 codes)
    fatal: bool  # nothing could be processed
    ack: str | None = None  # interchange to send back (997/999 and/or TA1)
    ack_type: str | None = None  # "997", "999", "TA1" or None
    acks: list[dict] = field(default_factory=list)  # the 997/999 dicts (one per group)
    ta1_received: list[list[str]] = field(default_factory=list)  # TA1 answering our interchanges

    @property
    def accepted(self) -> bool:
        return not self.fatal and not self.errors and all(g.accepted for g in self.groups)

    @property
    def ta1_code(self) -> str:
        if self.fatal:
            return "R"
        return "E" if self.errors else "A"

    @property
    def duplicate_key(self) -> tuple[str, str, str, str] | None:
        """(sender qualifier, sender id, receiver id, ISA13): same key, same interchange."""
        i = self.interchange
        return (
            None
            if i is None
            else (i.sender_qualifier, i.sender_id, i.receiver_id, i.control_number)
        )


def process_interchange(
    raw: bytes | str,
    *,
    ack_control_number: int = 1,
    ack_group_control_number: int | None = None,
    ack_type: str | None = None,
    when: datetime | None = None,
    ack_separators: Separators | None = None,
) -> X12Result:
    """Read, validate and map a whole interchange and build the acknowledgment.

    ``ack_type`` forces ``"997"`` or ``"999"``; by default 999 answers 005010
    groups and 997 answers 004010 ones.  Acknowledgments (997/999 groups) are
    never acknowledged.  The TA1 is included when ISA14 asks for it or the
    envelope has errors; when the ISA itself is unreadable (no sender known) no
    acknowledgment can be addressed and ``ack`` is None (``errors`` says why).
    """
    from .acks import build_x12_ack

    reader = X12Reader(raw)
    sets = list(reader)
    result = X12Result(reader.interchange, reader.groups, sets, reader.errors, reader.fatal)
    result.ta1_received = reader.ta1
    build_x12_ack(
        result,
        control_number=ack_control_number,
        group_control_number=ack_group_control_number,
        ack_type=ack_type,
        when=when,
        separators=ack_separators,
    )
    return result
