from pairs import pairings, rounds


def test_pairings():
    assert pairings(["a", "b", "c"]) == [("a", "b"), ("a", "c"), ("b", "c")]


def test_rounds():
    assert rounds(["a", "b", "c", "d"]) == 3
    assert rounds(["a", "b", "c"]) == 3
