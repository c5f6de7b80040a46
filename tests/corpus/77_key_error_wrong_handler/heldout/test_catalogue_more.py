from catalogue import DEFAULT_PRICE, Catalogue


def test_total_mixes_listed_and_default():
    shop = Catalogue({"tea": 3})
    assert shop.total({"tea": 2, "jam": 1}) == 6 + DEFAULT_PRICE


def test_added_price_is_used():
    shop = Catalogue()
    shop.add("jam", 4)
    assert shop.price_of("jam") == 4
