"""X12 reader: fixtures with known values, separators, envelopes, streaming."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from wms_bridge.engine.x12 import Separators, X12Reader, process_interchange

from .common import BODY_945, WHEN, fixture, interchange, isa


@pytest.mark.parametrize("name", ["945_004010.x12", "945_005010.x12"])
def test_945_fixture_values(name: str) -> None:
    result = process_interchange(fixture(name), when=WHEN)
    assert result.accepted
    info = result.interchange
    isa12 = "00401" if "004010" in name else "00501"
    assert (info.sender_id, info.receiver_id, info.version) == ("3PLWEST", "DISTRIBCO", isa12)
    assert result.ack_type == ("997" if isa12 == "00401" else "999")
    ts = result.sets[0]
    d = ts.data
    assert (ts.set_id, ts.control_number) == ("945", "0001")
    assert d["order_ref"] == "WH/OUT/00042"
    assert d["shipment_id"] == "SHP-7781"
    assert d["po_ref"] == "SO0042"
    assert d["date"] == date(2024, 3, 15)
    assert d["refs"] == {"BM": "BOL-552190", "CN": "1Z999AA10123456784"}
    assert d["dates"] == {"11": datetime(2024, 3, 15, 14, 15)}
    assert d["carrier"] == {
        "transport_method": "M",
        "scac": "UPSN",
        "routing": "UPS GROUND",
        "payment": "PP",
    }
    assert [p["qualifier"] for p in d["parties"]] == ["ST", "SF"]
    assert d["parties"][0]["address2"] == "Dock 3"
    l1, l2 = d["lines"]
    assert l1["sscc"] == ["00106141411234567897"]
    assert (l1["qty_ordered"], l1["qty_shipped"], l1["lot"]) == (24.0, 24.0, "L2403A")
    assert l1["product_ids"] == {"VN": "MILK-1L", "UK": "10614141000019"}
    assert (l2["status"], l2["qty_ordered"], l2["qty_shipped"], l2["qty_difference"]) == (
        "CP",
        10.0,
        6.0,
        4.0,
    )
    assert (l2["uom"], l2["lot"]) == ("CA", "B0311")
    assert d["totals"]["qty"] == 30.0 and d["totals"]["weight"] == 212.5


def test_separators_read_from_isa() -> None:
    r = X12Reader(fixture("945_005010.x12"))
    list(r)
    assert r.interchange.separators == Separators("|", ":", "^", "'")
    r = X12Reader(fixture("945_004010.x12"))
    list(r)
    assert r.interchange.separators == Separators("*", ">", "", "~")  # 00401: ISA11 is "U"


def test_944_fixture() -> None:
    d = process_interchange(fixture("944_005010.x12")).sets[0].data
    assert (d["receipt_ref"], d["order_ref"], d["po_ref"]) == ("RCV-1009", "WH/IN/00007", "PO-7781")
    assert [(ln["qty"], ln["uom"], ln["lot"]) for ln in d["lines"]] == [
        (100.0, "EA", "L2403A"),
        (48.0, "CA", "B0311"),
    ]
    assert d["lines"][1]["exceptions"] == [{"qty": 2.0, "uom": "CA", "condition": "01"}]
    assert d["totals"] == {
        "qty_received": 148.0,
        "qty_damaged": 2.0,
        "qty_over": None,
        "qty_short": 2.0,
    }


def test_846_fixture() -> None:
    result = process_interchange(fixture("846_004010.x12"))
    assert result.ack_type == "997"
    d = result.sets[0].data
    assert d["date"] == datetime(2024, 3, 17, 6, 0)
    assert d["line_count"] == 2
    milk, butter = d["items"]
    assert milk["product_ids"] == {"VN": "MILK-1L", "UK": "10614141000019"}
    assert milk["lot"] == "L2403A"
    assert milk["quantities"] == {"33": 96.0, "QH": 4.0}
    assert butter["quantities"] == {"33": 40.0, "17": 42.0} and butter["uoms"]["17"] == "CA"


def test_214_fixture() -> None:
    d = process_interchange(fixture("214_005010.x12")).sets[0].data
    assert (d["pro_number"], d["shipment_id"], d["scac"]) == (
        "1Z999AA10123456784",
        "SHP-7781",
        "UPSN",
    )
    assert d["refs"] == {"PO": "WH/OUT/00042"}
    assert [s["status"] for s in d["statuses"]] == ["X6", "D1"]
    assert d["statuses"][1]["datetime"] == datetime(2024, 3, 18, 16, 10)
    assert d["statuses"][0]["location"] == {"city": "Sacramento", "state": "CA", "country": "US"}
    assert d["statuses"][0]["equipment"]["number"] == "TRK-448"


def test_received_997_is_read_not_acknowledged() -> None:
    from wms_bridge.engine.acks import x12_ack_summary

    result = process_interchange(fixture("997_004010.x12"))
    assert result.accepted and result.ack is None
    d = result.sets[0].data
    assert (d["functional_id"], d["group_control"], d["code"]) == ("OW", "1201", "P")
    assert (d["included"], d["received"], d["accepted"]) == (2, 2, 1)
    summary = x12_ack_summary(d)
    assert summary["sets"] == {"0001": "A", "0002": "R"}
    assert summary["rejected"]["0002"] == ["AK5 5", "W01@6 code 8", "  element 2 code 7"]


def test_received_999() -> None:
    d = process_interchange(fixture("999_005010.x12")).sets[0].data
    s = d["sets"][0]
    assert (s["set_id"], s["code"], s["errors"]) == ("856", "R", ["5"])
    assert s["segments"] == [
        {
            "segment_id": "SN1",
            "position": 9,
            "loop_id": "",
            "code": "8",
            "elements": [
                {
                    "position": 2,
                    "component": None,
                    "repetition": None,
                    "ref": "382",
                    "code": "1",
                    "value": "",
                }
            ],
        }
    ]


def test_crlf_and_leading_whitespace_tolerated() -> None:
    raw = "\r\n  " + interchange(BODY_945).replace("~", "~\r\n")
    result = process_interchange(raw)
    assert result.accepted, [e.message for e in result.errors]


def test_newline_as_terminator() -> None:
    raw = interchange(BODY_945).replace("~", "\n")
    raw = raw[:105] + "\n" + raw[106:]
    result = process_interchange(raw.replace("\n", "\r\n"))
    assert result.accepted


def test_segment_positions_in_errors() -> None:
    body = list(BODY_945)
    body[3] = "W12*CC*10*10**EA**VN*SKU1*****BP"
    result = process_interchange(interchange(body))
    (issue,) = result.sets[0].segment_issues
    assert (issue.segment_id, issue.set_position, issue.segment_index, issue.code) == (
        "W12",
        5,
        7,
        "8",
    )
    (el,) = issue.elements
    assert (el.element, el.code, el.element_ref) == (14, "2", "234")


def test_many_groups_and_sets_stream() -> None:
    one = interchange(BODY_945)
    gs_block = one[106 : one.index("IEA")]
    blocks = [
        gs_block.replace("*77*X", f"*{g}*X").replace("GE*1*77", f"GE*1*{g}") for g in range(1, 6)
    ]
    raw = isa() + "".join(blocks) + "IEA*5*000000123~"
    reader = X12Reader(raw)
    it = iter(reader)
    first = next(it)
    assert first.accepted and len(reader.groups) == 1  # streaming: later groups not read yet
    rest = list(it)
    assert len(rest) == 4 and len(reader.groups) == 5 and not reader.errors


def test_bad_set_does_not_stop_the_others() -> None:
    one = interchange(BODY_945)
    st_block = one[one.index("ST*") : one.index("GE*")]
    bad = st_block.replace("W06*F*ORD1*20240315", "W06*F*ORD1*20241315").replace(
        "ST*945*0001", "ST*945*0002"
    )
    bad = bad.replace("SE*7*0001", "SE*7*0002")
    third = st_block.replace("0001", "0003")
    raw = one.replace(st_block, st_block + bad + third).replace("GE*1*77", "GE*3*77")
    result = process_interchange(raw, when=WHEN)
    assert [s.accepted for s in result.sets] == [True, False, True]
    assert result.sets[2].data["order_ref"] == "ORD1"
    assert "AK9*P*3*3*2~" in result.ack


def test_duplicate_key_for_detection() -> None:
    result = process_interchange(interchange(BODY_945))
    assert result.duplicate_key == ("ZZ", "PARTNER", "US", "000000123")
