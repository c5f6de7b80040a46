from report import table


def test_wide():
    assert table(["x"], 8) == "       x"


def test_default_width_matches():
    assert table([7], 6) == "     7"
