import pytest

from billing.invoice import Invoice


def test_total():
    inv = Invoice("de")
    inv.add("hosting", 100.0)
    inv.add("domain", 10.0)
    assert inv.net() == 110.0
    assert inv.total() == 130.9


def test_unknown_region():
    with pytest.raises(ValueError):
        Invoice("xx").total()
