"""Shapes with areas, using the geometry helpers."""

from dataclasses import dataclass

import geometry


@dataclass
class Circle:
    radius: float

    def area(self) -> float:
        return geometry.circle_are(self.radius)


@dataclass
class Rectangle:
    width: float
    height: float

    def area(self) -> float:
        return geometry.rectangle_area(self.width, self.height)


def total_area(shapes: list) -> float:
    return sum(shape.area() for shape in shapes)
