"""Late-return fines."""

DAILY_FINE = 0.25
MAX_FINE = 10.0


def fine(days_late: int) -> float:
    if days_late <= 0:
        amount = 0.0
    else
        amount = days_late * DAILY_FINE
    return min(amount, MAX_FINE)
