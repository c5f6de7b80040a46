"""Test runs started ahead (``validation.warm``): a candidate validated alone on a quick suite
runs in an interpreter started before it was known, and is judged on the project as it is
when it is validated, never on a copy made before the project changed."""

from __future__ import annotations

from pathlib import Path

from selfheal_local.analyze import diagnose
from selfheal_local.validation.validator import Validator

from .test_evidence import edit, healer_for, write
from .test_flaky_candidate import quick, started_ahead

FILES = {
    "calc.py": "from consts import FLAG\n\n\ndef add(a, b):\n    return a - b\n",
    "consts.py": "FLAG = 1\n",
    "tests/test_calc.py": ("import consts\nfrom calc import add\n\n\n"
                           "def test_add():\n    assert add(2, 3) == 5\n\n\n"
                           "def test_flag():\n    assert consts.FLAG == 1\n"),
}


def validate_alone(healer, runs):  # noqa: ANN001, ANN201
    healer.scan()
    finding = next(f for f in healer.findings if "test_add" in " ".join(f.test_ids))
    validator = Validator(healer.project, healer.sandbox, quick(healer.baseline))
    validator.spare, validator.warm = True, runs
    fix = edit(healer.project, "calc.py", "a - b", "a + b", "added instead of subtracting")
    return validator.validate(fix, diagnose(finding, healer.project)).verdict


def test_a_fix_validated_alone_runs_in_the_runs_started_ahead(tmp_path: Path) -> None:
    healer = healer_for(write(tmp_path / "p", FILES))
    healer.scan()
    runs = started_ahead(healer)
    verdict = validate_alone(healer, runs)
    assert verdict.passed, verdict
    assert verdict.now_passing == ("tests/test_calc.py::test_add",)
    assert set(verdict.tests_run) == {"tests/test_calc.py::test_add",
                                      "tests/test_calc.py::test_flag"}
    assert runs.ready() == set(), "the runs started ahead were not used"
    runs.close()


def test_a_copy_made_before_the_project_changed_is_never_what_is_validated(
        tmp_path: Path) -> None:
    root = write(tmp_path / "p", FILES)
    healer = healer_for(root)
    healer.scan()
    runs = started_ahead(healer)  # copies of the project with FLAG = 1
    (root / "consts.py").write_text("FLAG = 2\n")  # the person edits a file meanwhile
    verdict = validate_alone(healer, runs)
    # judged on FLAG = 2: test_flag fails before and after the fix (no progress, no regression)
    assert verdict.passed, verdict
    assert verdict.now_passing == ("tests/test_calc.py::test_add",)
    assert "tests/test_calc.py::test_flag" in healer.baseline.failed
    assert runs.ready() == set()
    runs.close()


def test_a_large_tree_is_not_copied_ahead_before_its_suite_has_run(tmp_path: Path) -> None:
    from selfheal_local.validation.warm import SMALL_FILES, WarmRuns

    small = healer_for(write(tmp_path / "small", FILES))
    large = healer_for(write(tmp_path / "large", {
        **FILES, **{f"pkg/m{i}.py": "" for i in range(SMALL_FILES)}}))
    assert WarmRuns(small.project, small.sandbox).usable(None)
    assert not WarmRuns(large.project, large.sandbox).usable(None)
