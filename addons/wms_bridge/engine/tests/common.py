"""Shared builders for the codec tests (plain data, no Odoo)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
WHEN = datetime(2024, 3, 15, 15, 0)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def isa(
    control: str = "000000123",
    *,
    version: str = "00501",
    es: str = "*",
    cs: str = ">",
    rs: str = "^",
    term: str = "~",
    sender: str = "PARTNER",
    receiver: str = "US",
    ack: str = "0",
) -> str:
    fields = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        sender.ljust(15),
        "ZZ",
        receiver.ljust(15),
        "240315",
        "1432",
        rs if version >= "00402" else "U",
        version,
        control,
        ack,
        "P",
        cs,
    ]
    out = es.join(fields) + term
    assert len(out) == 106
    return out


def interchange(
    body: list[str],
    *,
    set_id: str = "945",
    fid: str = "SW",
    version: str = "00501",
    se: str | None = None,
    ge: str = "GE*1*77",
    iea: str = "IEA*1*000000123",
    ack: str = "0",
) -> str:
    """One group, one set; ``body`` segments without terminator (``*`` ``~``)."""
    gsver = "005010" if version == "00501" else "004010"
    segs = [
        f"GS*{fid}*PARTNER*US*20240315*1432*77*X*{gsver}",
        f"ST*{set_id}*0001",
        *body,
        se or f"SE*{len(body) + 2}*0001",
        ge,
        iea,
    ]
    return isa(version=version, ack=ack) + "".join(s + "~" for s in segs)


BODY_945 = ["W06*F*ORD1*20240315*SH1", "W27*M*UPSN", "LX*1", "W12*CC*10*10**EA**VN*SKU1", "W03*10"]


def party(qualifier: str = "ST", n: int = 1) -> dict:
    return {
        "qualifier": qualifier,
        "name": f"Northwind Grocers {n}",
        "id_qualifier": "92",
        "id": f"C{n:05d}",
        "name2": "Receiving",
        "address1": "400 Harbor Blvd",
        "address2": "Dock 3",
        "city": "Oakland",
        "state": "CA",
        "postcode": "94607",
        "country": "US",
        "contact_name": "Dana Ruiz",
        "phone": "5105550100",
        "email": "dock@northwind.example",
    }


def delivery_940() -> dict:
    """A delivery order as the Odoo adapter would build it (all keys)."""
    return {
        "purpose": "N",
        "order_ref": "WH/OUT/00042",
        "po_ref": "SO0042",
        "link_ref": "",
        "parties": [
            party("ST"),
            party("SF", 2) | {"name2": "", "contact_name": "", "phone": "", "email": ""},
        ],
        "refs": {"CO": "SO0042", "CR": "CUST-PO-9"},
        "dates": {"10": date(2024, 3, 15), "02": datetime(2024, 3, 18, 9, 30)},
        "notes": ["Keep refrigerated 2-8 C"],
        "carrier": {
            "payment": "PP",
            "transport_method": "M",
            "routing": "UPS GROUND",
            "scac": "UPSN",
        },
        "lines": [
            {
                "line": 1,
                "qty": 24.0,
                "uom": "EA",
                "upc": "",
                "product_ids": {"VN": "MILK-1L", "UK": "10614141000019"},
                "lot": "L2403A",
                "description": "Whole milk 1L",
                "refs": {},
            },
            {
                "line": 2,
                "qty": 10.5,
                "uom": "CA",
                "upc": "061414100001",
                "product_ids": {"VN": "BUTTER-250"},
                "lot": "",
                "description": "",
                "refs": {"PO": "LINE-REF-2"},
            },
        ],
        "totals": {
            "qty": 34.5,
            "weight": 212.5,
            "weight_uom": "LB",
            "volume": None,
            "volume_uom": "",
        },
    }


def advice_945() -> dict:
    return {
        "report_code": "F",
        "order_ref": "WH/OUT/00042",
        "date": date(2024, 3, 15),
        "shipment_id": "SHP-7781",
        "agent_shipment_id": "",
        "po_ref": "SO0042",
        "parties": [party("ST")],
        "refs": {"BM": "BOL-552190", "CN": "1Z999AA10123456784"},
        "dates": {"11": datetime(2024, 3, 15, 14, 15)},
        "carrier": {
            "transport_method": "M",
            "scac": "UPSN",
            "routing": "UPS GROUND",
            "payment": "PP",
        },
        "lines": [
            {
                "line": 1,
                "sscc": ["00106141411234567897"],
                "status": "CC",
                "qty_ordered": 24.0,
                "qty_shipped": 24.0,
                "qty_difference": 0.0,
                "uom": "EA",
                "upc": "",
                "product_ids": {"VN": "MILK-1L"},
                "lot": "L2403A",
                "description": "",
                "refs": {},
            },
            {
                "line": 2,
                "sscc": ["00106141411234567903", "00106141411234567910"],
                "status": "CP",
                "qty_ordered": 10.0,
                "qty_shipped": 6.0,
                "qty_difference": 4.0,
                "uom": "CA",
                "upc": "",
                "product_ids": {"VN": "BUTTER-250", "BP": "HN-4471"},
                "lot": "B0311",
                "description": "Butter",
                "refs": {"PO": "X1"},
            },
        ],
        "totals": {
            "qty": 30.0,
            "weight": 212.5,
            "weight_uom": "LB",
            "volume": 1.25,
            "volume_uom": "CF",
        },
    }
