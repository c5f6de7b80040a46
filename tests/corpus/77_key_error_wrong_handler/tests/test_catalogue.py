import pytest

from catalogue import Catalogue


def test_listed_price():
    assert Catalogue({"tea": 3}).price_of("tea") == 3


def test_unlisted_product_costs_the_default():
    assert Catalogue({"tea": 3}, default=7).price_of("cake") == 7


def test_negative_price_is_refused():
    with pytest.raises(ValueError):
        Catalogue().add("tea", -1)
