from words import longest, word_count


def test_word_count():
    assert word_count(["a b c", "d e"]) == 5


def test_longest():
    assert longest(["ab", "abc"]) == "abc"
