"""Book loans and what a member owes."""

from dataclasses import dataclass
from datetime import date

from library.fines import fine


@dataclass
class Loan:
    title: str
    due: date
    returned: date | None = None

    def days_late(self, today: date) -> int:
        end = self.returned or today
        return max(0, (end - self.due).days)


def owed(loans: list[Loan], today: date) -> float:
    return round(sum(fine(loan.days_late(today)) for loan in loans), 2)
