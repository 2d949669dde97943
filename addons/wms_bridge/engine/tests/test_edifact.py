"""EDIFACT: UNA and release character, syntax levels, messages, CONTRL."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from wms_bridge.engine import edifact as ed
from wms_bridge.engine.acks import read_contrl

from .common import WHEN, fixture

SEPS = [
    ed.EdifactSeparators(),
    ed.EdifactSeparators(":", "+", ",", "?", " ", "'", "\n"),
    ed.EdifactSeparators("^", "|", ".", "\\", "*", "~"),
]


def desadv() -> dict:
    return {
        "despatch_ref": "WH/OUT/00042",
        "function": "9",
        "dates": {"137": datetime(2024, 3, 15, 14, 15), "11": date(2024, 3, 15)},
        "refs": {"ON": "PO-2024-117"},
        "parties": [
            {
                "qualifier": "SU",
                "id": "5400000000001",
                "id_agency": "9",
                "name": "Distrib Co",
                "street": "1 Cold Street",
                "city": "Antwerp",
                "postcode": "2000",
                "country": "BE",
            },
            {
                "qualifier": "DP",
                "id": "5412345000099",
                "id_agency": "9",
                "name": "",
                "street": "",
                "city": "",
                "postcode": "",
                "country": "",
            },
        ],
        "packages": [
            {
                "sscc": "354123450000000014",
                "package_type": "201",
                "items": [
                    {
                        "gtin": "05412345000020",
                        "product_ids": {"SA": "MILK-1L", "IN": "HN-4471"},
                        "qty": 120.0,
                        "uom": "PCE",
                        "lot": "L2403A",
                        "expiry": date(2024, 4, 2),
                    },
                    {
                        "gtin": "05412345000037",
                        "product_ids": {},
                        "qty": 36.5,
                        "uom": "KGM",
                        "lot": "",
                        "expiry": None,
                    },
                ],
            },
            {
                "sscc": "354123450000000021",
                "package_type": "CT",
                "items": [
                    {
                        "gtin": "05412345000020",
                        "product_ids": {"SA": "MILK-1L"},
                        "qty": 12.0,
                        "uom": "PCE",
                        "lot": "L2403B+?'",
                        "expiry": None,
                    },
                ],
            },
        ],
    }


def test_orders_fixture() -> None:
    result = ed.process_interchange(fixture("orders_d96a.edi"), when=WHEN)
    assert result.accepted
    info = result.interchange
    assert (info.sender_id, info.recipient_id, info.control_ref, info.syntax_id) == (
        "5412345000013",
        "5400000000001",
        "ORD00042",
        "UNOC",
    )
    assert info.separators.decimal == ","
    d = result.messages[0].data
    assert (d["doc_type"], d["order_ref"], d["function"]) == ("220", "PO-2024-117", "9")
    assert d["dates"] == {"137": date(2024, 3, 20), "2": datetime(2024, 3, 25, 14, 0)}
    assert d["notes"] == ["Deliver to gate 4+ call 30 min ahead"]  # release character
    assert d["currency"] == "EUR"
    buyer = d["parties"][0]
    assert (buyer["qualifier"], buyer["id"], buyer["name"], buyer["city"]) == (
        "BY",
        "5412345000013",
        "Hypermarche Nord SA",
        "Lille",
    )
    l1, l2 = d["lines"]
    assert (l1["item_id"], l1["qty"], l1["uom"], l1["price"]) == (
        "05412345000020",
        120.0,
        "PCE",
        0.89,
    )
    assert l1["product_ids"] == {"SA": "MILK-1L", "IN": "HN-4471"}
    assert l1["description"] == "Whole milk 1L"
    assert (l2["qty"], l2["uom"], l2["price"]) == (36.5, "KGM", 7.2)
    # positive CONTRL back, sender and recipient swapped, same separators
    c = result.contrl
    assert c.startswith("UNA:+,? '")
    assert "UNB+UNOC:3+5400000000001:14+5412345000013:14+" in c
    assert "UCI+ORD00042+5412345000013:14+5400000000001:14+7'" in c
    assert "UCM+1+ORDERS:D:96A:UN+7'" in c


def test_invrpt_fixture_unoa() -> None:
    result = ed.process_interchange(fixture("invrpt_d96a.edi"))
    assert result.accepted
    d = result.messages[0].data
    milk, butter = d["items"]
    assert milk["quantities"] == {"145": 96.0} and milk["lot"] == "L2403A"
    assert milk["locations"] == {"14": "RENO-A-01"}
    assert butter["item_id"] == "05412345000037" and butter["uoms"] == {"145": "KGM"}
    assert "UNB+UNOA:2+" in result.contrl


def test_contrl_fixture_is_read_not_answered() -> None:
    result = ed.process_interchange(fixture("contrl_received.edi"))
    assert result.accepted and result.contrl is None
    d = result.messages[0].data
    assert (d["interchange_ref"], d["action"]) == ("DES0005", "4")
    m = d["messages"][0]
    assert (m["type"], m["action"]) == ("DESADV", "4")
    assert m["segments"] == [
        {"position": 7, "error": "13", "elements": []},
        {"position": 12, "error": "", "elements": [{"position": 1, "component": 2, "error": "12"}]},
    ]


@pytest.mark.parametrize("seps", SEPS, ids=["default", "comma-decimal", "custom"])
@pytest.mark.parametrize("mtype", ["DESADV", "ORDERS", "INVRPT"])
def test_round_trip(mtype: str, seps: ed.EdifactSeparators) -> None:
    docs = {
        "DESADV": desadv(),
        "ORDERS": ed.read_interchange(fixture("orders_d96a.edi")).messages[0].data,
        "INVRPT": ed.read_interchange(fixture("invrpt_d96a.edi")).messages[0].data,
    }
    doc = dict(docs[mtype])
    doc.pop("message_ref", None)
    env = ed.EdifactEnvelope("5400000000001", "5412345000013", separators=seps, syntax_version="4")
    raw = ed.write_interchange(env, [(mtype, doc), (mtype, doc)], control_ref="DES0005", when=WHEN)
    result = ed.read_interchange(raw)
    assert result.accepted, [m.describe() for m in result.messages] + [
        e.message for e in result.errors
    ]
    out = dict(result.messages[1].data)
    assert out.pop("message_ref") == "2"
    assert out == doc


def test_desadv_segments() -> None:
    env = ed.EdifactEnvelope("5400000000001", "5412345000013", write_una=False)
    raw = ed.write_interchange(env, [("DESADV", desadv())], control_ref="7", when=WHEN)
    segs = raw.split("'")
    assert "PCI+33E" in segs and "GIN+BJ+354123450000000014" in segs
    assert "LIN+1++05412345000020:SRV" in segs and "QTY+12:36.5:KGM" in segs
    assert "GIN+BX+L2403B?+??" in raw  # release character before + ? and '
    assert segs[-3].startswith("UNT+") and segs[-2] == "UNZ+1+7"


def _orders(**replace: str) -> str:
    text = fixture("orders_d96a.edi").decode()
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def _contrl(raw: str) -> dict:
    result = ed.process_interchange(raw, when=WHEN)
    assert result.contrl is not None
    back = ed.read_interchange(result.contrl)
    assert back.accepted
    return back.messages[0].data


def test_unt_count_and_reference() -> None:
    c = _contrl(_orders(**{"UNT+21+1'": "UNT+19+2'"}))
    m = c["messages"][0]
    assert (m["action"], m["error"]) == ("4", "29")
    result = ed.read_interchange(_orders(**{"UNT+21+1'": "UNT+19+2'"}))
    assert [e.code for e in result.messages[0].errors] == ["29", "28"]


def test_unz_count_and_reference() -> None:
    result = ed.read_interchange(_orders(**{"UNZ+1+ORD00042'": "UNZ+2+ORD00043'"}))
    assert [e.code for e in result.errors] == ["29", "28"]
    c = _contrl(_orders(**{"UNZ+1+ORD00042'": "UNZ+2+ORD00042'"}))
    assert (c["action"], c["error"], c["segment_tag"]) == ("7", "29", "UNZ")


def test_missing_mandatory_segment() -> None:
    c = _contrl(_orders(**{"BGM+220+PO-2024-117+9'\n": "", "UNT+21+1'": "UNT+20+1'"}))
    m = c["messages"][0]
    assert m["action"] == "4"
    assert m["segments"][0] == {"position": 2, "error": "13", "elements": []}


def test_invalid_date_and_quantity() -> None:
    c = _contrl(
        _orders(
            **{
                "DTM+137:20240320:102'": "DTM+137:20240231:102'",
                "QTY+21:120:PCE'": "QTY+21:12O:PCE'",
            }
        )
    )
    segs = c["messages"][0]["segments"]
    assert segs == [
        {"position": 3, "error": "", "elements": [{"position": 1, "component": 2, "error": "12"}]},
        {"position": 13, "error": "", "elements": [{"position": 1, "component": 2, "error": "37"}]},
    ]


def test_segment_not_supported_and_too_many() -> None:
    c = _contrl(_orders(**{"CUX+2:EUR:9'": "XYZ+1'"}))
    # UNH = 1, ... CUX was the 9th segment
    assert c["messages"][0]["segments"] == [{"position": 9, "error": "15", "elements": []}]


def test_unoa_character_check() -> None:
    text = fixture("invrpt_d96a.edi").decode().replace("MILK-1L", "Milk-1l")
    c = _contrl(text)
    assert c["messages"][0]["segments"] == [
        {"position": 6, "error": "", "elements": [{"position": 2, "component": 1, "error": "21"}]}
    ]


def test_unob_allows_lower_case() -> None:
    text = (
        fixture("invrpt_d96a.edi")
        .decode()
        .replace("MILK-1L", "Milk-1l")
        .replace("UNOA:2", "UNOB:2")
    )
    assert ed.read_interchange(text).accepted


def test_unsupported_syntax_rejects_interchange() -> None:
    result = ed.process_interchange(_orders(**{"UNOC:3": "UNOX:3"}), when=WHEN)
    assert result.fatal
    c = read_contrl(
        ed.tokenize(result.contrl[9:], ed.EdifactSeparators(":", "+", ",", "?", " ", "'"))[0][2:3]
    )
    assert (c["action"], c["error"]) == ("4", "2")


def test_truncated_interchange() -> None:
    text = _orders()
    result = ed.read_interchange(text[: text.index("UNT+")])
    assert [e.code for e in result.errors] == ["13"]
    assert result.messages[0].errors[0].message == "UNT missing"


def test_bad_una() -> None:
    result = ed.process_interchange("UNA:+.? :UNB+UNOC:3+A+B+240101:1000+1:")
    assert result.fatal and result.errors[0].code == "20"


def test_escape() -> None:
    s = ed.EdifactSeparators()
    assert ed.escape("a+b:c?d'e", s) == "a?+b?:c??d?'e"
    segs, _raw, complete = ed.tokenize("A+x?+y:z??'B+'", s)
    assert complete and segs == [[["A"], ["x+y", "z?"]], [["B"], [""]]]


# --------------------------------------------------------------------------- per message
@pytest.mark.parametrize("seps", SEPS, ids=["default", "comma-decimal", "custom"])
def test_message_payload_reads_alone(seps: ed.EdifactSeparators) -> None:
    """Each message's own interchange reads to the very message of the whole one,
    and its size is the message's, not the interchange's."""
    doc = dict(ed.read_interchange(fixture("invrpt_d96a.edi")).messages[0].data)
    doc.pop("message_ref", None)
    doc["ref"] = "REF+?'ESCAPED"  # release characters survive the split
    env = ed.EdifactEnvelope("5400000000001", "5412345000013", separators=seps, syntax_version="4")
    raw = ed.write_interchange(env, [("INVRPT", doc)] * 50, control_ref="R+1", when=WHEN)
    whole = ed.read_interchange(raw)
    assert whole.accepted and len(whole.messages) == 50
    for message in whole.messages:
        payload = ed.message_payload(whole, message)
        assert len(payload) < len(raw) / 20
        alone = ed.read_interchange(payload)
        assert alone.accepted, [m.describe() for m in alone.messages] + alone.errors
        assert [m.data for m in alone.messages] == [message.data]
        assert alone.interchange.control_ref == "R+1"


def test_message_payload_keeps_a_bad_message_bad() -> None:
    raw = _orders(**{"QTY+21:120:PCE": "QTY+21:1X0:PCE"})
    whole = ed.read_interchange(raw)
    alone = ed.read_interchange(ed.message_payload(whole, whole.messages[0]))
    assert not whole.messages[0].accepted and not alone.messages[0].accepted
    assert alone.messages[0].describe() == whole.messages[0].describe()
