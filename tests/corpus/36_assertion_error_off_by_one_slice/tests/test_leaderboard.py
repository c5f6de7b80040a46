from leaderboard import Score, top

SCORES = [Score("ann", 5), Score("bob", 9), Score("cid", 7), Score("ann", 12), Score("dan", 1)]


def test_top_three():
    assert top(SCORES) == [("ann", 12), ("bob", 9), ("cid", 7)]


def test_top_one():
    assert top(SCORES, 1) == [("ann", 12)]
