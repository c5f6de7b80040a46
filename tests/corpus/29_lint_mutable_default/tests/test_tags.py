from tags import tag, top


def test_tag_fresh_each_call():
    assert tag("#Python is #fun") == ["python", "fun"]
    assert tag("no tags here") == []


def test_top():
    assert top(["#a #b", "#b"]) == ["b", "a"]
