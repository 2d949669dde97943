"""Incoming inventory reports (X12 846, EDIFACT INVRPT) in one neutral shape.

Both reports are first mapped into a *stock report*, which one path in Odoo turns
into a reconciliation (``wms.stock.reconciliation._create_from_stock_report``)::

    {"ref": str, "date": date | datetime | None, "qualifiers": (QTY qualifiers read),
     "lines": [{"line": str, "product_ids": {qualifier: code}, "lot": str,
                "qty": float | None, "qualifier": str, "uom": EDI unit code or ""}]}

``qty`` is None when the line carries none of the on-hand qualifiers.  These
mappers only rename and pick: no database, no Odoo.
"""

from __future__ import annotations

# QTY qualifiers meaning "what the 3PL holds", in order of preference.
ON_HAND_QUALIFIERS = ("17", "33")  # X12 846 (673): on hand, available
INVRPT_ON_HAND_QUALIFIERS = ("145",)  # EDIFACT INVRPT (6063): actual stock
# LIN item number types (7143) whose number is a GTIN.
GTIN_ITEM_TYPES = ("EN", "SRV", "UP")
# Product code qualifiers per mapping choice: the chosen kind is tried first.
CODE_KEYS = {"ours": ("VN", "SA"), "theirs": ("BP", "IN", "BY"), "gtin": ("UK", "EN", "UP")}


def _on_hand(quantities, qualifiers):
    """``(qualifier, qty)`` of the first on-hand qualifier present, else ``("", None)``."""
    for qualifier in qualifiers:
        if qualifier in quantities:
            return qualifier, quantities[qualifier]
    return "", None


def stock_report_from_846(doc):
    """X12 846 (the engine's dict) -> stock report; lot from LIN ``LT``."""
    lines = []
    for index, item in enumerate(doc.get("items") or [], start=1):
        qualifier, qty = _on_hand(item.get("quantities") or {}, ON_HAND_QUALIFIERS)
        lines.append(
            {
                "line": str(index),
                "product_ids": dict(item.get("product_ids") or {}),
                "lot": item.get("lot") or "",
                "qty": qty,
                "qualifier": qualifier,
                "uom": (item.get("uoms") or {}).get(qualifier) or "",
            }
        )
    return {
        "ref": doc.get("ref") or "",
        "date": doc.get("date"),
        "qualifiers": ON_HAND_QUALIFIERS,
        "lines": lines,
    }


def stock_report_from_invrpt(doc):
    """EDIFACT INVRPT (the engine's dict) -> stock report.

    Product ids from PIA (``SA`` ours, ``IN``/``BP`` theirs) and the LIN item number
    when it is a GTIN (``EN``/``SRV``/``UP``, kept as ``EN``); lot from ``GIN+BX``
    or, failing that, a PIA batch number (``NB``); date from DTM 137."""
    lines = []
    for index, item in enumerate(doc.get("items") or [], start=1):
        ids = dict(item.get("product_ids") or {})
        batch = ids.pop("NB", "")
        if item.get("item_id") and item.get("item_id_type") in GTIN_ITEM_TYPES:
            ids.setdefault("EN", item["item_id"])
        qualifier, qty = _on_hand(item.get("quantities") or {}, INVRPT_ON_HAND_QUALIFIERS)
        lines.append(
            {
                "line": item.get("line") or str(index),
                "product_ids": ids,
                "lot": item.get("lot") or batch or "",
                "qty": qty,
                "qualifier": qualifier,
                "uom": (item.get("uoms") or {}).get(qualifier) or "",
            }
        )
    dates = doc.get("dates") or {}
    return {
        "ref": doc.get("doc_ref") or "",
        "date": dates.get("137") or next(iter(dates.values()), None),
        "qualifiers": INVRPT_ON_HAND_QUALIFIERS,
        "lines": lines,
    }


def ordered_ids(ids, choice):
    """``ids`` with the codes of the mapping's chosen kind first (tried first)."""
    first = CODE_KEYS.get(choice or "ours", ())
    return {
        **{key: code for key, code in ids.items() if key in first},
        **{key: code for key, code in ids.items() if key not in first},
    }


def line_label(line):
    codes = ", ".join(f"{key}={code}" for key, code in line["product_ids"].items())
    return f"{line['line']} ({codes or 'no code'})"
