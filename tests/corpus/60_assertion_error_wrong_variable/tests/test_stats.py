from stats import mean_excluding, spread


def test_mean_excluding():
    assert mean_excluding([1, 2, 3, 100], 100) == 2.0


def test_spread():
    assert spread([4, 1, 9]) == 8
