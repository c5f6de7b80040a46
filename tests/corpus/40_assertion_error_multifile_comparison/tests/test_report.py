from datetime import date

from tasks.dates import next_weekday
from tasks.report import Task, overdue, summary

TODAY = date(2024, 5, 10)
TASKS = [
    Task("taxes", date(2024, 4, 30)),
    Task("car", date(2024, 5, 20)),
    Task("dentist", date(2024, 5, 1), done=True),
    Task("rent", date(2024, 5, 2)),
]


def test_overdue():
    assert overdue(TASKS, TODAY) == ["taxes", "rent"]
    assert summary(TASKS, TODAY) == "1/4 done, 2 overdue"


def test_next_weekday():
    assert next_weekday(date(2024, 5, 10)) == date(2024, 5, 13)
