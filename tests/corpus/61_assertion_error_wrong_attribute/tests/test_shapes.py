from shapes import Rect


def test_area():
    assert Rect(3, 4).area() == 12


def test_perimeter():
    assert Rect(3, 4).perimeter() == 14
