"""Write -> read -> same dict, for every set we write, any separators, both versions."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from wms_bridge.engine.x12 import (
    Envelope,
    Separators,
    X12Reader,
    process_interchange,
    write_interchange,
)
from wms_bridge.engine.x12_sets import read_940

from .common import WHEN, advice_945, delivery_940, party

SEPARATORS = [
    Separators(),
    Separators("|", ":", "^", "'"),
    Separators("*", ">", "{", "~", "\r\n"),
    Separators("^", "\\", "}", "\n"),
    Separators("\x1d", "\x1f", "\x1e", "\x1c"),
]


def doc_943() -> dict:
    return {
        "report_code": "N",
        "order_ref": "WH/IN/00007",
        "date": date(2024, 3, 14),
        "shipment_id": "ASN-55",
        "agent_shipment_id": "",
        "po_ref": "PO-7781",
        "parties": [party("WH"), party("SF", 3)],
        "refs": {"BM": "BOL-9001"},
        "dates": {"17": date(2024, 3, 16)},
        "carrier": {"transport_method": "M", "scac": "FDEG", "routing": "", "payment": "PP"},
        "lines": [
            {
                "qty": 100.0,
                "uom": "EA",
                "upc": "",
                "product_ids": {"VN": "MILK-1L"},
                "lot": "L2403A",
                "description": "",
                "refs": {},
            },
            {
                "qty": 48.0,
                "uom": "CA",
                "upc": "",
                "product_ids": {"VN": "BUTTER-250", "UK": "10614141000026"},
                "lot": "",
                "description": "Butter 250g",
                "refs": {"PO": "L2"},
            },
        ],
        "totals": {
            "qty": 148.0,
            "weight": None,
            "weight_uom": "",
            "volume": None,
            "volume_uom": "",
        },
    }


def doc_944() -> dict:
    return {
        "report_code": "F",
        "date": date(2024, 3, 16),
        "receipt_ref": "RCV-1009",
        "order_ref": "WH/IN/00007",
        "po_ref": "PO-7781",
        "shipment_id": "ASN-55",
        "parties": [party("WH")],
        "refs": {"BM": "BOL-9001"},
        "dates": {},
        "lines": [
            {
                "line": 1,
                "qty": 98.0,
                "uom": "EA",
                "upc": "",
                "product_ids": {"VN": "MILK-1L"},
                "lot": "L2403A",
                "description": "",
                "refs": {},
                "exceptions": [{"qty": 2.0, "uom": "EA", "condition": "01"}],
            },
        ],
        "totals": {"qty_received": 98.0, "qty_damaged": 2.0, "qty_over": None, "qty_short": None},
    }


def doc_846() -> dict:
    return {
        "purpose": "00",
        "report_type": "DD",
        "ref": "INV-1",
        "date": datetime(2024, 3, 17, 6, 0),
        "refs": {"WS": "RENO1"},
        "dates": {"405": date(2024, 3, 17)},
        "parties": [party("WH")],
        "items": [
            {
                "product_ids": {"VN": "MILK-1L", "UK": "10614141000019"},
                "lot": "L2403A",
                "quantities": {"33": 96.0, "QH": 4.0},
                "uoms": {"33": "EA", "QH": "EA"},
                "dates": {},
                "refs": {},
            },
            {
                "product_ids": {"VN": "BUTTER-250"},
                "lot": "",
                "quantities": {"17": 42.0},
                "uoms": {"17": "CA"},
                "dates": {"036": date(2024, 9, 1)},
                "refs": {},
            },
        ],
        "line_count": 2,
    }


def doc_856() -> dict:
    item = {
        "product_ids": {"VN": "MILK-1L", "UK": "10614141000019"},
        "lot": "L2403A",
        "qty": 12.0,
        "uom": "EA",
        "qty_ordered": 24.0,
    }
    ship_to = party("ST") | {"contact_name": "", "phone": "", "email": ""}
    return {
        "purpose": "00",
        "shipment_id": "WH/OUT/00042",
        "datetime": datetime(2024, 3, 15, 14, 15),
        "structure": "0001",
        "shipment": {
            "packaging": "CTN25",
            "lading_qty": 2,
            "weight": 21.5,
            "weight_uom": "LB",
            "scac": "UPSN",
            "transport_method": "M",
            "routing": "UPS GROUND",
            "refs": {"BM": "BOL-552190"},
            "dates": {"011": date(2024, 3, 15)},
            "parties": [ship_to],
        },
        "orders": [
            {
                "po_ref": "CUST-PO-9",
                "po_date": date(2024, 3, 1),
                "refs": {"IA": "V-100"},
                "packs": [
                    {"sscc": "00106141411234567897", "items": [item]},
                    {"sscc": "00106141411234567903", "items": [item | {"lot": "L2403B"}]},
                ],
                "items": [
                    {
                        "product_ids": {"VN": "BUTTER-250"},
                        "lot": "",
                        "qty": 6.0,
                        "uom": "CA",
                        "qty_ordered": None,
                    }
                ],
            },
        ],
    }


def doc_214() -> dict:
    return {
        "pro_number": "1Z999AA10123456784",
        "shipment_id": "SHP-7781",
        "scac": "UPSN",
        "refs": {"PO": "WH/OUT/00042"},
        "parties": [party("SH")],
        "statuses": [
            {
                "status": "X6",
                "reason": "NS",
                "appointment_status": "",
                "appointment_reason": "",
                "datetime": datetime(2024, 3, 18, 9, 30),
                "location": {"city": "Sacramento", "state": "CA", "country": "US"},
                "equipment": {"scac": "UPSN", "number": "TRK-448", "type": "TL"},
                "refs": {},
            },
            {
                "status": "D1",
                "reason": "NS",
                "appointment_status": "",
                "appointment_reason": "",
                "datetime": datetime(2024, 3, 18, 16, 10),
                "location": {"city": "Oakland", "state": "CA", "country": "US"},
                "equipment": None,
                "refs": {"DO": "POD-1"},
            },
        ],
    }


def doc_ack() -> dict:
    return {
        "functional_id": "OW",
        "group_control": "1201",
        "version": "005010",
        "sets": [
            {
                "set_id": "940",
                "control_number": "0001",
                "implementation_ref": "",
                "code": "A",
                "errors": [],
                "segments": [],
            },
            {
                "set_id": "940",
                "control_number": "0002",
                "implementation_ref": "",
                "code": "R",
                "errors": ["5"],
                "segments": [
                    {
                        "segment_id": "W01",
                        "position": 6,
                        "loop_id": "",
                        "code": "8",
                        "elements": [
                            {
                                "position": 2,
                                "component": None,
                                "repetition": None,
                                "ref": "355",
                                "code": "7",
                                "value": "XX",
                            }
                        ],
                    }
                ],
            },
        ],
        "code": "P",
        "included": 2,
        "received": 2,
        "accepted": 1,
        "errors": [],
    }


DOCS = {
    "940": delivery_940,
    "945": advice_945,
    "943": doc_943,
    "944": doc_944,
    "846": doc_846,
    "856": doc_856,
    "214": doc_214,
    "997": doc_ack,
    "999": doc_ack,
}


@pytest.mark.parametrize("version", ["004010", "005010"])
@pytest.mark.parametrize("set_id", sorted(DOCS))
@pytest.mark.parametrize(
    "seps", SEPARATORS, ids=lambda s: repr(s.element + s.component + s.segment)
)
def test_round_trip(set_id: str, seps: Separators, version: str) -> None:
    doc = DOCS[set_id]()
    if version == "004010" and seps.repetition:
        seps = Separators(seps.element, seps.component, "", seps.segment, seps.suffix)
    env = Envelope("DISTRIBCO", "3PLWEST", version=version, separators=seps)
    raw = write_interchange(env, [(set_id, doc), (set_id, doc)], control_number=42, when=WHEN)
    reader = X12Reader(raw)
    sets = list(reader)
    assert reader.errors == []
    assert [s.describe() for s in sets] == ["", ""]
    assert all(s.accepted for s in sets)
    data = sets[0].data
    if set_id == "856":
        assert data.pop("hl_count") == 7  # S, O, P, I, P, I, I: CTT01 = number of HL
    assert data == doc
    assert reader.interchange.control_number == "000000042"
    assert reader.groups[0].declared_sets == 2


def test_856_hierarchy_is_written_as_expected() -> None:
    raw = write_interchange(Envelope("A", "B"), [("856", doc_856())], control_number=1, when=WHEN)
    hls = [s for s in raw.split("~") if s.startswith("HL*")]
    assert hls == [
        "HL*1**S*1",
        "HL*2*1*O*1",
        "HL*3*2*P*1",
        "HL*4*3*I*0",
        "HL*5*2*P*1",
        "HL*6*5*I*0",
        "HL*7*2*I*0",
    ]
    assert "CTT*7~" in raw


def test_envelope_counts_and_control_numbers() -> None:
    env = Envelope("DISTRIBCO", "3PLWEST", version="004010")
    raw = write_interchange(
        env,
        [("940", delivery_940()), ("943", doc_943()), ("940", delivery_940())],
        control_number=905,
        group_control_number=17,
        set_control_start=300,
        when=WHEN,
    )
    segs = raw.split("~")
    assert segs[0].startswith("ISA*00*") and len(segs[0]) == 105
    assert segs[0].split("*")[11:16] == ["U", "00401", "000000905", "0", "P"]
    gs = [s for s in segs if s.startswith(("GS*", "GE*"))]
    assert gs[0].split("*")[1] == "OW" and gs[0].endswith("*17*X*004010")
    assert "GE*2*17" in gs and "GE*1*18" in gs
    assert [s for s in segs if s.startswith("ST*")] == ["ST*940*0300", "ST*940*0301", "ST*943*0302"]
    assert segs[-2] == "IEA*2*000000905"


def test_writer_truncates_and_never_emits_separators() -> None:
    doc = delivery_940()
    doc["parties"][0]["name"] = "A" * 80
    doc["order_ref"] = "WH*OUT~1>2"
    raw = write_interchange(Envelope("A", "B"), [("940", doc)], control_number=1, when=WHEN)
    result = process_interchange(raw)
    ts = result.sets[0]
    assert ts.accepted, ts.describe()
    assert ts.data["parties"][0]["name"] == "A" * 60
    assert ts.data["order_ref"] == "WH OUT 1 2"


def test_writer_sanitizes_values() -> None:
    from wms_bridge.engine.x12_sets import seg

    assert seg("N1", "ST", "B" * 70) == ["N1", "ST", "B" * 60]
    assert seg("W01", 10.50, "EA") == ["W01", "10.5", "EA"]
    assert seg("LX", 3.0) == ["LX", "3"]
    assert seg("N9", "LT", "", None) == ["N9", "LT"]


def test_read_940_direct() -> None:
    body = [s.split("*") for s in ["W05*N*O1", "LX*1", "W01*5*EA", "N9*LT*A", "W76*5"]]
    out = read_940(body)
    assert out["lines"][0]["lot"] == "A" and out["totals"]["qty"] == 5.0
