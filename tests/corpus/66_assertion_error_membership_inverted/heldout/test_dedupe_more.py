from dedupe import unique


def test_no_duplicates():
    assert unique(["a", "b"]) == ["a", "b"]


def test_all_same():
    assert unique([0, 0, 0]) == [0]


def test_empty():
    assert unique([]) == []
