from wordgroups import by_initial, longest, words


def test_words():
    assert words("Hello, world!") == ["hello", "world"]


def test_by_initial():
    assert by_initial("apple avocado banana Apple") == {
        "a": ["apple", "avocado"],
        "b": ["banana"],
    }


def test_longest():
    assert longest("a bb ccc") == "ccc"
    assert longest("") == ""
