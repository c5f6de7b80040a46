import pytest

from sensor import latest, parse, warmest


def test_latest():
    rs = parse("5=20.5 1=19.0 9=18.2")
    assert latest(rs).minute == 9
    assert warmest(rs).celsius == 20.5


def test_empty():
    with pytest.raises(ValueError):
        latest([])
