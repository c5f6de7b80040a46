"""Money units: amounts are kept in integer cents."""


def to_cents(amount: float) -> int:
    return int(round(amount * 10))


def to_amount(cents: int) -> float:
    return cents / 100
