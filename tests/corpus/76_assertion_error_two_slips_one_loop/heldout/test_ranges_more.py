from ranges import count_in_range


def test_empty():
    assert count_in_range([], 0, 1) == 0


def test_upper_bound_inclusive():
    assert count_in_range([3, 3], 3, 3) == 2


def test_outside():
    assert count_in_range([7, 8], 0, 5) == 0
