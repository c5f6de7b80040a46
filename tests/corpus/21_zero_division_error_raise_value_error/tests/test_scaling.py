import pytest

from scaling import normalise, percent, scale


def test_scale():
    assert scale([2, 4], 2) == [1.0, 2.0]
    assert normalise([1, -4, 2]) == [0.25, -1.0, 0.5]
    assert percent(1, 3) == 33.3


def test_zero_factor():
    with pytest.raises(ValueError):
        scale([1, 2], 0)
