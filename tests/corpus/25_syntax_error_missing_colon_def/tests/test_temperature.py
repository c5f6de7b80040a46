from temperature import celsius, comfort, fahrenheit


def test_roundtrip():
    assert fahrenheit(100) == 212.0
    assert celsius(212) == 100.0


def test_comfort():
    assert [comfort(t) for t in (10, 20, 30)] == ["cold", "comfortable", "hot"]
