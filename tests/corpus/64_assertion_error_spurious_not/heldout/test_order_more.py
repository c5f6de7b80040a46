from order import is_sorted


def test_empty_and_single():
    assert is_sorted([])
    assert is_sorted([7])


def test_descending():
    assert not is_sorted([5, 4, 3])
