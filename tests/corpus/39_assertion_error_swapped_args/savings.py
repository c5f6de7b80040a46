"""Savings projections."""


def growth(rate: float, years: int) -> float:
    """The factor a deposit grows by at a yearly rate over whole years."""
    if years < 0:
        raise ValueError("years must be non-negative")
    return (1 + rate) ** years


def compound(principal: float, rate: float, years: int) -> float:
    return round(principal * growth(years, rate), 2)


def years_to_double(rate: float) -> int:
    years = 0
    while growth(rate, years) < 2:
        years += 1
    return years
