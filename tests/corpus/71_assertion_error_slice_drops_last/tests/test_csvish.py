from csvish import body_lines, header

DATA = "name,qty\nbolt,3\nnut,5\n"


def test_body():
    assert body_lines(DATA) == ["bolt,3", "nut,5"]


def test_header():
    assert header(DATA) == ["name", "qty"]
