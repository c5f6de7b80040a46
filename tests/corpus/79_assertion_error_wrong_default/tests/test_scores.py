from scores import best_of, leaderboard


def test_best_of():
    assert best_of([("ann", 3), ("bob", 5), ("ann", 7)]) == {"ann": 7, "bob": 5}


def test_leaderboard_best_first_by_default():
    assert leaderboard({"ann": 7, "bob": 5, "cy": 9}, limit=2) == [("cy", 9), ("ann", 7)]


def test_worst_first_when_asked():
    assert leaderboard({"ann": 7, "bob": 5}, best_first=False) == [("bob", 5), ("ann", 7)]
