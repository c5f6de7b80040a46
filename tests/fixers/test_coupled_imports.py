"""A deleted import line takes several names with it: one fix imports them together (issue 11,
coupled fixes). Importing one name at a time left the module failing on the next name, so no
single-name fix passed its tests and the heal gave up."""

from __future__ import annotations

from pathlib import Path

from selfheal_local.factory import open_healer

FILES = {
    "pkg/__init__.py": "",
    "pkg/zones.py": ("ZONE_RE = r'[A-Z]{3}'\n\n\n"
                     "def build_zone(name):\n    return name.upper()\n"),
    "pkg/times.py": ("import re\n\n\n"
                     "def parse(text):\n"
                     "    match = re.fullmatch(r'\\d\\d:\\d\\d ' + ZONE_RE, text.upper())\n"
                     "    if match is None:\n        raise ValueError(text)\n"
                     "    return build_zone(text[-3:])\n"),
    "tests/test_times.py": ("import pytest\n\nfrom pkg.times import parse\n\n\n"
                            "def test_parse():\n    assert parse('10:00 utc') == 'UTC'\n\n\n"
                            "def test_parse_rejects():\n"
                            "    with pytest.raises(ValueError):\n        parse('later')\n"),
}


def test_names_undefined_together_are_imported_together(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    result = open_healer(root, {"use_model": False, "use_memory": False}).heal()
    assert result.healthy, [f.reason for f in result.failed]
    assert "from pkg.zones import ZONE_RE, build_zone\n" in (root / "pkg/times.py").read_text()
    assert len(result.applied) == 1  # one patch, not two halves


def test_a_removed_reexport_is_restored_in_the_package_not_the_test(tmp_path: Path) -> None:
    """``from pkg import ParseError`` in the tests fails once ``pkg/__init__.py`` stops importing
    it: the package imports it again (the tests are never edited)."""
    files = {
        "pkg/__init__.py": "from pkg.reader import read\n",
        "pkg/errors.py": "class ParseError(ValueError):\n    pass\n",
        "pkg/reader.py": ("from pkg.errors import ParseError\n\n\n"
                          "def read(text):\n    if not text:\n        raise ParseError(text)\n"
                          "    return text.split()\n"),
        "tests/test_reader.py": ("import pytest\n\nfrom pkg import ParseError, read\n\n\n"
                                 "def test_read():\n    assert read('a b') == ['a', 'b']\n\n\n"
                                 "def test_empty():\n    with pytest.raises(ParseError):\n"
                                 "        read('')\n"),
    }
    root = tmp_path / "proj"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    test_before = (root / "tests/test_reader.py").read_bytes()
    result = open_healer(root, {"use_model": False, "use_memory": False}).heal()
    assert result.healthy, [f.reason for f in result.failed]
    assert "ParseError" in (root / "pkg/__init__.py").read_text()
    assert (root / "tests/test_reader.py").read_bytes() == test_before
