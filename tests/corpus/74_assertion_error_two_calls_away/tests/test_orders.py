from shop.orders import invoice_total


def test_light():
    assert invoice_total([{"price": 10.0, "qty": 2, "kg": 1}]) == 24.0


def test_medium():
    assert invoice_total([{"price": 5.0, "qty": 1, "kg": 9}]) == 11.0


def test_heavy():
    assert invoice_total([{"price": 100.0, "qty": 1, "kg": 25}]) == 115.5
