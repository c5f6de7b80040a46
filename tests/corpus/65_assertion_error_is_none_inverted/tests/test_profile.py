from people import describe, initials


def test_describe():
    assert describe("Ada Lovelace") == "Ada Lovelace"
    assert describe("Ada Lovelace", "Ada") == "Ada Lovelace (Ada)"


def test_initials():
    assert initials("ada lovelace") == "AL"
