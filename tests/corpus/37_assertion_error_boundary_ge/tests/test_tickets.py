from tickets import category, price


def test_categories():
    assert [category(a) for a in (5, 17, 18, 40, 65)] == [
        "child", "child", "adult", "adult", "senior"
    ]


def test_family():
    assert price([40, 38, 10]) == 28.0
