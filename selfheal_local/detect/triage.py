"""What blocks first, and which findings a heal may touch unasked.

Order: syntax errors, then modules that cannot be imported (every test behind them is
uncollectable), then failing tests and tracebacks, then ruff's breakage rules (undefined
names), then lint. Lint (ruff's style findings) is healed only when the person asks
(``--lint``) or the project configures ruff itself, and never while breakage remains: a heal
whose failing tests still fail applies nothing else unasked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from selfheal_local.config import project_has_ruff_config
from selfheal_local.project import Project
from selfheal_local.types import Finding, TestReport

ERROR_RULES = ("E9", "F821", "F822", "F823", "F63", "F7", "PLE", "invalid-syntax", "SyntaxError")
"""ruff rules that are breakage, not style."""
IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})


def is_error_rule(code: str) -> bool:
    """True for ruff rules that report breakage (syntax, undefined names), not style."""
    return code.startswith(ERROR_RULES)


def is_lint(finding: Finding) -> bool:
    """A ruff finding that is style, not breakage."""
    return finding.source == "ruff" and not is_error_rule(finding.code)


def blocks_import(finding: Finding) -> bool:
    """A module could not even be imported: its tests were never collected."""
    if finding.code in IMPORT_ERRORS:
        return True
    return bool(finding.test_ids) and all("::" not in t for t in finding.test_ids)


BLOCKING = 2
"""Ranks up to this (syntax, import failures, failing tests) are breakage the tests show: while
one the heal could not fix remains, nothing of a higher rank is changed unasked."""


UNASKED = ("failing tests or errors the heal could not fix remain, and this fix heals none of "
           "them (fix those first, or pass --lint)")
"""Why a proved fix of a ruff finding was not applied while such breakage remains."""


def rank(finding: Finding) -> int:
    """0 syntax · 1 import failure · 2 failing test / traceback · 3 ruff breakage · 4 lint."""
    if finding.source == "syntax" or finding.code == "SyntaxError":
        return 0
    if finding.source in ("test", "traceback"):
        return 1 if blocks_import(finding) else 2
    return 3 if is_error_rule(finding.code) else 4


def unasked(finding: Finding, validation: object, unhealed: Iterable[Finding]) -> bool:
    """A proved fix of a ruff finding while breakage the heal could not fix (``unhealed``)
    remains, that heals none of it: applying it would change the project unasked and leave it
    broken. ``validation``: the fix's ``Validation`` (its verdict's ``now_passing``)."""
    if rank(finding) <= BLOCKING:
        return False
    broken = {t for f in unhealed if rank(f) <= BLOCKING for t in (f.test_ids or (f.file,))}
    if not broken:
        return False
    verdict = getattr(validation, "verdict", None)
    return not (verdict is not None and set(verdict.now_passing) & broken)


def order(findings: Iterable[Finding]) -> list[Finding]:
    """Findings by what blocks first (stable within a rank)."""
    return sorted(findings, key=rank)


def lint_requested(project: Project) -> bool:
    """The person asked for lint fixes (``--lint``) or the project configures ruff itself."""
    return project.config.lint or project_has_ruff_config(project.root)


def healable(findings: Sequence[Finding], project: Project) -> list[Finding]:
    """The findings a heal works on now, blocking first; lint only when asked for and, unless
    ``--lint`` was given, only once nothing else is broken."""
    blocking = [f for f in order(findings) if not is_lint(f)]
    if project.config.lint or (lint_requested(project) and not blocking):
        return order(findings)
    return blocking


def left_alone(findings: Sequence[Finding], project: Project) -> list[Finding]:
    """Lint the heal did not touch because nobody asked for it (or breakage remains)."""
    wanted = {f.id for f in healable(findings, project)}
    return [f for f in findings if f.id not in wanted]




NO_TESTS = ("parse + ruff + import only: the project has no tests, so nothing was run to prove "
            "that the code works")


def tests_run(report: TestReport | None) -> int | None:
    """Tests that ran (not skipped) in ``report``; None when the tests were not run."""
    if report is None:
        return None
    return sum(1 for o in report.outcomes if o.outcome != "skipped")


def checked_by(report: TestReport | None) -> str:
    """What the heal's result rests on, in words a person cannot miss."""
    if report is None:
        return "parse + ruff only: the tests were not run"
    if not report.outcomes and not report.collection_errors:
        return NO_TESTS
    if not tests_run(report):
        return (f"nothing: {len(report.collection_errors)} test module(s) could not be imported, "
                "so no test ran")
    return f"the project's tests ({tests_run(report)} ran) + parse + ruff"


def heal_notes(untouched: Sequence[Finding], report: TestReport | None,
               project: Project) -> list[str]:
    """What a person must know about what the heal did not look at."""
    notes = []
    if untouched:
        why = ("failing tests or errors remain; fix those first or pass --lint"
               if lint_requested(project) else
               "the project does not configure ruff; pass --lint to heal them")
        notes.append(f"{len(untouched)} lint finding(s) left alone ({why})")
    if report is not None and not report.outcomes and not report.collection_errors:
        notes.append("NO TESTS: " + NO_TESTS)
    return notes


__all__ = ["BLOCKING", "ERROR_RULES", "NO_TESTS", "UNASKED", "blocks_import", "checked_by",
           "heal_notes", "healable", "is_error_rule", "is_lint", "left_alone", "lint_requested",
           "order", "rank", "tests_run", "unasked"]
