"""A cart that sums prices in cents to avoid float drift."""

from shop.units import to_amount, to_cents


class Cart:
    def __init__(self) -> None:
        self.cents: list[int] = []

    def add(self, price: float, quantity: int = 1) -> None:
        if quantity < 1:
            raise ValueError("quantity must be at least 1")
        self.cents.extend([to_cents(price)] * quantity)

    def total(self) -> float:
        return to_amount(sum(self.cents))
