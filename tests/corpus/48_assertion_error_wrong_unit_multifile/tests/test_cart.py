import pytest

from shop.cart import Cart


def test_total():
    cart = Cart()
    cart.add(0.1, 3)
    cart.add(2.25)
    assert cart.total() == 2.55


def test_bad_quantity():
    with pytest.raises(ValueError):
        Cart().add(1.0, 0)
