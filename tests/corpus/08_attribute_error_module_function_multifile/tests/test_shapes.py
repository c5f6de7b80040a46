import math

import pytest

from shapes import Circle, Rectangle, total_area


def test_circle():
    assert Circle(2).area() == pytest.approx(4 * math.pi)


def test_total():
    assert total_area([Rectangle(2, 3), Circle(1)]) == pytest.approx(6 + math.pi)
