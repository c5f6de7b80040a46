import pytest

from rates.convert import convert


def test_convert():
    assert convert(100, "EUR", "USD") == 108.0
    assert convert(85, "GBP", "EUR") == 100.0


def test_unknown():
    with pytest.raises(ValueError):
        convert(1, "EUR", "XXX")
