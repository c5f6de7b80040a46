"""Cinema ticket prices."""

ADULT_AGE = 18
SENIOR_AGE = 65
PRICES = {"child": 6.0, "adult": 11.0, "senior": 8.0}


def category(age: int) -> str:
    if age < 0:
        raise ValueError("age must be non-negative")
    if age >= SENIOR_AGE:
        return "senior"
    if age > ADULT_AGE:
        return "adult"
    return "child"


def price(ages: list[int]) -> float:
    return sum(PRICES[category(a)] for a in ages)
