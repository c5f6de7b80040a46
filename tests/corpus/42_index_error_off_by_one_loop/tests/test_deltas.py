from deltas import biggest_jump, deltas, is_increasing


def test_deltas():
    assert deltas([1, 4, 2]) == [3, -2]
    assert deltas([5]) == []


def test_jump():
    assert biggest_jump([1, 4, 2, 10]) == 8
    assert is_increasing([1, 2, 3]) and not is_increasing([3, 1])
