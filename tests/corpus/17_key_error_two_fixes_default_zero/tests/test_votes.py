from votes import score, tally_votes, winner


def test_winner():
    assert winner(["Tea", "coffee", "tea", " "]) == "tea"


def test_score_missing_option():
    tally = dict(tally_votes(["tea"]))
    assert score(tally, "water", bonus=2) == 2
    assert score(tally, "water") == 0
