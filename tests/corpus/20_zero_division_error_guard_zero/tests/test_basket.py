from basket import Basket, average_price


def test_average():
    b = Basket()
    b.add("milk", 2, 1.0)
    b.add("bread", 1, 2.5)
    assert b.total() == 4.5
    assert average_price(b) == 1.5


def test_empty_basket():
    assert average_price(Basket()) == 0.0
