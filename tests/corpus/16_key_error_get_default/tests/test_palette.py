from palette import describe, hex_of


def test_known():
    assert hex_of("Teal") == "#008080"
    assert describe("red") == "red: #ff0000 (255, 0, 0)"


def test_unknown():
    assert hex_of("mauve") is None
    assert describe("mauve") == "mauve: unknown"
