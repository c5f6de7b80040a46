import pytest

from limits import RateLimiter, clamp, wrap


def test_clamp():
    assert clamp(5, 0, 10) == 5
    assert clamp(-3, 0, 10) == 0
    assert clamp(12, 0, 10) == 10
    with pytest.raises(ValueError):
        clamp(1, 5, 0)


def test_wrap_and_rate():
    assert wrap(-1, 12) == 11
    r = RateLimiter(2)
    assert [r.allow(0.1), r.allow(0.2), r.allow(0.3), r.allow(1.25)] == [True, True, False, True]
