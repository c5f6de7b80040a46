from text import count_digits, count_letters


def test_letters():
    assert count_letters("Hello, World 42") == 10


def test_digits():
    assert count_digits("a1b22") == 3
