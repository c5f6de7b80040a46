from digits import digit_sum, is_even


def test_digit_sum():
    assert digit_sum(1234) == 10


def test_even():
    assert is_even(4)
