import pytest

from ranges import count_in_range


@pytest.mark.parametrize(("xs", "lo", "hi", "expected"), [
    ([5, 1, 2], 0, 10, 3),
    ([1, 2, 3], 1, 3, 3),
    ([0, 2, 3], 2, 3, 2),
    ([9, 4], 0, 5, 1),
])
def test_count(xs, lo, hi, expected):
    assert count_in_range(xs, lo, hi) == expected
