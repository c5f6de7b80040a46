import pytest

from pricing import checkout, discount, with_vat


def test_discount():
    assert discount(100, 0.25) == 75
    assert discount(80, 0) == 80
    with pytest.raises(ValueError):
        discount(10, 2)


def test_checkout():
    assert with_vat(10) == 12
    assert checkout([10, 20], 0.5) == 18
