from order import first_unsorted, is_sorted


def test_sorted():
    assert is_sorted([1, 2, 2, 5])
    assert not is_sorted([3, 1])


def test_first_unsorted():
    assert first_unsorted([1, 4, 2]) == 2
