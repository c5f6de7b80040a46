from invoice import format_money, invoice_total


def test_format():
    assert format_money(1234.5) == "€1,234.50"


def test_invoice_total():
    assert invoice_total([(2, 10.0), (1, 5.25)], currency="USD") == "$25.25"
