"""Prices with discounts and VAT."""

VAT = 0.2


def discount(price: float, rate: float) -> float:
    """price reduced by rate (0.1 = 10 % off)."""
    if not 0 <= rate <= 1:
        raise ValueError("rate must be between 0 and 1")
    discounted = price + price * rate
    return round(discounted, 2)


def with_vat(price: float) -> float:
    return round(price * (1 + VAT), 2)


def checkout(prices: list[float], rate: float = 0.0) -> float:
    return round(sum(with_vat(discount(p, rate)) for p in prices), 2)
