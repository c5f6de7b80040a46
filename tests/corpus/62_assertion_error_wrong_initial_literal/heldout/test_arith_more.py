from arith import product


def test_empty_product_is_one():
    assert product([]) == 1


def test_product_with_zero():
    assert product([5, 0, 2]) == 0


def test_negative():
    assert product([-2, 3]) == -6
