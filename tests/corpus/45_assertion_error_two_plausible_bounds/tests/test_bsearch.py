from bsearch import contains, index_of


def test_found_everywhere():
    items = [1, 3, 5, 7, 9]
    assert [index_of(items, x) for x in items] == [0, 1, 2, 3, 4]
    assert index_of([4], 4) == 0


def test_absent():
    assert index_of([1, 3], 2) == -1
    assert index_of([], 1) == -1
    assert not contains([1, 3, 5], 0)
