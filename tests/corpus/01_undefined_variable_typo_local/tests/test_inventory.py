import pytest

from inventory import Inventory, order_total


def make():
    inv = Inventory()
    inv.add("apple", 0.5, 10)
    inv.add("pear", 0.75, 4)
    return inv


def test_value():
    assert make().value() == pytest.approx(8.0)


def test_remove_too_many():
    inv = make()
    with pytest.raises(ValueError):
        inv.remove("pear", 5)


def test_order_total():
    assert order_total(make(), {"apple": 3, "pear": 2}) == 3.0
