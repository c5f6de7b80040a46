from words import word_count


def test_blank_lines():
    assert word_count(["", "x", "  "]) == 1


def test_empty():
    assert word_count([]) == 0


def test_single_line():
    assert word_count(["one two three"]) == 3
