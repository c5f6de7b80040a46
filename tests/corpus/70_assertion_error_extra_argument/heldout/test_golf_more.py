from golf import ranking


def test_ties_keep_insertion_order():
    assert ranking({"a": 70, "b": 70, "c": 65}) == ["c", "a", "b"]


def test_single():
    assert ranking({"z": 90}) == ["z"]
