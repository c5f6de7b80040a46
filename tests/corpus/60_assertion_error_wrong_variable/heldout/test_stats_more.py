from stats import mean_excluding


def test_nothing_excluded():
    assert mean_excluding([2, 4], 7) == 3.0


def test_all_excluded():
    assert mean_excluding([5, 5], 5) == 0.0


def test_repeated_outlier():
    assert mean_excluding([0, 9, 9, 6], 9) == 3.0
