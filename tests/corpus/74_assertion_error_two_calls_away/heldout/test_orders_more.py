from shop.orders import invoice_total


def test_very_heavy():
    assert invoice_total([{"price": 0.0, "qty": 2, "kg": 20}]) == 27.5


def test_just_heavy():
    assert invoice_total([{"price": 1.0, "qty": 1, "kg": 21}]) == 13.3
