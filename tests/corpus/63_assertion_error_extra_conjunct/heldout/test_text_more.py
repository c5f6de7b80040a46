from text import count_letters


def test_lower_only():
    assert count_letters("abc") == 3


def test_upper_only():
    assert count_letters("ABC!") == 3


def test_none():
    assert count_letters("1 2 3") == 0
