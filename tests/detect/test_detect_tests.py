"""run_tests: real pytest runs in the real sandbox, read back through junit XML."""

from __future__ import annotations

import sys

from selfheal_local.config import Config
from selfheal_local.detect.tests import is_pytest, node_id, run_tests, still_failing


def test_outcomes_ids_exceptions_and_project_frames(sandbox, broken_project) -> None:
    with sandbox.workspace(broken_project) as ws:
        report = run_tests(ws, sandbox, Config())
        assert not list(ws.glob(".selfheal-junit-*"))  # the report file is cleaned up
    by_id = {o.test_id: o for o in report.outcomes}
    assert set(by_id) == {
        "tests/test_calc.py::test_total", "tests/test_calc.py::test_total_empty",
        "tests/test_calc.py::test_box", "tests/test_calc.py::test_ok",
    }
    assert report.passed == {"tests/test_calc.py::test_ok"}
    assert report.failed == {"tests/test_calc.py::test_total", "tests/test_calc.py::test_total_empty",
                             "tests/test_calc.py::test_box"}
    total = by_id["tests/test_calc.py::test_total"]
    assert total.exception_type == "NameError"
    assert total.message.startswith("name 'totl' is not defined")
    assert [(f.file, f.line, f.function) for f in total.frames] == [
        ("tests/test_calc.py", 5, "test_total"), ("pkg/calc.py", 5, "total"),
    ]
    assert "_pytest" not in total.traceback and 'File "pkg/calc.py", line 5' in total.traceback
    box = by_id["tests/test_calc.py::test_box"]
    assert box.exception_type == "AttributeError" and "'vaule'" in box.message
    assert not report.ok and not report.timed_out and report.returncode == 1


def test_selected_test_ids_only(sandbox, broken_project) -> None:
    report = run_tests(broken_project, sandbox, Config(),
                       test_ids=["tests/test_calc.py::test_box", "tests/test_calc.py::test_ok"])
    assert {o.test_id for o in report.outcomes} == {"tests/test_calc.py::test_box",
                                                    "tests/test_calc.py::test_ok"}
    assert not list(broken_project.glob(".selfheal-junit-*"))


def test_classes_parametrize_and_nested_dirs(sandbox, make_project) -> None:
    root = make_project({
        "src_mod.py": "def double(x):\n    return x * 2\n",
        "tests/unit/test_cls.py": """
            import pytest
            from src_mod import double


            class TestDouble:
                @pytest.mark.parametrize("x, want", [(1, 2), (2, 5), ("a", "aa")])
                def test_it(self, x, want):
                    assert double(x) == want

                @pytest.mark.skip(reason="later")
                def test_skipped(self):
                    pass
            """,
    })
    report = run_tests(root, sandbox, Config())
    by_id = {o.test_id: o for o in report.outcomes}
    base = "tests/unit/test_cls.py::TestDouble::"
    assert set(by_id) == {base + "test_it[1-2]", base + "test_it[2-5]", base + "test_it[a-aa]",
                          base + "test_skipped"}
    assert by_id[base + "test_it[2-5]"].outcome == "failed"
    assert by_id[base + "test_it[2-5]"].exception_type == "AssertionError"
    assert by_id[base + "test_skipped"].outcome == "skipped"
    assert report.failed == {base + "test_it[2-5]"}


def test_collection_errors_are_reported_and_other_tests_still_run(sandbox, make_project) -> None:
    root = make_project({
        "pkg/__init__.py": "",
        "pkg/core.py": "import helpers_that_do_not_exist\n",
        "pkg/fine.py": "def one():\n    return 1\n",
        "tests/test_core.py": "from pkg import core\n\ndef test_core():\n    assert core\n",
        "tests/test_fine.py": "from pkg.fine import one\n\ndef test_one():\n    assert one() == 1\n",
    })
    report = run_tests(root, sandbox, Config())
    assert report.passed == {"tests/test_fine.py::test_one"}
    [error] = report.collection_errors
    assert error.test_id == "tests/test_core.py"
    assert error.exception_type == "ModuleNotFoundError"
    assert "helpers_that_do_not_exist" in error.message
    assert error.frames[-1].file == "pkg/core.py" and error.frames[-1].line == 1
    assert not report.ok


def test_suite_that_cannot_be_collected_at_all(sandbox, make_project) -> None:
    root = make_project({
        "conftest.py": "import pytest\nfrom missing_plugin import thing\n",
        "tests/test_a.py": "def test_a():\n    pass\n",
    })
    report = run_tests(root, sandbox, Config())
    assert not report.ok and report.outcomes == ()
    [error] = report.collection_errors
    assert error.exception_type == "ModuleNotFoundError"
    assert "missing_plugin" in error.message


def test_no_tests_is_exit_5_and_ok(sandbox, make_project) -> None:
    root = make_project({"app.py": "x = 1\n"})
    report = run_tests(root, sandbox, Config())
    assert report.returncode == 5 and report.outcomes == () and report.ok


def test_hanging_suite_times_out(sandbox, make_project) -> None:
    root = make_project({"tests/test_hang.py": "def test_hang():\n    while True:\n        pass\n"})
    report = run_tests(root, sandbox, Config(), timeout_s=3)
    assert report.timed_out and not report.ok
    assert report.elapsed_s < 30


def test_custom_non_pytest_command_is_judged_by_exit_status(sandbox, make_project) -> None:
    root = make_project({
        "check.py": "import sys\nfrom lib import value\nsys.exit(0 if value() == 2 else 3)\n",
        "lib.py": "def value():\n    return undefined_value\n",
    })
    config = Config(test_command=(sys.executable, "check.py"))
    report = run_tests(root, sandbox, config)
    [outcome] = report.outcomes
    assert outcome.outcome == "failed" and outcome.exception_type == "NameError"
    assert outcome.frames[-1].file == "lib.py"
    (root / "lib.py").write_text("def value():\n    return 2\n")
    fixed = run_tests(root, sandbox, config)
    assert fixed.ok and fixed.outcomes == ()


def test_is_pytest_and_node_id(tmp_path) -> None:
    assert is_pytest([sys.executable, "-m", "pytest", "-x"])
    assert is_pytest(["/venv/bin/pytest"])
    assert not is_pytest(["make", "test"])
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("")
    assert node_id("tests.test_a.TestX", "test_y[1.5]", tmp_path) == "tests/test_a.py::TestX::test_y[1.5]"
    assert node_id("tests.test_a", "test_z", tmp_path) == "tests/test_a.py::test_z"


def test_still_failing_understands_module_ids(sandbox, make_project) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/mod.py": "def f(:\n    return 1\n",
        "tests/test_mod.py": "from pkg.mod import f\n\ndef test_f():\n    assert f() == 1\n",
        "tests/test_other.py": "def test_other():\n    assert True\n",
    }
    root = make_project(files)
    broken = run_tests(root, sandbox, Config())
    ids = ["tests/test_mod.py", "tests/test_other.py::test_other"]
    assert [c.test_id for c in broken.collection_errors] == ["tests/test_mod.py"]
    assert still_failing(broken, ids) == ("tests/test_mod.py",)
    (root / "pkg/mod.py").write_text("def f():\n    return 2\n")
    wrong = run_tests(root, sandbox, Config())
    assert still_failing(wrong, ids) == ("tests/test_mod.py",)  # collected, but its test fails
    (root / "pkg/mod.py").write_text("def f():\n    return 1\n")
    fixed = run_tests(root, sandbox, Config())
    assert still_failing(fixed, ids) == ()


SPIN = """
import time


def spin_swallowing():
    while True:  # an except-all inside the loop must not swallow the stop
        try:
            time.sleep(0.05)
        except Exception:
            pass
"""


def test_a_test_past_its_limit_fails_alone_and_the_run_goes_on(sandbox, make_project) -> None:
    root = make_project({
        "spin.py": SPIN,
        "tests/test_spin.py": """
            from spin import spin_swallowing


            def test_spins():
                spin_swallowing()


            def test_quick():
                assert 1 + 1 == 2
            """,
    })
    report = run_tests(root, sandbox, Config(test_timeout_s=60), test_limit_s=1.5)
    assert not report.timed_out
    assert report.passed == {"tests/test_spin.py::test_quick"}
    [stopped] = [o for o in report.outcomes if o.outcome == "failed"]
    assert stopped.exception_type.endswith("TestTimeout") and "1.5s" in stopped.message
    # the traceback names the loop in the project, not the guard
    assert [(f.file, f.function) for f in stopped.frames][-1] == ("spin.py", "spin_swallowing")
    assert 1.5 <= stopped.duration_s < 30
    assert not any(".selfheal-hang" in f.file for f in stopped.frames)


def test_the_per_test_limit_comes_from_the_baseline_slowest_test() -> None:
    from selfheal_local.detect.hangguard import derived_limit

    durations = [(0.2, ""), (1.0, "AssertionError"), (60.0, "_selfheal_hang.TestTimeout")]
    # 3 × the slowest test that was not stopped + the floor; a stopped test says nothing
    assert derived_limit(durations, 3.0, 10.0, 60.0) == 13.0
    assert derived_limit([(40.0, "")], 3.0, 10.0, 60.0) == 60.0  # never past the cap
    assert derived_limit([], 3.0, 10.0, 60.0) == 10.0
    assert Config(test_timeout_s=300, test_case_timeout_s=60).test_case_limit() == 60
    assert Config(test_timeout_s=30, test_case_timeout_s=60).test_case_limit() is None
