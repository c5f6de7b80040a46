from inventory import Inventory, Item
from inventory.storage import from_csv, grouped_by_prefix, to_csv


def make():
    inv = Inventory()
    inv.add(Item("A-1", "bolt", 0.5, 100))
    inv.add(Item("B-7", "hinge", 4.0, 2))
    inv.add(Item("A-2", "nut", 0.25, 3))
    return inv


def test_csv_roundtrip():
    again = from_csv(to_csv(make()))
    assert {sku: i.quantity for sku, i in again.items.items()} == {"A-1": 100, "B-7": 2, "A-2": 3}


def test_grouped_by_prefix():
    assert grouped_by_prefix(make()) == {"A": ["A-1", "A-2"], "B": ["B-7"]}
