"""Shopping basket statistics."""

from dataclasses import dataclass, field


@dataclass
class Basket:
    lines: dict[str, tuple[int, float]] = field(default_factory=dict)

    def add(self, name: str, quantity: int, price: float) -> None:
        old_quantity, _ = self.lines.get(name, (0, price))
        self.lines[name] = (old_quantity + quantity, price)

    def prices(self) -> list[float]:
        return [price for quantity, price in self.lines.values() for _ in range(quantity)]

    def total(self) -> float:
        return round(sum(self.prices()), 2)


def average_price(basket: Basket) -> float:
    """Mean price per unit; an empty basket averages 0.0."""
    prices = basket.prices()
    return round(sum(prices) / len(prices), 2)
