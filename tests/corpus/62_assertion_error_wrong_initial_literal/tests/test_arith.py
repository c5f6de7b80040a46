from arith import product, total


def test_product():
    assert product([2, 3, 4]) == 24


def test_total():
    assert total([2, 3, 4]) == 9
