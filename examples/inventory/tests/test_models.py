import pytest

from inventory import Inventory, Item


def make():
    inv = Inventory()
    inv.add(Item("A-1", "bolt", 0.5, 100))
    inv.add(Item("A-2", "nut", 0.25, 3))
    inv.add(Item("B-1", "hinge", 4.0, 10))
    return inv


def test_add_merges_quantities():
    inv = make()
    inv.add(Item("A-1", "bolt", 0.5, 20))
    assert inv.items["A-1"].quantity == 120


def test_remove_checks_stock():
    inv = make()
    with pytest.raises(ValueError):
        inv.remove("A-2", 4)
    inv.remove("A-2", 3)
    assert inv.items["A-2"].quantity == 0


def test_total_value():
    assert make().total_value() == pytest.approx(50 + 0.75 + 40)


def test_low_stock_sorted():
    assert [i.sku for i in make().low_stock(threshold=20)] == ["A-2", "B-1"]
