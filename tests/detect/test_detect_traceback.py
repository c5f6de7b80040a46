"""The traceback parser on real output: CPython's, pytest's, logs, chains, groups."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from selfheal_local.detect.traceback import parse_tracebacks, render_traceback


def _run_script(root: Path, source: str) -> str:
    script = root / "app.py"
    script.write_text(textwrap.dedent(source), encoding="utf-8")
    proc = subprocess.run([sys.executable, "app.py"], cwd=root, capture_output=True, text=True)
    return proc.stderr


def test_native_traceback_frames_are_project_relative(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "calc.py").write_text("def total(xs):\n    return totl\n")
    stderr = _run_script(tmp_path, """
        import json
        from pkg.calc import total
        json.dumps(total([1]))
        """)
    [tb] = parse_tracebacks(stderr, tmp_path)
    assert tb.exception_type == "NameError"
    assert tb.message.startswith("name 'totl' is not defined")
    assert [(f.file, f.line, f.function) for f in tb.frames] == [
        ("app.py", 4, "<module>"), ("pkg/calc.py", 2, "total"),
    ]
    assert tb.frames[-1].code == "return totl"
    assert all(f.in_project for f in tb.frames)
    assert tb.target is not None and tb.target.file == "pkg/calc.py"


def test_frames_outside_root_and_carets_are_handled(tmp_path: Path) -> None:
    stderr = _run_script(tmp_path, """
        import json
        data = {"a": [1, 2]}
        print(data["a"][5] + json.loads("{}")["x"])
        """)
    [tb] = parse_tracebacks(stderr, tmp_path)
    assert tb.exception_type == "IndexError"
    assert tb.frames[-1].code.startswith("print(data")  # caret line not taken as code


def test_stdlib_frames_are_not_in_project(tmp_path: Path) -> None:
    stderr = _run_script(tmp_path, """
        import json
        json.loads("{not json")
        """)
    [tb] = parse_tracebacks(stderr, tmp_path)
    assert tb.exception_type == "json.decoder.JSONDecodeError"
    assert tb.frames[0].in_project and tb.frames[0].file == "app.py"
    assert not any(f.in_project for f in tb.frames[1:])
    assert tb.target is not None and tb.target.file == "app.py"


def test_chained_exceptions_keep_the_last_and_record_the_chain(tmp_path: Path) -> None:
    stderr = _run_script(tmp_path, """
        def load(d):
            try:
                return d["k"]
            except KeyError as e:
                raise ValueError("no k") from e

        def handler():
            try:
                1 / 0
            except ZeroDivisionError:
                undefined_name

        import traceback
        try:
            load({})
        except Exception:
            traceback.print_exc()
        handler()
        """)
    first, second = parse_tracebacks(stderr, tmp_path)
    assert (first.exception_type, first.message) == ("ValueError", "no k")
    assert [c.exception_type for c in first.chain] == ["KeyError"]
    assert first.chain[0].frames[-1].line == 4
    assert second.exception_type == "NameError"
    assert [c.exception_type for c in second.chain] == ["ZeroDivisionError"]
    assert second.frames[-1].function == "handler"


def test_syntax_error_layout(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def f(:\n    pass\n")
    stderr = _run_script(tmp_path, "import broken\n")
    [tb] = parse_tracebacks(stderr, tmp_path)
    assert tb.exception_type == "SyntaxError"
    assert tb.frames[-1].file == "broken.py"
    assert tb.frames[-1].line == 1
    assert tb.frames[-1].function == ""
    assert tb.frames[-1].code == "def f(:"


def test_exception_groups_do_not_crash(tmp_path: Path) -> None:
    stderr = _run_script(tmp_path, """
        def boom():
            raise ExceptionGroup("many", [ValueError("a"), KeyError("b")])
        boom()
        """)
    found = parse_tracebacks(stderr, tmp_path)
    assert found, stderr
    types = {tb.exception_type for tb in found}
    assert "ExceptionGroup" in types or "ValueError" in types


def test_pytest_long_format_and_log_prefixes(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("import pkg.nope\n")
    text = textwrap.dedent("""
        ____________________ ERROR collecting tests/test_x.py _____________________
        ImportError while importing test module '/somewhere/tests/test_x.py'.
        Traceback:
        /usr/lib/python3.11/importlib/__init__.py:126: in import_module
            return _bootstrap._gcd_import(name[level:], package, level)
        tests/test_x.py:1: in <module>
            import pkg.nope
        E   ModuleNotFoundError: No module named 'pkg.nope'
        =========================== short test summary info ============================
        2024-05-01 10:00:00,123 ERROR worker crashed
        Traceback (most recent call last):
          File "/srv/deploy/tests/test_x.py", line 1, in <module>
            import pkg.nope
        KeyError: 'user_id'
        """)
    pytest_tb, log_tb = parse_tracebacks(text, tmp_path)
    assert pytest_tb.exception_type == "ModuleNotFoundError"
    assert pytest_tb.message == "No module named 'pkg.nope'"
    assert pytest_tb.frames[-1].file == "tests/test_x.py" and pytest_tb.frames[-1].in_project
    assert not pytest_tb.frames[0].in_project
    # a log written on another machine: the path is matched by its suffix inside the project
    assert log_tb.exception_type == "KeyError"
    assert log_tb.frames[-1].file == "tests/test_x.py" and log_tb.frames[-1].in_project


def test_no_tracebacks_in_plain_text_and_garbage() -> None:
    assert parse_tracebacks("") == []
    assert parse_tracebacks("all good\nnothing here\n") == []
    assert parse_tracebacks("Traceback (most recent call last):\n") == []
    garbage = "Traceback (most recent call last):\n  File \"x\", line notanumber\n\x00\xff"
    assert isinstance(parse_tracebacks(garbage), list)


def test_render_shows_only_project_frames(tmp_path: Path) -> None:
    stderr = _run_script(tmp_path, "import json\njson.loads('{x')\n")
    [tb] = parse_tracebacks(stderr, tmp_path)
    text = render_traceback(tb)
    assert 'File "app.py", line 2, in <module>' in text
    assert "json/decoder.py" not in text
    assert text.endswith(f"{tb.exception_type}: {tb.message}")
