from datetime import date

from library.loans import Loan, owed


def test_owed():
    loans = [Loan("a", date(2024, 1, 1), date(2024, 1, 5)), Loan("b", date(2024, 1, 10))]
    assert owed(loans, date(2024, 1, 9)) == 1.0
    assert owed([Loan("c", date(2023, 1, 1))], date(2024, 1, 1)) == 10.0
