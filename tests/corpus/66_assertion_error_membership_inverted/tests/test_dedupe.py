from dedupe import duplicates, unique


def test_unique():
    assert unique([3, 1, 3, 2, 1]) == [3, 1, 2]


def test_duplicates():
    assert duplicates([3, 1, 3, 2, 1, 3]) == [3, 1]
