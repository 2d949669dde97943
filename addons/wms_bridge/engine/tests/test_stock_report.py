import unittest
from datetime import date

from ..stock_report import (
    ordered_ids,
    stock_report_from_846,
    stock_report_from_invrpt,
)


class TestStockReportShape(unittest.TestCase):
    """846 and INVRPT map into one stock report shape (no database)."""

    def test_846(self):
        report = stock_report_from_846(
            {
                "ref": "INV-0315",
                "date": date(2024, 3, 15),
                "items": [
                    {
                        "product_ids": {"VN": "MILK-1L"},
                        "lot": "",
                        "quantities": {"33": 30.0, "17": 37.0},
                        "uoms": {"17": "EA", "33": "EA"},
                    },
                    {"product_ids": {"UK": "10614141000019"}, "quantities": {"QH": 2.0}},
                ],
            }
        )
        self.assertEqual(report["ref"], "INV-0315")
        self.assertEqual(report["date"], date(2024, 3, 15))
        self.assertEqual(
            report["lines"],
            [
                {
                    "line": "1",
                    "product_ids": {"VN": "MILK-1L"},
                    "lot": "",
                    "qty": 37.0,
                    "qualifier": "17",
                    "uom": "EA",
                },
                {
                    "line": "2",
                    "product_ids": {"UK": "10614141000019"},
                    "lot": "",
                    "qty": None,
                    "qualifier": "",
                    "uom": "",
                },
            ],
        )

    def test_invrpt(self):
        report = stock_report_from_invrpt(
            {
                "doc_ref": "STOCK-1",
                "dates": {"137": date(2024, 3, 21)},
                "items": [
                    {
                        "line": "1",
                        "item_id": "10614141000019",
                        "item_id_type": "SRV",
                        "product_ids": {"IN": "LY-MILK"},
                        "quantities": {"145": 8.0},
                        "uoms": {"145": "DZN"},
                        "lot": "",
                    },
                    {
                        "line": "2",
                        "item_id": "X-9",
                        "item_id_type": "MF",
                        "product_ids": {"SA": "BUTTER-250", "NB": "L7"},
                        "quantities": {"11": 4.0},
                        "uoms": {"11": "PCE"},
                        "lot": "",
                    },
                ],
            }
        )
        self.assertEqual((report["ref"], report["date"]), ("STOCK-1", date(2024, 3, 21)))
        first, second = report["lines"]
        self.assertEqual(first["product_ids"], {"IN": "LY-MILK", "EN": "10614141000019"})
        self.assertEqual((first["qty"], first["uom"]), (8.0, "DZN"))
        self.assertEqual(second["product_ids"], {"SA": "BUTTER-250"})
        self.assertEqual((second["lot"], second["qty"]), ("L7", None))

    def test_chosen_code_kind_tried_first(self):
        ids = {"SA": "MILK-1L", "IN": "LY-MILK", "EN": "10614141000019"}
        self.assertEqual(list(ordered_ids(ids, "gtin")), ["EN", "SA", "IN"])
        self.assertEqual(list(ordered_ids(ids, "theirs")), ["IN", "SA", "EN"])
        self.assertEqual(list(ordered_ids(ids, "ours")), ["SA", "IN", "EN"])
