"""Evidence when the whole suite is blocked: a test that errors before and after proves nothing,
and a module whose tests are all skipped does not turn a complete fix into "partial progress".
Real sandbox, real pytest, real ruff."""

from __future__ import annotations

from pathlib import Path

from selfheal_local.analyze import diagnose
from selfheal_local.factory import open_healer
from selfheal_local.protocols import SourceBase
from selfheal_local.types import Finding
from selfheal_local.validation.validator import Validator

from .projects import digest
from .test_evidence import edit, healer_for, write

CORE = '''def double(x):
    return 2 * x


def total(xs):
    out = 0
    for x in xs:
        out += double(x)
    return out
'''
EXTRA = '''from pkg.core import double

__all__ = ["quadruple"]


def quadruple(x):
    return double(double(x))


del helpers
'''


def blocked(root: Path) -> Path:
    """``pkg/core.py`` lost a colon: every test module fails at import, and one test (which
    imports the package in a fixture) errors at set-up, an *outcome* that is not a pass."""
    return write(root, {
        "pkg/__init__.py": "from pkg.core import double, total\n",
        "pkg/core.py": CORE.replace("for x in xs:", "for x in xs"),
        "pkg/extra.py": EXTRA,
        "tests/conftest.py": "import pytest\n\n\n@pytest.fixture\ndef pkg():\n"
                             "    import pkg as module\n    return module\n",
        "tests/test_core.py": "from pkg.core import total\n\n\ndef test_total():\n"
                              "    assert total([1, 2]) == 6\n",
        "tests/test_extra.py": "def test_quadruple(pkg):\n    from pkg.extra import quadruple\n"
                               "    assert quadruple(1) == 4\n",
    })


def define(project):
    return edit(project, "pkg/extra.py", "\ndel helpers", "\nhelpers = {}\ndel helpers",
                "defined 'helpers'")


def test_a_test_that_errors_before_and_after_is_no_evidence(tmp_path):
    healer = healer_for(blocked(tmp_path / "p"))
    healer.scan()
    baseline = healer.baseline
    assert baseline is not None and not baseline.passed
    assert any(o.outcome == "error" for o in baseline.outcomes)  # the set-up error ran
    f821 = Finding("ruff", "pkg/extra.py", 11, "F821", "Undefined name `helpers`", column=5)
    validator = Validator(healer.project, healer.sandbox, baseline)
    verdict = validator.validate(define(healer.project), diagnose(f821, healer.project)).verdict
    assert not verdict.passed, verdict
    assert verdict.stage == "evidence" and verdict.tests_passed == 0


class Define(SourceBase):
    """Proposes defining ``helpers`` for undefined names, nothing for the syntax error."""

    name = "rule"

    def propose(self, diagnosis, project):
        if diagnosis.pattern == "undefined_variable":
            yield define(project)


def test_a_heal_blocked_by_breakage_it_cannot_fix_changes_nothing(tmp_path):
    """The syntax error is left for the person (this source has nothing for it); the undefined
    name elsewhere is not healed on the evidence of tests that never ran, nor applied."""
    root = blocked(tmp_path / "p")
    before = digest(root)
    result = healer_for(root, sources=[Define()]).heal()
    assert not result.healthy
    assert not result.applied
    assert digest(root) == before


SKIPPED = '''import pytest

from pkg.core import double

pytestmark = pytest.mark.skip("slow on this machine")


def test_double():
    assert double(3) == 6
'''


def test_a_module_whose_tests_all_skip_does_not_make_a_complete_fix_partial(tmp_path):
    root = blocked(tmp_path / "p")
    (root / "tests/test_skipped.py").write_text(SKIPPED)
    (root / "pkg/extra.py").write_text(EXTRA.replace("\n\ndel helpers\n", "\n"))
    result = open_healer(root, {"use_model": False, "use_memory": False}).heal()
    assert result.healthy, [f.reason for f in result.failed]
    assert [a.patch.pattern for a in result.applied] == ["syntax_error"]
    assert "for x in xs:" in (root / "pkg/core.py").read_text()


class DefineInFunction(SourceBase):
    name = "rule"

    def propose(self, diagnosis, project):
        if diagnosis.pattern == "undefined_variable":
            yield edit(project, "pkg/extra.py", "\n\ndef report", "\nhelpers = {}\n\n\ndef report",
                       "defined 'helpers'")


def test_a_failing_test_the_heal_cannot_fix_holds_back_every_ruff_fix(tmp_path):
    """A wrong result no source can fix: the proved fix of an undefined name elsewhere (in a
    function no test calls) is not applied unasked, and the summary says why."""
    root = blocked(tmp_path / "p")
    (root / "pkg/core.py").write_text(CORE.replace("2 * x", "3 * x"))
    (root / "pkg/extra.py").write_text(EXTRA.replace("\n\ndel helpers\n", "\n\n\ndef report():\n"
                                                     "    return sorted(helpers)\n"))
    (root / "tests/test_extra.py").write_text(
        "from pkg.extra import quadruple\n\n\ndef test_quadruple():\n"
        "    assert quadruple(1) == 9\n")  # passes with the bug: extra's tests pass either way
    before = digest(root)
    result = healer_for(root, sources=[DefineInFunction()]).heal()
    assert not result.applied, [a.patch.explanation for a in result.applied]
    assert digest(root) == before
    assert any("not applied" in note for note in result.notes), result.notes
    assert any(f.code == "F821" for f in result.remaining)
