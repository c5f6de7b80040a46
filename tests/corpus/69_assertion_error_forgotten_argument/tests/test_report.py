from report import header, table


def test_table_width():
    assert table([1, 22], 4) == "   1\n  22"


def test_header():
    assert header("ab", 4) == "  AB"
