from digits import digit_sum


def test_negative():
    assert digit_sum(-58) == 13


def test_zero():
    assert digit_sum(0) == 0
