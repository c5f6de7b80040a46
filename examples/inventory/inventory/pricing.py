"""Pricing rules: discounts and order totals."""

import math


def apply_discount(price: float, percent: float) -> float:
    if not 0 <= percent <= 100:
        raise ValueError("percent must be between 0 and 100")
    return round(price * (1 - percent / 100), 2)


def order_total(lines: list[tuple[float, int]], discount: float = 0.0) -> float:
    total = 0.0
    for price, quantity in lines:
        total += price * quantity
    return apply_discount(totl, discount)


def boxes_needed(quantity: int, per_box: int) -> int:
    return math.ceil(quantity / per_box)
