"""One bug, three failing tests in one module: a guessed fix (mutation search, model, memory
replay) that makes one of them pass somewhere else is plausible, not the fix, while the other
two still fail. It is refused as partial; the fix at the bug makes all three pass and is proved.
A rule's fix is held only to its own failures (issue 11: no heal leaves a single-bug project
changed and still failing; a real isodate mutant did, with ``return True`` in an ``__eq__``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from selfheal_local.analyze import diagnose
from selfheal_local.validation.validator import Validator

from .test_evidence import edit, healer_for, write

SPANS = '''
class Span:
    def __init__(self, days, months=0):
        self.days, self.months = days, months

    def __eq__(self, other):
        if isinstance(other, Span):
            return (self.days, self.months) == (other.days, other.months)
        return False


def parse(text):
    number, unit = int(text[:-1]), text[-1]
    if unit == "D":
        return Span(number)
    return Span(0, number)
'''
TESTS = '''
from spans import Span, parse


def test_days():
    assert parse("5D").days == 5


def test_two_months_are_not_years():
    assert parse("2M").months == 2


def test_months_compare():
    assert parse("3M") == Span(0, 3)
'''


def test_a_guess_that_fixes_one_of_a_modules_failures_is_partial(tmp_path: Path) -> None:
    root = write(tmp_path / "p", {"spans.py": SPANS.replace("Span(0, number)",
                                                           "Span(0, number + 1)"),
                                  "tests/test_spans.py": TESTS})
    healer = healer_for(root)
    healer.scan()
    failing = sorted(healer.baseline.failed)
    assert failing == ["tests/test_spans.py::test_months_compare",
                       "tests/test_spans.py::test_two_months_are_not_years"], failing
    finding = next(f for f in healer.findings if "test_months_compare" in "".join(f.test_ids))
    diagnosis = diagnose(finding, healer.project)
    validator = Validator(healer.project, healer.sandbox, healer.baseline)
    # plausible elsewhere: every Span equals every Span
    anything = edit(healer.project, "spans.py",
                    "return (self.days, self.months) == (other.days, other.months)",
                    "return True", "made __eq__ return True")
    as_guess = validator.validate(replace(anything, source="search"), diagnosis).verdict
    assert not as_guess.passed and as_guess.stage == "partial", as_guess
    assert as_guess.still_failing == ("tests/test_spans.py::test_two_months_are_not_years",)
    as_rule = validator.validate(anything, diagnosis).verdict  # a rule: its own failure only
    assert as_rule.passed, as_rule.reason
    # the fix at the bug makes both pass: proved as a guess too
    fix = edit(healer.project, "spans.py", "Span(0, number + 1)", "Span(0, number)",
               "changed 'number + 1' to 'number'")
    proved = validator.validate(replace(fix, source="search"), diagnosis).verdict
    assert proved.passed, proved.reason
