"""Date helpers."""

from datetime import date, timedelta


def is_past(day: date, today: date) -> bool:
    """True when day is strictly before today."""
    return day > today


def next_weekday(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day
