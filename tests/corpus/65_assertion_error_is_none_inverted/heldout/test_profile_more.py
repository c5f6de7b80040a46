from people import describe


def test_empty_nickname_is_shown():
    assert describe("Bo", "") == "Bo ()"


def test_explicit_none():
    assert describe("Cy", None) == "Cy"
