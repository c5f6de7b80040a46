from csvish import body_lines


def test_header_only():
    assert body_lines("a,b\n") == []


def test_one_row():
    assert body_lines("a,b\n1,2") == ["1,2"]
