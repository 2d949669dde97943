"""Acknowledgments: X12 997 / 999 / TA1 and EDIFACT CONTRL, built and read.

X12
---
:func:`build_x12_ack` turns an :class:`~.x12.X12Result` into the interchange to
send back: one 997 or 999 set per functional group received (groups of
acknowledgments are never acknowledged), plus a TA1 when the sender asked for
one (ISA14 = 1) or the envelope has errors.

* AK5/IK5: ``A`` accepted or ``R`` rejected, with AK502.. codes (``3`` control
  number mismatch, ``4`` segment count, ``5`` segments in error ...).
* AK3/IK3 per segment in error: segment id, position in the set (ST = 1),
  AK304/IK304 code; AK4/IK4 per element: position[>component], element
  reference number, AK403/IK403 code, copy of the bad value.
* AK9: ``A`` all accepted, ``P`` some sets rejected, ``R`` all rejected or the
  group itself not supported, ``E`` accepted sets but group envelope errors
  noted (GE counts / control numbers), with AK905.. codes.
* TA1: TA104 ``A``/``E``/``R`` and the TA105 note code of the first error.

Reading a received 997/999 is done by the X12 reader itself (set data, see
:func:`~.x12_sets.read_ack`); :func:`x12_ack_summary` reduces it to what an
exchange record needs.

EDIFACT
-------
:func:`build_contrl` / :func:`read_contrl` (syntax 4 CONTRL with UCI, UCM, UCS,
UCD; action codes ``7`` acknowledged, ``4`` rejected).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from . import errors as E

if TYPE_CHECKING:
    from .edifact import EdifactResult
    from .x12 import Separators, X12Result

_GROUP_FATAL = (E.GROUP_NOT_SUPPORTED, E.GROUP_VERSION_NOT_SUPPORTED, E.GROUP_CONTROL_NUMBER_SYNTAX)


def _clean(value: str | None, seps: Separators) -> str:
    if not value:
        return ""
    bad = {seps.element, seps.component, seps.segment, seps.repetition}
    return "".join("?" if c in bad or not " " <= c <= "~" else c for c in value)[:99]


def group_ack(group, ack_set: str, seps: Separators) -> dict:
    """997/999 dict for one received :class:`~.x12.GroupInfo`."""
    sets = []
    accepted = 0
    for ts in group.sets:
        codes = ts.error_codes
        if ack_set == "999" and E.SET_SEGMENTS_IN_ERROR in codes:
            pass  # "5" is valid in 999 as well (I5 is for implementation guides)
        ok = not codes
        accepted += ok
        segments = []
        for si in ts.segment_issues:
            segments.append(
                {
                    "segment_id": _segment_id(si.segment_id, seps),
                    "position": si.set_position,
                    "loop_id": "",
                    "code": si.code,
                    "elements": [
                        {
                            "position": x.element or 1,
                            "component": x.component,
                            "repetition": x.repetition,
                            "ref": x.element_ref or "",
                            "code": x.code,
                            "value": _clean(x.bad_value, seps),
                        }
                        for x in si.elements
                    ],
                }
            )
        sets.append(
            {
                "set_id": ts.set_id[:3] if len(ts.set_id) == 3 and ts.set_id.isdigit() else "000",
                "control_number": _ctl(ts.control_number),
                "implementation_ref": _clean(ts.implementation_ref, seps)[:35]
                if ack_set == "999"
                else "",
                "code": "A" if ok else "R",
                "errors": codes[:5],
                "segments": segments,
            }
        )
    gcodes = [e.code for e in group.errors]
    received = len(group.sets)
    if any(c in _GROUP_FATAL for c in gcodes) or (received and not accepted):
        code = "R"
    elif accepted < received:
        code = "P"
    elif gcodes:
        code = "E"
    else:
        code = "A"
    if any(c in _GROUP_FATAL for c in gcodes):
        accepted = 0
    declared = group.declared_sets
    return {
        "functional_id": _qualifier(group.functional_id),
        "group_control": group_control(group.control_number),
        "version": _clean(group.version, seps)[:12]
        if ack_set == "999" or group.version.startswith("005")
        else "",
        "sets": sets,
        "code": code,
        "included": declared if declared is not None and 0 <= declared <= 999999 else received,
        "received": received,
        "accepted": accepted,
        "errors": gcodes[:5],
    }


def group_control(value: str) -> str:
    """AK102 as we send it (GS06 when it is 1-9 digits, else "0")."""
    return value if value.isascii() and value.isdigit() and len(value) <= 9 else "0"


def _qualifier(value: str) -> str:
    return value if len(value) == 2 and value.isascii() and value.isalnum() else "ZZ"


def _segment_id(tag: str, seps: Separators) -> str:
    """AK301/IK301 is 2-3 characters: garbage tags are shown padded with '?'."""
    return _clean(tag, seps)[:3].ljust(2, "?")


def _ctl(value: str) -> str:
    v = "".join(c for c in value if c.isalnum())[:9]
    return v.rjust(4, "0")


def build_x12_ack(
    result: X12Result,
    *,
    control_number: int = 1,
    group_control_number: int | None = None,
    ack_type: str | None = None,
    when: datetime | None = None,
    separators: Separators | None = None,
) -> None:
    """Fill ``result.ack``, ``result.ack_type`` and ``result.acks``."""
    from .x12 import VERSIONS, Envelope, Separators, build_interchange
    from .x12_sets import write_ack

    info = result.interchange
    if info is None:
        return
    seps = separators
    if seps is None:
        seps = info.separators if info.separators.problem() is None else Separators()
        if not seps.repetition:  # 00401 has none; a 00501 answer to odd input needs one
            used = {seps.element, seps.component, seps.segment}
            rep = next(c for c in "^{}|!@" if c not in used)
            seps = Separators(seps.element, seps.component, rep, seps.segment)
    isa_version = info.version if info.version in VERSIONS else "00501"
    groups: list[tuple] = []
    kinds = []
    if not result.fatal:
        for g in result.groups:
            if g.implicit or g.functional_id == "FA":
                continue
            kind = ack_type or ("999" if g.version.startswith("005010") else "997")
            doc = group_ack(g, kind, seps)
            result.acks.append(doc)
            version = (
                "005010X231A1"
                if kind == "999"
                else (g.version[:6] if g.version[:6] in VERSIONS.values() else "005010")
            )
            body = write_ack(doc, kind, seps.component)
            if groups and groups[-1][2] == version:
                groups[-1][1].append((kind, body))
            else:
                groups.append(("FA", [(kind, body)], version))
            kinds.append(kind)
    leading = []
    if result.fatal or result.errors or info.ack_requested:
        first = result.errors[0].code if result.errors else E.TA1_NO_ERROR
        date = info.date if len(info.date) == 6 and info.date.isdigit() else "000101"
        time = info.time if len(info.time) == 4 and info.time.isdigit() else "0000"
        icn = (
            info.control_number
            if len(info.control_number) == 9 and info.control_number.isdigit()
            else "000000000"
        )
        leading.append(["TA1", icn, date, time, result.ta1_code, first])
    if not groups and not leading:
        return
    env = Envelope(
        sender_id=_clean(info.receiver_id, seps)[:15] or "UNKNOWN",
        receiver_id=_clean(info.sender_id, seps)[:15] or "UNKNOWN",
        sender_qualifier=_qualifier(info.receiver_qualifier),
        receiver_qualifier=_qualifier(info.sender_qualifier),
        version="005010" if isa_version == "00501" else "004010",
        separators=seps,
        usage=info.usage if info.usage in ("P", "T") else "P",
    )
    result.ack = build_interchange(
        env,
        groups,
        control_number=control_number,
        group_control_number=group_control_number,
        when=when,
        leading=leading,
    )
    result.ack_type = kinds[0] if kinds else "TA1"


def x12_ack_summary(ack: dict) -> dict:
    """From a read 997/999 dict: ``{"group_control", "code", "sets": {control: code},
    "rejected": {control: [reasons]}}`` to update the exchanges it acknowledges."""
    sets = {s["control_number"]: s["code"] for s in ack.get("sets") or []}
    rejected = {}
    for s in ack.get("sets") or []:
        if s["code"] not in ("A", "E"):
            reasons = [f"AK5 {c}" for c in s["errors"]]
            for sg in s["segments"]:
                reasons.append(f"{sg['segment_id']}@{sg['position']} code {sg['code']}")
                reasons += [f"  element {x['position']} code {x['code']}" for x in sg["elements"]]
            rejected[s["control_number"]] = reasons
    return {
        "group_control": ack.get("group_control"),
        "code": ack.get("code"),
        "sets": sets,
        "rejected": rejected,
    }


# =========================================================================== CONTRL
def build_contrl(result: EdifactResult) -> dict | None:
    """CONTRL dict answering a received interchange (see :func:`read_contrl`)."""
    info = result.interchange
    if info is None:
        return None
    ierr = result.errors[0] if result.errors else None
    messages = []
    for m in result.messages:
        segs = []
        for si in m.segment_issues:
            segs.append(
                {
                    "position": si.set_position,
                    "error": si.code,
                    "elements": [
                        {"position": x.element or 1, "component": x.component, "error": x.code}
                        for x in si.elements
                    ],
                }
            )
        merr = m.errors[0].code if m.errors else ""
        messages.append(
            {
                "ref": m.reference[:14] or "0",
                "type": m.message_type,
                "version": m.version,
                "release": m.release,
                "agency": m.agency,
                "action": "7" if m.accepted else "4",
                "error": merr,
                "segments": segs,
            }
        )
    rejected = result.fatal
    return {
        "interchange_ref": info.control_ref[:14] or "0",
        "sender": info.sender_id,
        "sender_qualifier": info.sender_qualifier,
        "recipient": info.recipient_id,
        "recipient_qualifier": info.recipient_qualifier,
        "action": "4" if rejected else "7",
        "error": ierr.code if ierr else "",
        "segment_tag": ierr.segment_id if ierr and ierr.segment_id else "",
        "messages": [] if rejected else messages,
    }


def contrl_segments(doc: dict) -> list[list[list[str] | str]]:
    """CONTRL body segments (UCI ... UCM/UCS/UCD), components as lists."""
    out: list[list] = [
        [
            "UCI",
            doc["interchange_ref"],
            [doc.get("sender") or "", doc.get("sender_qualifier") or ""],
            [doc.get("recipient") or "", doc.get("recipient_qualifier") or ""],
            doc["action"],
            doc.get("error") or "",
            doc.get("segment_tag") or "",
        ]
    ]
    for m in doc.get("messages") or []:
        out.append(
            [
                "UCM",
                m["ref"],
                [
                    m.get("type") or "",
                    m.get("version") or "",
                    m.get("release") or "",
                    m.get("agency") or "",
                ],
                m["action"],
                m.get("error") or "",
            ]
        )
        for s in m.get("segments") or []:
            out.append(["UCS", str(s["position"]), s.get("error") or ""])
            for e in s.get("elements") or []:
                pos = [str(e["position"])] + ([str(e["component"])] if e.get("component") else [])
                out.append(["UCD", e["error"], pos])
    return out


def read_contrl(segments: list[list[list[str]]]) -> dict:
    """CONTRL body (segments as lists of elements, elements as lists of components) ->
    ``{"interchange_ref", "sender", "sender_qualifier", "recipient", "recipient_qualifier",
    "action", "error", "segment_tag", "messages": [{"ref", "type", "version", "release",
    "agency", "action", "error", "segments": [{"position", "error", "elements":
    [{"position", "component", "error"}]}]}]}``"""

    def g(el: list[list[str]], i: int, j: int = 0) -> str:
        return el[i][j] if i < len(el) and j < len(el[i]) else ""

    doc: dict = {"messages": []}
    msg = None
    segm = None
    for el in segments:
        tag = g(el, 0)
        if tag == "UCI":
            doc.update(
                interchange_ref=g(el, 1),
                sender=g(el, 2),
                sender_qualifier=g(el, 2, 1),
                recipient=g(el, 3),
                recipient_qualifier=g(el, 3, 1),
                action=g(el, 4),
                error=g(el, 5),
                segment_tag=g(el, 6),
            )
        elif tag == "UCM":
            msg = {
                "ref": g(el, 1),
                "type": g(el, 2),
                "version": g(el, 2, 1),
                "release": g(el, 2, 2),
                "agency": g(el, 2, 3),
                "action": g(el, 3),
                "error": g(el, 4),
                "segments": [],
            }
            doc["messages"].append(msg)
        elif tag == "UCS" and msg is not None:
            segm = {"position": int(g(el, 1) or 0), "error": g(el, 2), "elements": []}
            msg["segments"].append(segm)
        elif tag == "UCD" and segm is not None:
            comp = g(el, 2, 1)
            segm["elements"].append(
                {
                    "position": int(g(el, 2) or 0),
                    "component": int(comp) if comp else None,
                    "error": g(el, 1),
                }
            )
    return doc
