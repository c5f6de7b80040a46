from shapes import Rect


def test_square_perimeter():
    assert Rect(5, 5).perimeter() == 20


def test_thin_perimeter():
    assert Rect(1, 10).perimeter() == 22
