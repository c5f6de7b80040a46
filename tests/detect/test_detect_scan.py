"""scan(): every detector together on real broken projects, in the real sandbox."""

from __future__ import annotations

import os
import sys

import pytest

from selfheal_local.config import load_config
from selfheal_local.detect.scan import scan
from selfheal_local.errors import BadInputError
from selfheal_local.project import Project


def _open(root) -> Project:
    return Project.open(root)


def test_scan_merges_failures_per_place_and_orders_findings(sandbox, broken_project, tree_digest):
    before = tree_digest(broken_project)
    result = scan(_open(broken_project), sandbox)
    assert tree_digest(broken_project) == before  # tests ran in a copy
    sources = [f.source for f in result.findings]
    assert sources == sorted(sources, key=["syntax", "test", "traceback", "ruff"].index)
    tests = [f for f in result.findings if f.source == "test"]
    assert len(tests) == 2
    name_error = next(f for f in tests if f.code == "NameError")
    assert (name_error.file, name_error.line) == ("pkg/calc.py", 5)
    assert set(name_error.test_ids) == {"tests/test_calc.py::test_total",
                                        "tests/test_calc.py::test_total_empty"}
    attr = next(f for f in tests if f.code == "AttributeError")
    assert (attr.file, attr.line, attr.test_ids) == ("pkg/calc.py", 13, ("tests/test_calc.py::test_box",))
    # ruff's F821 for the same name is one problem with the NameError: merged at ruff's span
    assert ("ruff", "F821", "pkg/calc.py", 5) not in {(f.source, f.code, f.file, f.line)
                                                      for f in result.findings}
    assert 0 < name_error.column < name_error.end_column

    assert result.tests is not None and result.tests.passed == {"tests/test_calc.py::test_ok"}
    again = scan(_open(broken_project), sandbox)
    assert [f.id for f in again.findings] == [f.id for f in result.findings]  # stable ids
    data = result.to_dict()
    assert set(data) >= {"findings", "tests", "elapsed_s"} and data["tests"]["ok"] is False


def test_syntax_error_is_one_finding_carrying_the_tests_it_breaks(sandbox, make_project):
    root = make_project({
        "pkg/__init__.py": "",
        "pkg/mod.py": "def f(:\n    return 1\n",
        "tests/test_mod.py": "from pkg.mod import f\n\ndef test_f():\n    assert f() == 1\n",
    })
    result = scan(_open(root), sandbox)
    syntax = [f for f in result.findings if f.code in ("SyntaxError", "IndentationError")]
    assert len(syntax) == 1 and result.findings[0] is syntax[0]
    assert (syntax[0].source, syntax[0].file, syntax[0].line) == ("syntax", "pkg/mod.py", 1)
    assert syntax[0].test_ids == ("tests/test_mod.py",)


def test_test_only_failure_points_at_the_test(sandbox, make_project):
    root = make_project({"calc.py": "def add(a, b):\n    return a - b\n",
                         "tests/test_calc.py": "from calc import add\n\ndef test_add():\n"
                                               "    assert add(1, 2) == 3\n"})
    [finding] = scan(_open(root), sandbox).findings
    assert (finding.code, finding.file, finding.line) == ("AssertionError", "tests/test_calc.py", 4)


def test_command_and_log_tracebacks(sandbox, make_project, tmp_path):
    root = make_project({
        "app.py": "from lib import load\nload({})\n",
        "lib.py": "def load(cfg):\n    return cfg['port']\n",
    })
    log = tmp_path / "server.log"
    log.write_text(
        "INFO started\nERROR request failed\nTraceback (most recent call last):\n"
        '  File "/srv/prod/app.py", line 2, in <module>\n    load({})\n'
        '  File "/srv/prod/lib.py", line 2, in load\n    return cfg[\'port\']\n'
        "KeyError: 'port'\nINFO still running\n"
    )
    result = scan(_open(root), sandbox, tests=False, command=[sys.executable, "app.py"], log=log)
    assert result.tests is None
    tracebacks = [f for f in result.findings if f.source == "traceback"]
    assert len(tracebacks) == 1  # the command and the log show the same error: merged
    [finding] = tracebacks
    assert (finding.code, finding.message, finding.file, finding.line) == ("KeyError", "'port'", "lib.py", 2)


def test_command_without_traceback_and_hanging_command(sandbox, make_project):
    root = make_project({"app.py": "import sys, time\nif sys.argv[1:] == ['hang']:\n"
                                   "    time.sleep(60)\nsys.exit(4)\n"})
    project = _open(root)
    [failed] = scan(project, sandbox, tests=False, command=[sys.executable, "app.py"]).findings
    assert failed.code == "CommandFailed" and "status 4" in failed.message
    project.config = project.config.merged({"test_timeout_s": 2})
    [hung] = scan(project, sandbox, tests=False, command=[sys.executable, "app.py", "hang"]).findings
    assert hung.code == "TimeoutError" and "did not finish" in hung.message


def test_hanging_tests_become_a_timeout_finding(sandbox, make_project):
    root = make_project({
        "pyproject.toml": "[tool.selfheal]\ntest_timeout_s = 3\n",
        "tests/test_hang.py": "import time\n\ndef test_hang():\n    time.sleep(120)\n",
    })
    result = scan(_open(root), sandbox)
    [finding] = result.findings
    assert finding.code == "TimeoutError" and "3s" in finding.message
    assert result.tests is not None and result.tests.timed_out


def test_no_tests_is_a_note_not_a_finding(sandbox, make_project):
    result = scan(_open(make_project({"app.py": "x = 1\n"})), sandbox)
    assert result.findings == ()
    assert any("no tests" in note for note in result.notes)


def test_odd_files_never_break_a_scan(sandbox, make_project, tmp_path, tree_digest):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("import os\n")
    root = make_project({"app.py": "def ok():\n    return 1\n",
                         "tests/test_app.py": "from app import ok\n\ndef test_ok():\n    assert ok() == 1\n"})
    (root / "latin.py").write_bytes(b"s = 'caf\xe9'\n")
    (root / "blob.py").write_bytes(bytes(range(256)) * 8)
    (root / "big.py").write_text("VALUE = 1\n" * 400_000)  # ~4 MB
    os.symlink(outside / "secret.py", root / "link.py")
    (root / "app.py").chmod(0o444)
    before = tree_digest(root)
    try:
        result = scan(_open(root), sandbox)
    finally:
        (root / "app.py").chmod(0o644)
    assert tree_digest(root) == before
    assert {f.file for f in result.findings if f.source == "syntax"} == {"latin.py", "blob.py"}
    assert not any(f.file == "link.py" for f in result.findings)
    assert not any(f.source == "ruff" and f.code == "E902" for f in result.findings)
    assert any("big.py" in note for note in result.notes)
    assert result.tests is not None and "tests/test_app.py::test_ok" in result.tests.passed


def test_bad_log_is_bad_input(sandbox, make_project, tmp_path):
    project = _open(make_project({"app.py": "x = 1\n"}))
    with pytest.raises(BadInputError, match="no such log file"):
        scan(project, sandbox, tests=False, log=tmp_path / "missing.log")
    binary = tmp_path / "bin.log"
    binary.write_bytes(b"\x00\x01" * 100)
    with pytest.raises(BadInputError, match="not a text file"):
        scan(project, sandbox, tests=False, log=binary)


def test_project_open_rejects_unusable_paths(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(BadInputError, match="not a directory"):
        Project.open(tmp_path / "file.txt")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README").write_text("no python here")
    with pytest.raises(BadInputError, match="no Python files"):
        Project.open(empty)
    assert load_config(None).test_timeout_s > 0


def test_a_test_that_loops_forever_is_a_finding_at_its_loop(sandbox, make_project):
    root = make_project({
        "pyproject.toml": "[tool.selfheal]\ntest_timeout_s = 40\ntest_case_timeout_s = 2\n",
        "stack.py": """
            def drain(pending):
                out = []
                while pending:
                    out.append(pending.get(next(iter(pending))))
                return out


            def double(x):
                return 2 * x
            """,
        "tests/test_stack.py": """
            from stack import double, drain


            def test_drain():
                assert drain({"a": 1}) == [1]


            def test_double():
                assert double(2) == 4
            """,
    })
    result = scan(_open(root), sandbox)
    # the suite finished: the other test's result is known, the stuck one failed on its own
    assert result.tests is not None and not result.tests.timed_out
    assert result.tests.passed == {"tests/test_stack.py::test_double"}
    [finding] = result.findings
    assert (finding.file, finding.line) == ("stack.py", 4)
    assert finding.code.endswith("TestTimeout") and "2s" in finding.message
    assert finding.test_ids == ("tests/test_stack.py::test_drain",)


def test_tests_stuck_in_one_loop_are_one_finding_at_the_loop():
    from selfheal_local.detect.scan import merge_outcomes
    from selfheal_local.types import Frame, TestOutcome

    def stuck(test: str, *where: tuple[str, int, str]) -> TestOutcome:
        frames = (Frame("tests/test_c.py", 5, test, "", True),
                  *(Frame(f, n, fn, "", True) for f, n, fn in where))
        return TestOutcome(test_id=f"tests/test_c.py::{test}", outcome="failed",
                           exception_type="_selfheal_hang.TestTimeout", message="stopped",
                           frames=frames)

    # the alarm landed in a different callee each time; the call they share is cache.py:296
    put, pop = ("cache.py", 79, "put"), ("cache.py", 296, "popitem")
    outcomes = [stuck("test_a", put, pop, ("cache.py", 99, "__iter__")),
                stuck("test_b", put, pop, ("cache.py", 102, "__len__")),
                stuck("test_c", ("other.py", 3, "spin"))]
    found = {(f.file, f.line): f.test_ids for f in merge_outcomes(outcomes)}
    assert found == {("cache.py", 296): ("tests/test_c.py::test_a", "tests/test_c.py::test_b"),
                     ("other.py", 3): ("tests/test_c.py::test_c",)}
    # a third stopped on the loop's own condition, a line above: still one loop, at the line
    # most of them share (one finding, so one search, not one per place the alarm landed)
    outcomes.append(stuck("test_d", ("cache.py", 78, "put")))
    found = {(f.file, f.line): f.test_ids for f in merge_outcomes(outcomes)}
    assert found == {("cache.py", 79): ("tests/test_c.py::test_a", "tests/test_c.py::test_b",
                                        "tests/test_c.py::test_d"),
                     ("other.py", 3): ("tests/test_c.py::test_c",)}


def test_tests_that_share_a_function_only_pairwise_are_not_one_loop():
    """A chain (the first shares a function with the second, the second another with the
    third, the first and third none) is not one loop: no frame they all share to put it at."""
    from selfheal_local.detect.scan import merge_outcomes
    from selfheal_local.types import Frame, TestOutcome

    def stuck(test: str, *where: tuple[str, int, str]) -> TestOutcome:
        frames = (Frame("tests/test_c.py", 5, test, "", True),
                  *(Frame(f, n, fn, "", True) for f, n, fn in where))
        return TestOutcome(test_id=f"tests/test_c.py::{test}", outcome="failed",
                           exception_type="_selfheal_hang.TestTimeout", message="stopped",
                           frames=frames)

    setitem, popitem, wrapper = (("cache.py", 78, "__setitem__"), ("cache.py", 231, "popitem"),
                                 ("keys.py", 40, "wrapper"))
    outcomes = [stuck("test_a", setitem, popitem),
                stuck("test_b", wrapper, setitem),
                stuck("test_c", wrapper)]
    found = {(f.file, f.line): f.test_ids for f in merge_outcomes(outcomes)}
    assert found == {("cache.py", 78): ("tests/test_c.py::test_a", "tests/test_c.py::test_b"),
                     ("keys.py", 40): ("tests/test_c.py::test_c",)}
