import json

from inventory import Inventory, Item
from inventory.report import banner, export_json, low_stock_report, summary_line


def make():
    inv = Inventory()
    inv.add(Item("A-1", "bolt", 0.5, 100))
    inv.add(Item("A-2", "nut", 0.25, 3))
    return inv


def test_summary_line():
    assert summary_line(make()) == "Items in stock: 2"


def test_low_stock_report():
    assert low_stock_report(make()) == ["A-2: 3 left"]


def test_export_json_roundtrip():
    rows = json.loads(export_json(make()))
    assert [r["sku"] for r in rows] == ["A-1", "A-2"]


def test_banner():
    assert banner() == "Stock report"
