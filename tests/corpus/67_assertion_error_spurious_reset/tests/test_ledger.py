from ledger import balance, running_totals


def test_running_totals():
    assert running_totals([5, -2, 10]) == [5, 3, 13]


def test_balance():
    assert balance([5, -2, 10]) == 13
