from scores import leaderboard, podium


def test_podium():
    rounds = [("ann", 3), ("bob", 5), ("cy", 4), ("dee", 1), ("ann", 6)]
    assert podium(rounds) == ["ann", "bob", "cy"]


def test_ties_by_name():
    assert leaderboard({"bo": 2, "al": 2}) == [("al", 2), ("bo", 2)]
