"""syntax_error rules on real broken files, judged by parsing and the projects' own tests."""

from __future__ import annotations

import pytest
from fixer_helpers import candidates, diagnosis, first_passing, make_project, patched

TEST = '''
    from temperature import fahrenheit

    def test_f():
        assert fahrenheit(100) == 212
    '''


@pytest.mark.parametrize("broken, line, message, expected", [
    ("def fahrenheit(c)  # convert\n    return c * 9 / 5 + 32\n", 1, "expected ':'",
     "def fahrenheit(c):  # convert\n"),
    ("def fahrenheit(c):\n    if c is None\n        return None\n    return c * 9 / 5 + 32\n", 2,
     "expected ':'", "    if c is None:\n"),
    ("def fahrenheit(c):\n    return round((c * 9 / 5 + 32)\n", 2, "'(' was never closed",
     "    return round((c * 9 / 5 + 32))\n"),
    ("def fahrenheit(c):\n    if c = None:\n        return None\n    return c * 9 / 5 + 32\n", 2,
     "invalid syntax. Maybe you meant '==' or ':=' instead of '='?", "    if c == None:\n"),
    ("def fahrenheit(c):\n    f = c * 9 / 5\n      return f + 32\n", 3, "unexpected indent",
     "    f = c * 9 / 5\n    return f + 32\n"),
    ("def fahrenheit(c):\n    unit = 'F\n    return c * 9 / 5 + 32\n", 2,
     "unterminated string literal (detected at line 2)", "    unit = 'F'\n"),
])
def test_syntax_repairs(tmp_path, broken, line, message, expected):
    project = make_project(tmp_path / "p", {"temperature.py": broken, "tests/test_t.py": TEST})
    diag = diagnosis("syntax_error", "SyntaxError", message, "temperature.py", line,
                     source="syntax", code="SyntaxError")
    found = candidates(diag, project)
    assert found, "no candidate"
    assert expected in patched(found[0], "temperature.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_bracket_closed_on_a_later_line_when_tests_say_so(tmp_path):
    # Closing at the end of the first line parses too, but only the later close is right.
    broken = ("def pairs(xs):\n    result = []\n    for i in range(0, len(xs), 2):\n"
              "        result.append((xs[i], xs[i + 1])\n    return result\n")
    project = make_project(tmp_path / "p", {
        "pairs.py": broken,
        "tests/test_pairs.py": '''
            from pairs import pairs

            def test_pairs():
                assert pairs([1, 2, 3, 4]) == [(1, 2), (3, 4)]
            ''',
    })
    diag = diagnosis("syntax_error", "SyntaxError", "'(' was never closed", "pairs.py", 4)
    found = candidates(diag, project)
    assert "        result.append((xs[i], xs[i + 1]))\n" in patched(found[0], "pairs.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_indent_first_guess_wrong(tmp_path):
    broken = ("def total(xs):\n    t = 0\n    for x in xs:\n        t += x\n"
              "         t += 1\n    return t\n")
    project = make_project(tmp_path / "p", {
        "agg.py": broken,
        "tests/test_agg.py": '''
            from agg import total

            def test_total():
                assert total([1, 2]) == 4
            ''',
    })
    diag = diagnosis("syntax_error", "IndentationError", "unexpected indent", "agg.py", 5)
    found = candidates(diag, project)
    assert len(found) >= 2
    assert "        t += x\n        t += 1\n" in patched(found[0], "agg.py")  # nearest level
    index = first_passing(project, found, tmp_path / "try")
    assert index > 0
    assert "        t += x\n    t += 1\n" in patched(found[index], "agg.py")


def test_a_syntax_fix_is_not_refused_for_findings_the_syntax_error_hid(tmp_path, monkeypatch):
    # ruff sees only the syntax error until it is fixed; the Python-2 branch's undefined name was
    # there all along, far from the fix: it is no new finding of the candidate
    from selfheal_local.factory import open_healer

    monkeypatch.setenv("SELFHEAL_HOME", str(tmp_path / "home"))
    project = make_project(tmp_path / "p", {
        "compat.py": '''
            import sys

            PY2 = sys.version_info[0] == 2

            if PY2:
                text_type = unicode
            else:
                text_type = str


            if not PY2
                def ensure_text(value):
                    return value if isinstance(value, text_type) else value.decode()
            ''',
        "tests/test_compat.py": '''
            from compat import ensure_text


            def test_bytes_become_text():
                assert ensure_text(b"ab") == "ab"
            ''',
    })
    healer = open_healer(project.root, {"use_model": False, "use_memory": False})
    result = healer.heal()
    assert result.healthy or all(f.code == "F821" for f in result.remaining), result.failed
    assert "if not PY2:\n" in (project.root / "compat.py").read_text()
    assert healer.baseline is not None and healer.baseline.ok
