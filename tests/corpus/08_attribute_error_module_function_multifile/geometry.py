"""Plane geometry helpers."""

import math


def circle_area(radius: float) -> float:
    if radius < 0:
        raise ValueError("negative radius")
    return math.pi * radius**2


def rectangle_area(width: float, height: float) -> float:
    return width * height


def circle_perimeter(radius: float) -> float:
    return 2 * math.pi * radius
