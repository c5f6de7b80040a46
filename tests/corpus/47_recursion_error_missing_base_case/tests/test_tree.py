from tree import depth, in_order, make


def test_roundtrip():
    assert in_order(make([1, 2, 3, 4, 5])) == [1, 2, 3, 4, 5]


def test_depth():
    assert depth(None) == 0
    assert depth(make([1, 2, 3])) == 2
    assert depth(make(list(range(7)))) == 3
