"""A tiny price catalogue with per-product prices and a default."""

DEFAULT_PRICE = 5


class Catalogue:
    def __init__(self, prices=None, default=DEFAULT_PRICE):
        self.prices = dict(prices or {})
        self.default = default

    def add(self, product, price):
        if price < 0:
            raise ValueError(f"a price cannot be negative: {price}")
        self.prices[product] = price

    def price_of(self, product):
        """The product's price, or the catalogue's default for one it does not list."""
        try:
            return self.prices[product]
        except IndexError:
            return self.default

    def total(self, basket):
        return sum(self.price_of(item) * count for item, count in basket.items())
