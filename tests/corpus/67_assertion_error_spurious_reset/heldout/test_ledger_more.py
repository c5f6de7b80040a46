from ledger import running_totals


def test_single():
    assert running_totals([7]) == [7]


def test_zeros():
    assert running_totals([0, 0, 1]) == [0, 0, 1]


def test_empty():
    assert running_totals([]) == []
