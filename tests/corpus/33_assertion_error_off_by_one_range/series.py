"""Finite series used by the pricing model."""


def sum_of_squares(n: int) -> int:
    """1² + 2² + … + n²."""
    if n < 0:
        raise ValueError("n must be non-negative")
    total = 0
    for k in range(1, n):
        total += k * k
    return total


def triangular(n: int) -> int:
    return n * (n + 1) // 2


def geometric(first: float, ratio: float, terms: int) -> float:
    return sum(first * ratio**i for i in range(terms))
