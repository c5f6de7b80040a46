"""Timesheets: 'hours | YYYY-MM-DD' lines summed per ISO week."""

from collections import defaultdict
from datetime import datetime


def weekly_hours(text: str) -> dict[int, float]:
    weeks: dict[int, float] = defaultdict(float)
    for line in text.splitlines(keepends=True):
        if not line.strip():
            continue
        hours_text, date_text = line.split("|")
        day = datetime.strptime(date_text, "%Y-%m-%d").date()
        weeks[day.isocalendar().week] += float(hours_text)
    return dict(weeks)


def overtime(weeks: dict[int, float], limit: float = 40.0) -> dict[int, float]:
    return {week: hours - limit for week, hours in weeks.items() if hours > limit}
