"""Transaction sets <-> plain dicts.

Every set has a ``read_<id>(segments)`` taking the body segments (between ST
and SE, each a list of element strings, element 0 being the segment id) and a
``write_<id>(doc)`` returning such a list.  Readers return every documented key
(empty string / ``None`` / empty container when absent); writers accept missing
keys.  Readers are lenient on purpose: validation is done before them (see
:mod:`.x12_schema`), they only have to map.

Shared shapes
-------------
party (N1 loop)::

    {"qualifier": "ST", "name": "", "id_qualifier": "", "id": "", "name2": "",
     "address1": "", "address2": "", "city": "", "state": "", "postcode": "",
     "country": "", "contact_name": "", "phone": "", "email": ""}

refs (N9 / REF / L11): ``{qualifier: value}``; dates (G62 / DTM):
``{qualifier: date | datetime}`` (datetime when a time was sent);
product_ids: ``{qualifier: code}`` (``VN`` vendor/our code, ``BP`` buyer's
code, ``UK`` GTIN-14, ``UP`` UPC ...; ``LT`` lot goes to ``lot`` instead).
Quantities are floats (``None`` when absent).
"""

from __future__ import annotations

from datetime import date, datetime

from .x12_schema import SEGMENTS

_PAD = [""] * 20

PARTY_KEYS = (
    "qualifier",
    "name",
    "id_qualifier",
    "id",
    "name2",
    "address1",
    "address2",
    "city",
    "state",
    "postcode",
    "country",
    "contact_name",
    "phone",
    "email",
)


# --------------------------------------------------------------------------- values
def parse_date(d: str, t: str = "") -> date | datetime | None:
    if not d:
        return None
    if len(d) == 6:
        d = "20" + d
    day = date(int(d[:4]), int(d[4:6]), int(d[6:8]))
    if not t:
        return day
    sec = int(t[4:6]) if len(t) >= 6 else 0
    return datetime(day.year, day.month, day.day, int(t[:2]), int(t[2:4]), sec)


def fmt_date(v: date | datetime | None) -> tuple[str, str]:
    """(CCYYMMDD, HHMM[SS]) for an element pair; time empty for a date."""
    if v is None:
        return "", ""
    if isinstance(v, datetime):
        t = v.strftime("%H%M%S") if v.second else v.strftime("%H%M")
        return v.strftime("%Y%m%d"), t
    return v.strftime("%Y%m%d"), ""


def fmt_num(v: float | int | None) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, int) or float(v).is_integer():
        return str(int(v))
    return f"{float(v):.6f}".rstrip("0").rstrip(".")


def _num(s: str) -> float | None:
    return float(s) if s else None


def seg(tag: str, *values: object) -> list[str]:
    """A segment as a list, values made safe for X12: truncated to the element
    maximum for AN elements, numbers formatted, None -> empty."""
    sd = SEGMENTS.get(tag)
    out = [tag]
    for i, v in enumerate(values):
        if v is None:
            s = ""
        elif isinstance(v, float | int) and not isinstance(v, bool):
            s = fmt_num(v)
        else:
            s = str(v)
        if sd is not None and i < len(sd.elements) and s:
            el = sd.elements[i]
            if el.type == "AN" and len(s) > el.max:
                s = s[: el.max]
            elif el.type == "N0":
                s = str(int(float(s)))
        out.append(s)
    while len(out) > 1 and out[-1] == "":
        out.pop()
    return out


# --------------------------------------------------------------------------- parties
def _new_party(qualifier: str) -> dict:
    p = dict.fromkeys(PARTY_KEYS, "")
    p["qualifier"] = qualifier
    return p


def _party_segment(p: dict, el: list[str]) -> bool:
    """Apply N2/N3/N4/PER to party ``p``; False when ``el`` is not one of them."""
    tag = el[0]
    if tag == "N3":
        if p["address1"]:
            p["address2"] = el[1]
        else:
            p["address1"] = el[1]
            p["address2"] = el[2]
    elif tag == "N4":
        p["city"], p["state"], p["postcode"], p["country"] = el[1], el[2], el[3], el[4]
    elif tag == "N2":
        p["name2"] = el[1]
    elif tag == "PER":
        p["contact_name"] = el[2]
        for q, v in ((el[3], el[4]), (el[5], el[6])):
            if q == "TE":
                p["phone"] = v
            elif q == "EM":
                p["email"] = v
    else:
        return False
    return True


def _read_party(el: list[str]) -> dict:
    p = _new_party(el[1])
    p["name"], p["id_qualifier"], p["id"] = el[2], el[3], el[4]
    return p


def _write_parties(parties: list[dict], with_per: bool = True) -> list[list[str]]:
    out = []
    for p in parties or []:
        out.append(seg("N1", p.get("qualifier"), p.get("name"), p.get("id_qualifier"), p.get("id")))
        if p.get("name2"):
            out.append(seg("N2", p["name2"]))
        if p.get("address1") or p.get("address2"):
            out.append(
                seg(
                    "N3",
                    p.get("address1") or p.get("address2"),
                    p.get("address2") if p.get("address1") else "",
                )
            )
        if any(p.get(k) for k in ("city", "state", "postcode", "country")):
            out.append(
                seg("N4", p.get("city"), p.get("state"), p.get("postcode"), p.get("country"))
            )
        if with_per and (p.get("contact_name") or p.get("phone") or p.get("email")):
            comm = []
            if p.get("phone"):
                comm += ["TE", p["phone"]]
            if p.get("email"):
                comm += ["EM", p["email"]]
            out.append(seg("PER", "IC", p.get("contact_name"), *comm))
    return out


def _write_refs(tag: str, refs: dict) -> list[list[str]]:
    return [seg(tag, q, v) for q, v in (refs or {}).items()]


def _write_g62(dates: dict) -> list[list[str]]:
    out = []
    for q, v in (dates or {}).items():
        d, t = fmt_date(v)
        out.append(seg("G62", q, d, "8" if t else "", t))
    return out


def _product_pairs(ids: dict, n: int) -> list[str]:
    vals: list[str] = []
    for q, v in list((ids or {}).items())[:n]:
        vals += [q, v]
    return vals + [""] * (2 * n - len(vals))


def _ids_from(el: list[str], *positions: int) -> dict:
    ids = {}
    for p in positions:
        if el[p] and el[p + 1]:
            ids[el[p]] = el[p + 1]
    return ids


# --------------------------------------------------------------------------- 940
def write_940(doc: dict) -> list[list[str]]:
    """Warehouse shipping order from a delivery order dict.

    ``{"purpose": "N", "order_ref", "po_ref", "link_ref", "parties": [party],
    "refs": {}, "dates": {}, "notes": [str], "carrier": {"payment", "transport_method",
    "routing", "scac"} | None, "lines": [{"line", "qty", "uom", "upc", "product_ids",
    "lot", "description", "refs"}], "totals": {"qty", "weight", "weight_uom",
    "volume", "volume_uom"} | None}``
    """
    out = [
        seg(
            "W05",
            doc.get("purpose") or "N",
            doc["order_ref"],
            doc.get("po_ref"),
            doc.get("link_ref"),
        )
    ]
    out += _write_parties(doc.get("parties"))
    out += _write_refs("N9", doc.get("refs"))
    out += _write_g62(doc.get("dates"))
    out += [seg("NTE", "WHI", n) for n in doc.get("notes") or []]
    c = doc.get("carrier")
    if c:
        out.append(
            seg(
                "W66",
                c.get("payment") or "PP",
                c.get("transport_method") or "M",
                "",
                "",
                c.get("routing"),
                "",
                "",
                "",
                "",
                c.get("scac"),
            )
        )
    for i, ln in enumerate(doc.get("lines") or [], start=1):
        out.append(seg("LX", ln.get("line") or i))
        out.append(
            seg(
                "W01",
                ln["qty"],
                ln.get("uom") or "EA",
                ln.get("upc"),
                *_product_pairs(ln.get("product_ids"), 2),
            )
        )
        if ln.get("description"):
            out.append(seg("G69", ln["description"]))
        if ln.get("lot"):
            out.append(seg("N9", "LT", ln["lot"]))
        out += _write_refs("N9", ln.get("refs"))
    t = doc.get("totals")
    if t is None:
        t = {"qty": sum(ln["qty"] for ln in doc.get("lines") or [])}
    out.append(_totals_seg("W76", t))
    return out


def _totals_seg(tag: str, t: dict) -> list[str]:
    w, v = t.get("weight"), t.get("volume")
    return seg(
        tag,
        t.get("qty"),
        w,
        t.get("weight_uom") if w is not None else "",
        v,
        t.get("volume_uom") if v is not None else "",
    )


def _read_totals(el: list[str]) -> dict:
    return {
        "qty": _num(el[1]),
        "weight": _num(el[2]),
        "weight_uom": el[3],
        "volume": _num(el[4]),
        "volume_uom": el[5],
    }


def _header(doc: dict) -> tuple[list, dict, dict]:
    parties: list = []
    refs: dict = {}
    dates: dict = {}
    doc["parties"], doc["refs"], doc["dates"] = parties, refs, dates
    return parties, refs, dates


def read_940(segments: list[list[str]]) -> dict:  # noqa: PLR0912 - one branch per segment id
    doc: dict = {}
    parties, refs, dates = _header(doc)
    doc["notes"] = notes = []
    doc["carrier"] = None
    doc["totals"] = None
    doc["lines"] = lines = []
    line = None
    party = None
    lx = 0
    for el in segments:
        tag = el[0]
        el.extend(_PAD)
        if tag == "W01":
            line = {
                "line": lx,
                "qty": _num(el[1]),
                "uom": el[2],
                "upc": el[3],
                "product_ids": _ids_from(el, 4, 6),
                "lot": "",
                "description": "",
                "refs": {},
            }
            lines.append(line)
        elif tag == "N9":
            if line is None:
                refs[el[1]] = el[2]
            elif el[1] == "LT":
                line["lot"] = el[2]
            else:
                line["refs"][el[1]] = el[2]
        elif tag == "LX":
            lx = int(el[1])
        elif tag == "G69":
            if line is not None:
                line["description"] = el[1]
        elif tag == "W05":
            doc["purpose"], doc["order_ref"], doc["po_ref"], doc["link_ref"] = (
                el[1],
                el[2],
                el[3],
                el[4],
            )
        elif tag == "N1":
            party = _read_party(el)
            parties.append(party)
        elif party is not None and _party_segment(party, el):
            pass
        elif tag == "G62":
            dates[el[1]] = parse_date(el[2], el[4])
        elif tag == "NTE":
            notes.append(el[2])
        elif tag == "W66":
            doc["carrier"] = {
                "payment": el[1],
                "transport_method": el[2],
                "routing": el[5],
                "scac": el[10],
            }
        elif tag == "W76":
            doc["totals"] = _read_totals(el)
    return doc


# --------------------------------------------------------------------------- 945
def write_945(doc: dict) -> list[list[str]]:
    """Warehouse shipping advice (written by the simulated 3PL in tests).

    ``{"report_code": "F", "order_ref", "date", "shipment_id", "agent_shipment_id",
    "po_ref", "parties", "refs", "dates", "carrier": {"transport_method", "scac",
    "routing", "payment"}, "lines": [{"line", "sscc": [str], "status", "qty_ordered",
    "qty_shipped", "qty_difference", "uom", "upc", "product_ids", "lot",
    "description", "refs"}], "totals": {...}}``; lines with the same ``line`` number
    share one LX loop.
    """
    out = [_w06(doc)]
    out += _write_parties(doc.get("parties"))
    out += _write_refs("N9", doc.get("refs"))
    out += _write_g62(doc.get("dates"))
    out.append(_w27(doc.get("carrier") or {}))
    last_lx = None
    for i, ln in enumerate(doc.get("lines") or [], start=1):
        lx = ln.get("line") or i
        if lx != last_lx:
            out.append(seg("LX", lx))
            out += [seg("MAN", "GM", s) for s in ln.get("sscc") or []]
            last_lx = lx
        ids = _product_pairs(ln.get("product_ids"), 2)
        out.append(
            seg(
                "W12",
                ln.get("status") or "CC",
                ln.get("qty_ordered"),
                ln.get("qty_shipped"),
                ln.get("qty_difference"),
                ln.get("uom") or "EA",
                ln.get("upc"),
                ids[0],
                ids[1],
                "",
                "",
                "",
                "",
                ids[2],
                ids[3],
            )
        )
        if ln.get("description"):
            out.append(seg("G69", ln["description"]))
        if ln.get("lot"):
            out.append(seg("N9", "LT", ln["lot"]))
        out += _write_refs("N9", ln.get("refs"))
    t = doc.get("totals")
    if t is None:
        t = {"qty": sum(ln.get("qty_shipped") or 0 for ln in doc.get("lines") or [])}
    out.append(_totals_seg("W03", t))
    return out


def _w06(doc: dict) -> list[str]:
    d, _t = fmt_date(doc.get("date"))
    return seg(
        "W06",
        doc.get("report_code") or "F",
        doc.get("order_ref"),
        d,
        doc.get("shipment_id"),
        doc.get("agent_shipment_id"),
        doc.get("po_ref"),
    )


_W27_EXTRA = (
    "equipment_type",
    "equipment_initial",
    "equipment_number",
    "status",
    "special_handling",
    "change_reason",
)  # W27-05 .. W27-10


def _w27(c: dict) -> list[str]:
    return seg(
        "W27",
        c.get("transport_method") or "M",
        c.get("scac"),
        c.get("routing"),
        c.get("payment"),
        *(c.get(k) for k in _W27_EXTRA),
    )


def _read_w27(el: list[str]) -> dict:
    el = [*el, *[""] * (11 - len(el))]
    carrier = {
        "transport_method": el[1],
        "scac": el[2],
        "routing": el[3],
        "payment": el[4],
    }
    carrier.update({k: v for k, v in zip(_W27_EXTRA, el[5:11], strict=True) if v})
    return carrier


def _read_w06(doc: dict, el: list[str]) -> None:
    doc["report_code"], doc["order_ref"] = el[1], el[2]
    doc["date"] = parse_date(el[3])
    doc["shipment_id"], doc["agent_shipment_id"], doc["po_ref"] = el[4], el[5], el[6]


def read_945(segments: list[list[str]]) -> dict:  # noqa: PLR0912 - one branch per segment id
    doc: dict = {}
    parties, refs, dates = _header(doc)
    doc["carrier"] = None
    doc["totals"] = None
    doc["lines"] = lines = []
    line = None
    party = None
    lx = 0
    sscc: list[str] = []
    for el in segments:
        tag = el[0]
        el.extend(_PAD)
        if tag == "W12":
            line = {
                "line": lx,
                "sscc": sscc,
                "status": el[1],
                "qty_ordered": float(el[2]) if el[2] else None,
                "qty_shipped": float(el[3]) if el[3] else None,
                "qty_difference": float(el[4]) if el[4] else None,
                "uom": el[5],
                "upc": el[6],
                "product_ids": _ids_from(el, 7, 13),
                "lot": el[9],
                "description": "",
                "refs": {},
            }
            lines.append(line)
        elif tag == "N9":
            if line is None:
                refs[el[1]] = el[2]
            elif el[1] == "LT":
                line["lot"] = el[2]
            else:
                line["refs"][el[1]] = el[2]
        elif tag == "MAN":
            sscc.append(el[2])
        elif tag == "LX":
            lx = int(el[1])
            sscc = []
        elif tag == "G69":
            if line is not None:
                line["description"] = el[1]
        elif tag == "W06":
            _read_w06(doc, el)
        elif tag == "N1":
            party = _read_party(el)
            parties.append(party)
        elif party is not None and _party_segment(party, el):
            pass
        elif tag == "G62":
            dates[el[1]] = parse_date(el[2], el[4])
        elif tag == "W27":
            doc["carrier"] = _read_w27(el)
        elif tag == "W03":
            doc["totals"] = _read_totals(el)
    return doc


# --------------------------------------------------------------------------- 943
def write_943(doc: dict) -> list[list[str]]:
    """Stock transfer shipment advice (inbound notice to the 3PL).

    ``{"report_code": "N", "order_ref", "date", "shipment_id", "agent_shipment_id",
    "po_ref", "parties", "refs", "dates", "carrier", "lines": [{"qty", "uom", "upc",
    "product_ids", "lot", "description", "refs"}], "totals"}``
    """
    out = [_w06(doc)]
    out += _write_parties(doc.get("parties"))
    out += _write_refs("N9", doc.get("refs"))
    out += _write_g62(doc.get("dates"))
    out.append(_w27(doc.get("carrier") or {}))
    for ln in doc.get("lines") or []:
        out.append(
            seg(
                "W04",
                ln["qty"],
                ln.get("uom") or "EA",
                ln.get("upc"),
                *_product_pairs(ln.get("product_ids"), 2),
            )
        )
        if ln.get("description"):
            out.append(seg("G69", ln["description"]))
        if ln.get("lot"):
            out.append(seg("N9", "LT", ln["lot"]))
        out += _write_refs("N9", ln.get("refs"))
    t = doc.get("totals")
    if t is None:
        t = {"qty": sum(ln["qty"] for ln in doc.get("lines") or [])}
    out.append(_totals_seg("W03", t))
    return out


def read_943(segments: list[list[str]]) -> dict:  # noqa: PLR0912 - one branch per segment id
    doc: dict = {}
    parties, refs, dates = _header(doc)
    doc["carrier"] = None
    doc["totals"] = None
    doc["lines"] = lines = []
    line = None
    party = None
    for el in segments:
        tag = el[0]
        el.extend(_PAD)
        if tag == "W04":
            line = {
                "qty": _num(el[1]),
                "uom": el[2],
                "upc": el[3],
                "product_ids": _ids_from(el, 4, 6),
                "lot": "",
                "description": "",
                "refs": {},
            }
            lines.append(line)
        elif tag == "N9":
            if line is None:
                refs[el[1]] = el[2]
            elif el[1] == "LT":
                line["lot"] = el[2]
            else:
                line["refs"][el[1]] = el[2]
        elif tag == "G69":
            if line is not None:
                line["description"] = el[1]
        elif tag == "W06":
            _read_w06(doc, el)
        elif tag == "N1":
            party = _read_party(el)
            parties.append(party)
        elif party is not None and _party_segment(party, el):
            pass
        elif tag == "G62":
            dates[el[1]] = parse_date(el[2], el[4])
        elif tag == "W27":
            doc["carrier"] = _read_w27(el)
        elif tag == "W03":
            doc["totals"] = _read_totals(el)
    return doc


# --------------------------------------------------------------------------- 944
def write_944(doc: dict) -> list[list[str]]:
    """Stock transfer receipt advice (written by the simulated 3PL in tests).

    ``{"report_code": "F", "date", "receipt_ref", "order_ref", "po_ref", "shipment_id",
    "parties", "refs", "dates", "lines": [{"line", "qty", "uom", "upc", "product_ids",
    "lot", "description", "refs", "exceptions": [{"qty", "uom", "condition"}]}],
    "totals": {"qty_received", "qty_damaged", "qty_over", "qty_short"}}``
    """
    d, _t = fmt_date(doc.get("date"))
    out = [
        seg(
            "W17",
            doc.get("report_code") or "F",
            d,
            doc["receipt_ref"],
            doc.get("order_ref"),
            doc.get("po_ref"),
            doc.get("shipment_id"),
        )
    ]
    out += _write_parties(doc.get("parties"))
    out += _write_refs("N9", doc.get("refs"))
    out += _write_g62(doc.get("dates"))
    for i, ln in enumerate(doc.get("lines") or [], start=1):
        out.append(seg("LX", ln.get("line") or i))
        ids = _product_pairs(ln.get("product_ids"), 2)
        out.append(
            seg(
                "W07",
                ln["qty"],
                ln.get("uom") or "EA",
                ln.get("upc"),
                ids[0],
                ids[1],
                "",
                ids[2],
                ids[3],
            )
        )
        if ln.get("description"):
            out.append(seg("G69", ln["description"]))
        if ln.get("lot"):
            out.append(seg("N9", "LT", ln["lot"]))
        out += _write_refs("N9", ln.get("refs"))
        out += [
            seg("W13", x["qty"], x.get("uom") or "EA", x["condition"])
            for x in ln.get("exceptions") or []
        ]
    t = doc.get("totals") or {}
    out.append(
        seg(
            "W14",
            t.get("qty_received", sum(ln["qty"] for ln in doc.get("lines") or [])),
            t.get("qty_damaged"),
            t.get("qty_over"),
            t.get("qty_short"),
        )
    )
    return out


def read_944(segments: list[list[str]]) -> dict:  # noqa: PLR0912 - one branch per segment id
    doc: dict = {}
    parties, refs, dates = _header(doc)
    doc["totals"] = None
    doc["lines"] = lines = []
    line = None
    party = None
    lx = 0
    for el in segments:
        tag = el[0]
        el.extend(_PAD)
        if tag == "W07":
            line = {
                "line": lx,
                "qty": _num(el[1]),
                "uom": el[2],
                "upc": el[3],
                "product_ids": _ids_from(el, 4, 7),
                "lot": el[6],
                "description": "",
                "refs": {},
                "exceptions": [],
            }
            lines.append(line)
        elif tag == "N9":
            if line is None:
                refs[el[1]] = el[2]
            elif el[1] == "LT":
                line["lot"] = el[2]
            else:
                line["refs"][el[1]] = el[2]
        elif tag == "W13":
            if line is not None:
                line["exceptions"].append({"qty": _num(el[1]), "uom": el[2], "condition": el[3]})
        elif tag == "LX":
            lx = int(el[1])
        elif tag == "G69":
            if line is not None:
                line["description"] = el[1]
        elif tag == "W17":
            doc["report_code"] = el[1]
            doc["date"] = parse_date(el[2])
            doc["receipt_ref"], doc["order_ref"], doc["po_ref"], doc["shipment_id"] = (
                el[3],
                el[4],
                el[5],
                el[6],
            )
        elif tag == "N1":
            party = _read_party(el)
            parties.append(party)
        elif party is not None and _party_segment(party, el):
            pass
        elif tag == "G62":
            dates[el[1]] = parse_date(el[2], el[4])
        elif tag == "W14":
            doc["totals"] = {
                "qty_received": _num(el[1]),
                "qty_damaged": _num(el[2]),
                "qty_over": _num(el[3]),
                "qty_short": _num(el[4]),
            }
    return doc


# --------------------------------------------------------------------------- 846
def write_846(doc: dict) -> list[list[str]]:
    """Inventory inquiry/advice (written by the simulated 3PL in tests).

    ``{"purpose": "00", "report_type": "DD", "ref", "date": date|datetime, "refs",
    "dates", "parties", "items": [{"product_ids", "lot", "quantities": {qual: qty},
    "uoms": {qual: uom}, "dates": {}, "refs": {}}], "line_count": int|None}``
    QTY qualifiers seen from 3PLs: ``33`` available, ``17`` on hand, ``QH`` on hold,
    ``02`` damaged (cumulative), ``QD`` quantity on order / in transit.
    """
    d, t = fmt_date(doc.get("date"))
    out = [seg("BIA", doc.get("purpose") or "00", doc.get("report_type") or "DD", doc["ref"], d, t)]
    out += _write_refs("REF", doc.get("refs"))
    out += _write_dtm(doc.get("dates"))
    out += _write_parties(doc.get("parties"))
    items = doc.get("items") or []
    for i, it in enumerate(items, start=1):
        ids = dict(it.get("product_ids") or {})
        if it.get("lot"):
            ids["LT"] = it["lot"]
        out.append(seg("LIN", i, *_product_pairs(ids, 4)))
        out += _write_dtm(it.get("dates"))
        out += _write_refs("REF", it.get("refs"))
        uoms = it.get("uoms") or {}
        for q, v in (it.get("quantities") or {}).items():
            out.append(seg("QTY", q, v, uoms.get(q, "")))
    out.append(seg("CTT", doc.get("line_count") or len(items)))
    return out


def _write_dtm(dates: dict) -> list[list[str]]:
    out = []
    for q, v in (dates or {}).items():
        d, t = fmt_date(v)
        out.append(seg("DTM", q, d, t))
    return out


def read_846(segments: list[list[str]]) -> dict:
    doc: dict = {}
    parties, refs, dates = _header(doc)
    doc["items"] = items = []
    doc["line_count"] = None
    item = None
    party = None
    for el in segments:
        tag = el[0]
        el.extend(_PAD)
        if tag == "QTY":
            if item is not None:
                item["quantities"][el[1]] = _num(el[2])
                item["uoms"][el[1]] = el[3]
        elif tag == "LIN":
            ids = _ids_from(el, 2, 4, 6, 8)
            lot = ids.pop("LT", "")
            item = {
                "product_ids": ids,
                "lot": lot,
                "quantities": {},
                "uoms": {},
                "dates": {},
                "refs": {},
            }
            items.append(item)
            party = None
        elif tag == "DTM":
            (item["dates"] if item is not None else dates)[el[1]] = parse_date(el[2], el[3])
        elif tag == "REF":
            (item["refs"] if item is not None else refs)[el[1]] = el[2]
        elif tag == "BIA":
            doc["purpose"], doc["report_type"], doc["ref"] = el[1], el[2], el[3]
            doc["date"] = parse_date(el[4], el[5])
        elif tag == "N1":
            party = _read_party(el)
            parties.append(party)
        elif party is not None and _party_segment(party, el):
            pass
        elif tag == "CTT":
            doc["line_count"] = int(el[1])
    return doc


# --------------------------------------------------------------------------- 856
def write_856(doc: dict) -> list[list[str]]:
    """Ship notice / manifest (ASN) to a customer, hierarchy S > O > (P >) I.

    ``{"purpose": "00", "shipment_id", "datetime": datetime, "structure": "0001",
    "shipment": {"packaging": "CTN25", "lading_qty": int, "weight", "weight_uom",
    "scac", "transport_method", "routing", "refs": {}, "dates": {}, "parties": [party]},
    "orders": [{"po_ref", "po_date", "refs": {}, "packs": [{"sscc", "items": [item]}],
    "items": [item]}]}`` with item ``{"product_ids", "lot", "qty", "uom",
    "qty_ordered"}`` (``items`` directly under an order are unpacked goods).
    """
    d, t = fmt_date(doc["datetime"])
    out = [
        seg(
            "BSN",
            doc.get("purpose") or "00",
            doc["shipment_id"],
            d,
            t or "0000",
            doc.get("structure") or "0001",
        )
    ]
    hl = 0

    def add_hl(parent: int | None, level: str, has_children: bool) -> int:
        nonlocal hl
        hl += 1
        out.append(seg("HL", hl, parent or "", level, "1" if has_children else "0"))
        return hl

    def add_item(parent: int, it: dict) -> None:
        add_hl(parent, "I", False)
        ids = dict(it.get("product_ids") or {})
        if it.get("lot"):
            ids["LT"] = it["lot"]
        out.append(seg("LIN", "", *_product_pairs(ids, 4)))
        out.append(
            seg(
                "SN1",
                "",
                it["qty"],
                it.get("uom") or "EA",
                "",
                it.get("qty_ordered"),
                (it.get("uom") or "EA") if it.get("qty_ordered") is not None else "",
            )
        )

    s = doc.get("shipment") or {}
    orders = doc.get("orders") or []
    sid = add_hl(None, "S", bool(orders))
    w = s.get("weight")
    out.append(
        seg(
            "TD1",
            s.get("packaging"),
            s.get("lading_qty"),
            "",
            "",
            "",
            "G" if w is not None else "",
            w,
            s.get("weight_uom") if w is not None else "",
        )
    )
    if s.get("scac") or s.get("transport_method") or s.get("routing"):
        out.append(
            seg(
                "TD5",
                "B",
                "2" if s.get("scac") else "",
                s.get("scac"),
                s.get("transport_method"),
                s.get("routing"),
            )
        )
    out += _write_refs("REF", s.get("refs"))
    out += _write_dtm(s.get("dates"))
    out += _write_parties(s.get("parties"), with_per=False)
    for o in orders:
        oid = add_hl(sid, "O", bool(o.get("packs") or o.get("items")))
        pd, _ = fmt_date(o.get("po_date"))
        out.append(seg("PRF", o["po_ref"], "", "", pd))
        out += _write_refs("REF", o.get("refs"))
        for p in o.get("packs") or []:
            pid = add_hl(oid, "P", bool(p.get("items")))
            out.append(seg("MAN", "GM", p["sscc"]))
            for it in p.get("items") or []:
                add_item(pid, it)
        for it in o.get("items") or []:
            add_item(oid, it)
    out.append(seg("CTT", hl))
    return out


def read_856(segments: list[list[str]]) -> dict:  # noqa: PLR0912, PLR0915 - one branch per segment id
    doc: dict = {"orders": []}
    ship: dict = {
        "packaging": "",
        "lading_qty": None,
        "weight": None,
        "weight_uom": "",
        "scac": "",
        "transport_method": "",
        "routing": "",
        "refs": {},
        "dates": {},
        "parties": [],
    }
    doc["shipment"] = ship
    doc["hl_count"] = None
    cur: dict = ship
    level = ""
    order: dict | None = None
    pack: dict | None = None
    item: dict | None = None
    containers: dict[str, dict] = {}
    party = None
    for el in segments:
        tag = el[0]
        el.extend(_PAD)
        if tag == "HL":
            level = el[3]
            party = None
            if level == "O":
                order = {"po_ref": "", "po_date": None, "refs": {}, "packs": [], "items": []}
                doc["orders"].append(order)
                containers[el[1]] = cur = order
            elif level == "P":
                pack = {"sscc": "", "items": []}
                owner = containers.get(el[2], order)
                if owner is not None and "packs" in owner:
                    owner["packs"].append(pack)
                containers[el[1]] = cur = pack
            elif level == "I":
                item = {"product_ids": {}, "lot": "", "qty": None, "uom": "", "qty_ordered": None}
                owner = containers.get(el[2])
                if owner is not None:
                    owner["items"].append(item)
                cur = item
            else:
                cur = ship
        elif tag == "LIN" and item is not None:
            ids = _ids_from(el, 2, 4, 6, 8)
            item["lot"] = ids.pop("LT", "")
            item["product_ids"] = ids
        elif tag == "SN1" and item is not None:
            item["qty"], item["uom"], item["qty_ordered"] = _num(el[2]), el[3], _num(el[5])
        elif tag == "MAN" and level == "P" and pack is not None:
            pack["sscc"] = el[2]
        elif tag == "PRF" and order is not None:
            order["po_ref"] = el[1]
            order["po_date"] = parse_date(el[4])
        elif tag == "REF" and "refs" in cur:
            cur["refs"][el[1]] = el[2]
        elif tag == "DTM" and "dates" in cur:
            cur["dates"][el[1]] = parse_date(el[2], el[3])
        elif tag == "TD1":
            ship["packaging"] = el[1]
            ship["lading_qty"] = int(el[2]) if el[2] else None
            ship["weight"], ship["weight_uom"] = _num(el[7]), el[8]
        elif tag == "TD5":
            ship["scac"], ship["transport_method"], ship["routing"] = el[3], el[4], el[5]
        elif tag == "N1":
            party = _read_party(el)
            ship["parties"].append(party)
        elif party is not None and _party_segment(party, el):
            pass
        elif tag == "BSN":
            doc["purpose"], doc["shipment_id"] = el[1], el[2]
            doc["datetime"] = parse_date(el[3], el[4])
            doc["structure"] = el[5]
        elif tag == "CTT":
            doc["hl_count"] = int(el[1])
    return doc


# --------------------------------------------------------------------------- 214
def write_214(doc: dict) -> list[list[str]]:
    """Shipment status (written by the simulated carrier in tests).

    ``{"pro_number", "shipment_id", "scac", "refs": {}, "parties": [party],
    "statuses": [{"status", "reason", "appointment_status", "appointment_reason",
    "datetime", "location": {"city", "state", "country"},
    "equipment": {"scac", "number", "type"} | None, "refs": {}}]}``
    """
    out = [seg("B10", doc.get("pro_number"), doc["shipment_id"], doc["scac"])]
    out += [seg("L11", v, q) for q, v in (doc.get("refs") or {}).items()]
    out += _write_parties(doc.get("parties"))
    for i, st in enumerate(doc.get("statuses") or [], start=1):
        out.append(seg("LX", i))
        d, t = fmt_date(st.get("datetime"))
        out.append(
            seg(
                "AT7",
                st.get("status"),
                st.get("reason"),
                st.get("appointment_status"),
                st.get("appointment_reason"),
                d,
                t,
                "LT" if t else "",
            )
        )
        loc = st.get("location") or {}
        if any(loc.values()):
            out.append(seg("MS1", loc.get("city"), loc.get("state"), loc.get("country")))
        eq = st.get("equipment")
        if eq:
            out.append(seg("MS2", eq.get("scac"), eq.get("number"), eq.get("type")))
        out += [seg("L11", v, q) for q, v in (st.get("refs") or {}).items()]
    return out


def read_214(segments: list[list[str]]) -> dict:
    doc: dict = {"refs": {}, "parties": [], "statuses": []}
    status = None
    party = None
    for el in segments:
        tag = el[0]
        el.extend(_PAD)
        if tag == "AT7":
            status = {
                "status": el[1],
                "reason": el[2],
                "appointment_status": el[3],
                "appointment_reason": el[4],
                "datetime": parse_date(el[5], el[6]),
                "location": {"city": "", "state": "", "country": ""},
                "equipment": None,
                "refs": {},
            }
            doc["statuses"].append(status)
        elif tag == "MS1" and status is not None:
            status["location"] = {"city": el[1], "state": el[2], "country": el[3]}
        elif tag == "MS2" and status is not None:
            status["equipment"] = {"scac": el[1], "number": el[2], "type": el[3]}
        elif tag == "L11":
            (status["refs"] if status is not None else doc["refs"])[el[2]] = el[1]
        elif tag == "LX":
            party = None
        elif tag == "B10":
            doc["pro_number"], doc["shipment_id"], doc["scac"] = el[1], el[2], el[3]
        elif tag == "N1":
            party = _read_party(el)
            doc["parties"].append(party)
        elif party is not None and _party_segment(party, el):
            pass
    return doc


# --------------------------------------------------------------------------- 997 / 999
def write_ack(doc: dict, set_id: str, cs: str) -> list[list[str]]:
    """997 (``set_id="997"``) or 999 from an acknowledgment dict (see :func:`read_ack`)."""
    k3, k4, k5 = ("AK3", "AK4", "AK5") if set_id == "997" else ("IK3", "IK4", "IK5")
    out = [seg("AK1", doc["functional_id"], doc["group_control"], doc.get("version"))]
    for s in doc.get("sets") or []:
        out.append(seg("AK2", s["set_id"], s["control_number"], s.get("implementation_ref")))
        for sg in s.get("segments") or []:
            out.append(seg(k3, sg["segment_id"], sg["position"], sg.get("loop_id"), sg["code"]))
            for e in sg.get("elements") or []:
                pos = [str(e["position"])]
                if e.get("component") or e.get("repetition"):
                    pos.append(str(e.get("component") or ""))
                if e.get("repetition"):
                    pos.append(str(e["repetition"]))
                value = _safe_copy(e.get("value") or "")
                out.append(seg(k4, cs.join(pos).rstrip(cs), e.get("ref"), e["code"], value))
        out.append(seg(k5, s["code"], *(s.get("errors") or [])[:5]))
    out.append(
        seg(
            "AK9",
            doc["code"],
            doc["included"],
            doc["received"],
            doc["accepted"],
            *(doc.get("errors") or [])[:5],
        )
    )
    return out


def _safe_copy(value: str) -> str:
    return "".join(c if " " <= c <= "~" else "?" for c in value)[:99]


def read_ack(segments: list[list[str]], cs: str = ">") -> dict:
    """997 or 999 -> ``{"functional_id", "group_control", "version", "sets": [{"set_id",
    "control_number", "implementation_ref", "code", "errors": [str], "segments":
    [{"segment_id", "position", "loop_id", "code", "elements": [{"position",
    "component", "repetition", "ref", "code", "value"}]}]}], "code", "included",
    "received", "accepted", "errors": [str]}``"""
    doc: dict = {"sets": []}
    cur = None
    segm = None
    for el in segments:
        tag = el[0]
        el.extend(_PAD)
        if tag == "AK1":
            doc["functional_id"], doc["group_control"], doc["version"] = el[1], el[2], el[3]
        elif tag == "AK2":
            cur = {
                "set_id": el[1],
                "control_number": el[2],
                "implementation_ref": el[3],
                "code": "",
                "errors": [],
                "segments": [],
            }
            doc["sets"].append(cur)
        elif tag in ("AK3", "IK3") and cur is not None:
            segm = {
                "segment_id": el[1],
                "position": int(el[2]),
                "loop_id": el[3],
                "code": el[4],
                "elements": [],
            }
            cur["segments"].append(segm)
        elif tag in ("AK4", "IK4") and segm is not None:
            pos = [*el[1].split(cs), "", "", ""]
            segm["elements"].append(
                {
                    "position": int(pos[0]),
                    "component": int(pos[1]) if pos[1] else None,
                    "repetition": int(pos[2]) if pos[2] else None,
                    "ref": el[2],
                    "code": el[3],
                    "value": el[4],
                }
            )
        elif tag in ("AK5", "IK5") and cur is not None:
            cur["code"] = el[1]
            cur["errors"] = [x for x in el[2:7] if x]
        elif tag == "AK9":
            doc["code"] = el[1]
            doc["included"], doc["received"], doc["accepted"] = int(el[2]), int(el[3]), int(el[4])
            doc["errors"] = [x for x in el[5:10] if x]
    return doc


READERS = {
    "940": read_940,
    "945": read_945,
    "943": read_943,
    "944": read_944,
    "846": read_846,
    "856": read_856,
    "214": read_214,
}
WRITERS = {
    "940": write_940,
    "945": write_945,
    "943": write_943,
    "944": write_944,
    "846": write_846,
    "856": write_856,
    "214": write_214,
}
