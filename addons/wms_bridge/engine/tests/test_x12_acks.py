"""Every error path ends in the right 997 / 999 / TA1 content."""

from __future__ import annotations

import pytest

from wms_bridge.engine.x12 import process_interchange

from .common import BODY_945, WHEN, interchange, isa


def ack_lines(raw: str, **kw) -> list[str]:
    result = process_interchange(raw, when=WHEN, **kw)
    assert result.ack is not None
    return [s for s in result.ack.split("~") if s[:2] in ("AK", "IK", "TA")]


def with_line(w12: str) -> list[str]:
    return [*BODY_945[:3], w12, *BODY_945[4:]]


# --------------------------------------------------------------------------- elements
ELEMENT_CASES = [
    ("1 mandatory missing", with_line("W12**10*10**EA**VN*SKU1"), ["IK3*W12*5**8", "IK4*1*368*1"]),
    (
        "2 conditional (paired) missing",
        with_line("W12*CC*10*10**EA**VN"),
        ["IK3*W12*5**8", "IK4*8*234*2"],
    ),
    (
        "3 too many elements",
        [
            "W06*F*ORD1*20240315*SH1",
            "W27*M*UPSN*UPS*PP*TL*ABCD*1234567*CC*HM*AB*EXTRA",
            *BODY_945[2:],
        ],
        ["IK3*W27*3**8", "IK4*11**3*EXTRA"],
    ),
    (
        "4 too short",
        with_line("W12*CC*10*10**EA*12345*VN*SKU1"),
        ["IK3*W12*5**8", "IK4*6*438*4*12345"],
    ),
    ("5 too long", with_line("W12*CC*10*10**EACH**VN*SKU1"), ["IK3*W12*5**8", "IK4*5*355*5*EACH"]),
    (
        "6 invalid character",
        with_line("W12*CC*1O*10**EA**VN*SKU1"),
        ["IK3*W12*5**8", "IK4*2*380*6*1O"],
    ),
    ("7 invalid code", with_line("W12*XX*10*10**EA**VN*SKU1"), ["IK3*W12*5**8", "IK4*1*368*7*XX"]),
    (
        "8 invalid date",
        ["W06*F*ORD1*20240230*SH1", *BODY_945[1:]],
        ["IK3*W06*2**8", "IK4*3*373*8*20240230"],
    ),
    (
        "9 invalid time",
        ["W06*F*ORD1*20240315*SH1", "G62*11*20240315*8*2460", *BODY_945[1:]],
        ["IK3*G62*3**8", "IK4*4*337*9*2460"],
    ),
    (
        "12 too many repetitions",
        with_line("W12*CC*10*10**EA**VN*SKU1^SKU2"),
        ["IK3*W12*5**8", "IK4*8*234*12*SKU1?SKU2"],
    ),
    (
        "13 too many components",
        with_line("W12*CC*10*10**EA**VN*SKU>1"),
        ["IK3*W12*5**8", "IK4*8*234*13*SKU?1"],
    ),
]


@pytest.mark.parametrize(
    ("label", "body", "expected"), ELEMENT_CASES, ids=[c[0] for c in ELEMENT_CASES]
)
def test_element_errors_999(label: str, body: list[str], expected: list[str]) -> None:
    lines = ack_lines(interchange(body))
    assert lines == ["AK1*SW*77*005010", "AK2*945*0001", *expected, "IK5*R*5", "AK9*R*1*1*0"]


def test_element_error_997_for_004010() -> None:
    lines = ack_lines(interchange(with_line("W12*XX*10*10**EA**VN*SKU1"), version="00401"))
    assert lines == [
        "AK1*SW*77",
        "AK2*945*0001",
        "AK3*W12*5**8",
        "AK4*1*368*7*XX",
        "AK5*R*5",
        "AK9*R*1*1*0",
    ]


def test_forced_997_for_005010() -> None:
    lines = ack_lines(interchange(with_line("W12*XX*10*10**EA**VN*SKU1")), ack_type="997")
    assert lines == [
        "AK1*SW*77*005010",
        "AK2*945*0001",
        "AK3*W12*5**8",
        "AK4*1*368*7*XX",
        "AK5*R*5",
        "AK9*R*1*1*0",
    ]


def test_several_element_errors_in_one_segment() -> None:
    lines = ack_lines(interchange(with_line("W12*XX*1O*10**EACH**VN*SKU1")))
    assert lines[2:6] == ["IK3*W12*5**8", "IK4*1*368*7*XX", "IK4*2*380*6*1O", "IK4*5*355*5*EACH"]


# --------------------------------------------------------------------------- segments
SEGMENT_CASES = [
    ("1 unrecognized", [*BODY_945[:2], "ZZ9*1", *BODY_945[2:]], ["IK3*ZZ9*4**1"]),
    (
        "2 unexpected (known in set, wrong place)",
        [*BODY_945[:4], "W06*F*ORD2", *BODY_945[4:]],
        ["IK3*W06*6**2"],
    ),
    ("3 mandatory missing", [BODY_945[0], *BODY_945[2:]], ["IK3*W27*3**3"]),
    ("3 mandatory missing at end", BODY_945[:4], ["IK3*W03*6**3"]),
    (
        "5 exceeds max use",
        [BODY_945[0], *["G62*11*20240315"] * 11, *BODY_945[1:]],
        ["IK3*G62*13**5"],
    ),
    ("6 not in this set", [*BODY_945[:2], "W05*N*X", *BODY_945[2:]], ["IK3*W05*4**6"]),
]


@pytest.mark.parametrize(
    ("label", "body", "expected"), SEGMENT_CASES, ids=[c[0] for c in SEGMENT_CASES]
)
def test_segment_errors(label: str, body: list[str], expected: list[str]) -> None:
    lines = ack_lines(interchange(body))
    assert lines == ["AK1*SW*77*005010", "AK2*945*0001", *expected, "IK5*R*5", "AK9*R*1*1*0"]


def test_loop_over_maximum() -> None:
    body = [BODY_945[0], *["N1*ST*X"] * 11, *BODY_945[1:]]
    lines = ack_lines(interchange(body))
    assert lines[2] == "IK3*N1*13**4"  # the 11th N1, at position 13 (ST = 1, W06 = 2)


# --------------------------------------------------------------------------- sets and groups
def test_set_control_number_mismatch() -> None:
    lines = ack_lines(interchange(BODY_945, se="SE*7*0002"))
    assert lines == ["AK1*SW*77*005010", "AK2*945*0001", "IK5*R*3", "AK9*R*1*1*0"]


def test_set_segment_count_mismatch() -> None:
    lines = ack_lines(interchange(BODY_945, se="SE*9*0001"))
    assert lines == ["AK1*SW*77*005010", "AK2*945*0001", "IK5*R*4", "AK9*R*1*1*0"]


def test_set_trailer_missing() -> None:
    raw = interchange(BODY_945).replace("SE*7*0001~", "")
    lines = ack_lines(raw)
    assert lines == ["AK1*SW*77*005010", "AK2*945*0001", "IK5*R*2", "AK9*R*1*1*0"]


def test_set_not_supported() -> None:
    lines = ack_lines(interchange(["BEG*00*SA*PO1**20240315"], set_id="850", fid="PO"))
    assert lines == ["AK1*PO*77*005010", "AK2*850*0001", "IK5*R*1", "AK9*R*1*1*0*1"]


def test_set_in_wrong_group() -> None:
    lines = ack_lines(interchange(BODY_945, fid="OW"))
    assert lines == ["AK1*OW*77*005010", "AK2*945*0001", "IK5*R*1", "AK9*R*1*1*0"]


def test_group_control_number_mismatch() -> None:
    lines = ack_lines(interchange(BODY_945, ge="GE*1*78"))
    assert lines == ["AK1*SW*77*005010", "AK2*945*0001", "IK5*A", "AK9*E*1*1*1*4"]


def test_group_count_mismatch() -> None:
    lines = ack_lines(interchange(BODY_945, ge="GE*2*77"))
    assert lines == ["AK1*SW*77*005010", "AK2*945*0001", "IK5*A", "AK9*E*2*1*1*5"]


def test_group_trailer_missing_and_premature_end() -> None:
    raw = interchange(BODY_945)
    raw = raw[: raw.index("GE*")]
    result = process_interchange(raw, when=WHEN)
    lines = [s for s in result.ack.split("~") if s[:2] in ("AK", "IK", "TA")]
    assert lines == [
        "TA1*000000123*240315*1432*E*023",
        "AK1*SW*77*005010",
        "AK2*945*0001",
        "IK5*A",
        "AK9*E*1*1*1*3",
    ]
    assert result.sets[0].accepted  # the complete set still goes through


def test_group_version_not_supported() -> None:
    raw = interchange(BODY_945).replace("*X*005010~", "*X*003040~")
    lines = ack_lines(raw)
    # not a 005010 group: answered with a 997
    assert lines == ["AK1*SW*77", "AK2*945*0001", "AK5*R*1", "AK9*R*1*1*0*2"]


# --------------------------------------------------------------------------- interchange
def test_ta1_requested_and_clean() -> None:
    lines = ack_lines(interchange(BODY_945, ack="1"))
    assert lines[0] == "TA1*000000123*240315*1432*A*000"


def test_ta1_control_number_mismatch() -> None:
    lines = ack_lines(interchange(BODY_945, iea="IEA*1*000000999"))
    assert lines[0] == "TA1*000000123*240315*1432*E*001"


def test_ta1_group_count() -> None:
    lines = ack_lines(interchange(BODY_945, iea="IEA*2*000000123"))
    assert lines[0] == "TA1*000000123*240315*1432*E*021"


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda s: s.replace("*240315*1432*", "*241315*1432*", 1), "014"),  # ISA09 month 13
        (lambda s: s.replace("*240315*1432*", "*240315*2561*", 1), "015"),  # ISA10
        (lambda s: s.replace("*00501*", "*00999*", 1), "003"),
        (lambda s: s.replace("*000000123*0*", "*00000012X*0*", 1), "018"),
        (lambda s: s.replace("*0*P*", "*7*P*", 1), "019"),
        (lambda s: s.replace("*0*P*", "*0*X*", 1), "020"),
        (lambda s: s.replace("*ZZ*PARTNER", "*Z*PARTNER", 1), "005"),
        (lambda s: s[:104] + "A" + s[105:], "027"),  # component separator alphanumeric
        (lambda s: s[:105] + "A" + s[106:], "004"),  # terminator alphanumeric
    ],
)
def test_ta1_rejections(mutate, code: str) -> None:
    raw = mutate(interchange(BODY_945))
    result = process_interchange(raw, when=WHEN)
    assert result.fatal and not result.accepted and result.sets == []
    assert result.errors[0].code == code
    if result.ack is not None:
        assert f"*R*{code}~" in result.ack and result.ack_type == "TA1"


def test_no_isa_no_ack_but_precise_error() -> None:
    result = process_interchange(b"\x00\xff garbage")
    assert result.fatal and result.ack is None
    assert result.errors[0].code == "022"


def test_full_ack_document() -> None:
    result = process_interchange(
        interchange(with_line("W12*XX*10*10**EA**VN*SKU1")),
        when=WHEN,
        ack_control_number=501,
        ack_group_control_number=9,
    )
    assert result.ack == (
        isa("000000501", sender="US", receiver="PARTNER").replace("240315*1432", "240315*1500")
        + "GS*FA*US*PARTNER*20240315*1500*9*X*005010X231A1~"
        "ST*999*0001*005010X231A1~AK1*SW*77*005010~AK2*945*0001~IK3*W12*5**8~IK4*1*368*7*XX~IK5*R*5~AK9*R*1*1*0~"
        "SE*8*0001~GE*1*9~IEA*1*000000501~"
    )
    # and our own reader accepts what we send back
    back = process_interchange(result.ack)
    assert (
        back.accepted and back.sets[0].data["sets"][0]["segments"][0]["elements"][0]["code"] == "7"
    )
