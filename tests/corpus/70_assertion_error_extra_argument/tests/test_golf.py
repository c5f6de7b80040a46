from golf import best, ranking


def test_ranking():
    assert ranking({"ann": 72, "bo": 68, "cy": 80}) == ["bo", "ann", "cy"]


def test_best():
    assert best({"ann": 72, "bo": 68}) == 68
