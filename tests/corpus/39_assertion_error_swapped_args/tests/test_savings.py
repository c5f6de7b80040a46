from savings import compound, growth, years_to_double


def test_growth():
    assert growth(0.1, 2) == 1.2100000000000002
    assert years_to_double(0.1) == 8


def test_compound():
    assert compound(1000, 0.05, 2) == 1102.5
