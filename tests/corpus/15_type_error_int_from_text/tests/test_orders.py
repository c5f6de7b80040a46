from orders import busiest, parse_lines, totals_by_sku

TEXT = "a1;2\nb2;5\na1;4\n"


def test_parse():
    assert parse_lines(TEXT)[0] == ("a1", "2")


def test_totals():
    assert totals_by_sku(TEXT) == {"a1": 6, "b2": 5}
    assert busiest(TEXT) == "a1"
