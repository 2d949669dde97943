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


# What a SOAP stock query's mapping may read from each response (``wms.soap.operation``
# of use "stock_query"): the keys are these names, the values response paths.
SOAP_STOCK_KEYS = ("sku", "lot", "quantity", "uom")
SOAP_STOCK_REQUIRED = ("sku", "quantity")
SOAP_QUALIFIER = "soap"


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _soap_quantity(value):
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def stock_report_from_soap(responses, product_code="ours", ref="", date=None):
    """Answers of a WMS stock query (one per product asked) -> stock report.

    ``responses``: ``[(asked, values)]`` where ``asked`` names the product asked
    for (its label in problems) and ``values`` is what the operation's mapping
    read from the response: ``sku`` and ``quantity`` (a value, or a list when the
    response repeats an item with ``*``), optionally ``lot`` and ``uom`` (lists of
    the same length, or one value for every item).  A quantity that is not a
    number stays ``None`` (reported as a line problem, like an 846 without an
    on-hand quantity); lists of different lengths raise ``ValueError``.
    ``product_code``: the partner mapping's code kind (``ours``, ``theirs``,
    ``gtin``), which names the SKU's qualifier (:data:`CODE_KEYS`).
    """
    code_key = CODE_KEYS.get(product_code or "ours", CODE_KEYS["ours"])[0]
    lines = []
    for asked, values in responses:
        skus = _as_list(values.get("sku"))
        quantities = _as_list(values.get("quantity"))
        lots = _as_list(values.get("lot")) or [""]
        uoms = _as_list(values.get("uom")) or [""]
        if len(skus) != len(quantities):
            raise ValueError(
                f"{asked}: {len(skus)} sku values but {len(quantities)} quantities in the answer"
            )
        for name, column in (("lot", lots), ("uom", uoms)):
            if len(column) not in (1, len(skus)):
                raise ValueError(f"{asked}: {len(column)} {name} values for {len(skus)} items")
        for index, (sku, qty) in enumerate(zip(skus, quantities, strict=True)):
            lot = lots[index] if len(lots) > 1 else lots[0]
            uom = uoms[index] if len(uoms) > 1 else uoms[0]
            lines.append(
                {
                    "line": f"{asked}/{index + 1}",
                    "product_ids": {code_key: str(sku)} if sku not in (None, "") else {},
                    "lot": str(lot or ""),
                    "qty": _soap_quantity(qty),
                    "qualifier": SOAP_QUALIFIER,
                    "uom": str(uom or ""),
                }
            )
    return {"ref": ref, "date": date, "qualifiers": ("quantity",), "lines": lines}
