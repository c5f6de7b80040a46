from series import geometric, sum_of_squares, triangular


def test_squares():
    assert sum_of_squares(0) == 0
    assert sum_of_squares(3) == 14
    assert sum_of_squares(10) == 385


def test_others():
    assert triangular(4) == 10
    assert geometric(1, 2, 4) == 15
