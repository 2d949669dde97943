import unittest
from datetime import date

from ..stock_report import (
    ordered_ids,
    stock_report_from_846,
    stock_report_from_invrpt,
    stock_report_from_soap,
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


class TestStockReportFromSoap(unittest.TestCase):
    """A WMS stock query's answers (what the mapping read) map into the same shape."""

    def test_items_lots_and_a_single_item(self):
        report = stock_report_from_soap(
            [
                ("SKU-1", {"sku": ["SKU-1", "SKU-1"], "lot": ["LOT-A", "LOT-B"],
                           "quantity": ["12", "3.5"]}),
                ("MILK-1L", {"sku": "MILK-1L", "quantity": 40, "uom": "EA"}),
                ("NONE", {"sku": [], "quantity": []}),
            ],
            product_code="theirs",
            ref="stock query 7",
        )  # fmt: skip
        self.assertEqual(report["ref"], "stock query 7")
        self.assertEqual(
            [(ln["line"], ln["product_ids"], ln["lot"], ln["qty"], ln["uom"])
             for ln in report["lines"]],
            [
                ("SKU-1/1", {"BP": "SKU-1"}, "LOT-A", 12.0, ""),
                ("SKU-1/2", {"BP": "SKU-1"}, "LOT-B", 3.5, ""),
                ("MILK-1L/1", {"BP": "MILK-1L"}, "", 40.0, "EA"),
            ],
        )  # fmt: skip

    def test_bad_answers(self):
        report = stock_report_from_soap([("X", {"sku": ["X"], "quantity": ["twelve"]})])
        self.assertIsNone(report["lines"][0]["qty"])  # named as a line problem in Odoo
        report = stock_report_from_soap([("X", {"sku": [""], "quantity": ["1"]})])
        self.assertEqual(report["lines"][0]["product_ids"], {})  # unknown product in Odoo
        with self.assertRaisesRegex(ValueError, "2 sku values but 1 quantities"):
            stock_report_from_soap([("X", {"sku": ["X", "Y"], "quantity": ["1"]})])
        with self.assertRaisesRegex(ValueError, "3 lot values for 2 items"):
            stock_report_from_soap(
                [("X", {"sku": ["X", "Y"], "quantity": [1, 2], "lot": ["a", "b", "c"]})]
            )
