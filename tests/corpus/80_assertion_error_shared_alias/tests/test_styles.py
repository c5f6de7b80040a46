import pytest

from styles import DEFAULT_STYLE, with_style


def test_override_applies():
    assert with_style(colour="red")["colour"] == "red"


def test_default_is_untouched():
    with_style(width=4)
    assert DEFAULT_STYLE["width"] == 1


def test_unknown_option():
    with pytest.raises(ValueError):
        with_style(shade="dark")
