"""Task reports."""

from dataclasses import dataclass
from datetime import date

from tasks import dates


@dataclass
class Task:
    title: str
    due: date
    done: bool = False


def overdue(tasks: list[Task], today: date) -> list[str]:
    """Titles of unfinished tasks whose due date has passed, oldest first."""
    late = [t for t in tasks if not t.done and dates.is_past(t.due, today=today)]
    return [t.title for t in sorted(late, key=lambda t: t.due)]


def summary(tasks: list[Task], today: date) -> str:
    return f"{sum(t.done for t in tasks)}/{len(tasks)} done, {len(overdue(tasks, today))} overdue"
