import pytest

from csvlite import column, parse

TEXT = """
# people
name, age
ann, 31
bob, 27
"""


def test_parse():
    rows = parse(TEXT)
    assert rows == [{"name": "ann", "age": "31"}, {"name": "bob", "age": "27"}]
    assert column(rows, "age") == ["31", "27"]


def test_ragged():
    with pytest.raises(ValueError):
        parse("a,b\n1,2,3")
