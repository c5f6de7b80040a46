"""Validation: a candidate is a fix only when the project's own tests say so.

Checks run in order and stop at the first failure: policy (no edits to tests, no swallowed
errors, nothing outside the project) → parse every changed file → ruff on the changed files
(no new finding) → the previously failing tests → the whole suite (no test that passed before
may fail). The tests run in a throwaway copy of the project with the candidate written in.
"""

from __future__ import annotations

import ast
import logging
import time
from collections import Counter
from dataclasses import dataclass

from .project import Project
from .protocols import Sandbox
from .types import Diagnosis, Patch, TestReport, Verdict

log = logging.getLogger(__name__)

OUTPUT_TAIL = 4000


@dataclass(frozen=True)
class Validation:
    """A verdict plus the suite report of the patched copy (reused as the next baseline)."""

    verdict: Verdict
    report: TestReport | None = None


def _tail(text: str, limit: int = OUTPUT_TAIL) -> str:
    return text if len(text) <= limit else "…" + text[-limit:]


ERROR_RULES = ("E9", "F821", "F822", "F823", "F63", "F7", "PLE", "invalid-syntax", "SyntaxError")
"""ruff rules that are breakage, not style."""


def _is_error_rule(code: str) -> bool:
    return code.startswith(ERROR_RULES)


def _has_syntax_error(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return True
    return False


def _ruff_keys(findings) -> Counter:
    # compare by rule and message, not line: an edit shifts lines without adding findings
    return Counter((f.code, f.message) for f in findings)


class Validator:
    """Validates candidates of one project against its baseline test report."""

    def __init__(self, project: Project, sandbox: Sandbox, baseline: TestReport | None):
        self.project = project
        self.sandbox = sandbox
        self.baseline = baseline

    def _fail(self, stage: str, reason: str, started: float, **extra) -> Validation:
        report = extra.pop("report", None)  # the Validation carries it, not the Verdict
        verdict = Verdict(passed=False, stage=stage, reason=reason,
                          elapsed_s=time.monotonic() - started, **extra)
        return Validation(verdict, report)

    def check_static(self, patch: Patch, diagnosis: Diagnosis | None = None) -> tuple[str, str] | None:
        """Policy, parse and ruff: (stage, reason) of the first failure, or None."""
        from .policy import check_patch

        reason = check_patch(patch, self.project)
        if reason:
            return ("policy", reason)
        for edit in patch.edits:
            if not edit.path.endswith(".py"):
                continue
            try:
                ast.parse(edit.after, filename=edit.path)
            except SyntaxError as exc:
                return ("parse", f"{edit.path}:{exc.lineno}: {exc.msg}")
        from .detect.ruff import ruff_check_text

        for edit in patch.edits:
            if not edit.path.endswith(".py"):
                continue
            before_findings = ruff_check_text(edit.before, edit.path, self.project)
            after_findings = ruff_check_text(edit.after, edit.path, self.project)
            if _has_syntax_error(edit.before):
                # ruff saw only the syntax error before: findings it can see now are not new
                # unless they are errors in their own right
                after_findings = [f for f in after_findings if _is_error_rule(f.code)]
            before, after = _ruff_keys(before_findings), _ruff_keys(after_findings)
            new = after - before
            if new:
                code, message = next(iter(new))
                return ("ruff", f"{edit.path}: new ruff finding {code} {message}")
            finding = diagnosis.finding if diagnosis else None
            if finding and finding.source == "ruff" and finding.file == edit.path:
                key = (finding.code, finding.message)
                if after[key] >= before[key]:
                    return ("ruff", f"{edit.path}: {finding.code} is still reported")
        return None

    def validate(self, patch: Patch, diagnosis: Diagnosis) -> Validation:
        """Run every check on ``patch``; never raises for a bad candidate."""
        from .detect.tests import run_tests, still_failing

        started = time.monotonic()
        try:
            static = self.check_static(patch, diagnosis)
        except Exception as exc:  # a candidate must never crash the heal
            log.exception("static checks crashed")
            return self._fail("policy", f"could not check the candidate: {exc}", started)
        if static:
            return self._fail(*static, started)

        overrides = {e.path: e.after for e in patch.edits}
        config = self.project.config
        baseline = self.baseline
        failing = tuple(t for t in diagnosis.test_ids if not baseline or t not in baseline.passed)
        # (a module id such as tests/test_x.py stands for everything collected from it)
        with self.sandbox.workspace(self.project.root, overrides) as ws:
            # cheap first: the failing tests alone, when the whole suite is not itself cheap
            suite_cheap = baseline is not None and baseline.elapsed_s < 3.0
            if failing and not suite_cheap:
                first = run_tests(ws, self.sandbox, config, test_ids=failing)
                still = still_failing(first, failing)
                if first.timed_out:
                    return self._fail("failing", "the failing tests timed out with the candidate",
                                      started, output=_tail(first.output), still_failing=still)
                if still or first.collection_errors:
                    return self._fail(
                        "failing", f"{len(still) or 'the'} previously failing test(s) still fail",
                        started, output=_tail(first.output), still_failing=still,
                    )
            report = run_tests(ws, self.sandbox, config)
        return self._judge(report, failing, started)

    def _judge(self, report: TestReport, failing: tuple[str, ...], started: float) -> Validation:
        baseline = self.baseline
        before_passed = baseline.passed if baseline else frozenset()
        newly = tuple(sorted(before_passed - report.passed))
        from .detect.tests import still_failing

        still = tuple(sorted(still_failing(report, failing)))
        common = dict(output=_tail(report.output), tests_passed=len(report.passed),
                      tests_total=len(report.outcomes), newly_failing=newly, still_failing=still)
        if report.timed_out:
            return self._fail("suite", "the test suite timed out with the candidate", started,
                              report=report, **common)
        if still:
            return self._fail("failing", f"{len(still)} previously failing test(s) still fail",
                              started, report=report, **common)
        if newly:
            return self._fail("suite", f"regression: {len(newly)} test(s) that passed now fail "
                              f"({', '.join(newly[:3])})", started, report=report, **common)
        before_errors = {c.test_id for c in baseline.collection_errors} if baseline else set()
        new_errors = [c.test_id for c in report.collection_errors if c.test_id not in before_errors]
        if new_errors:
            return self._fail("suite", f"new collection error in {new_errors[0]}", started,
                              report=report, **common)
        if baseline is not None and len(report.outcomes) < len(baseline.outcomes) and not (
            baseline.collection_errors and not report.collection_errors
        ):
            return self._fail("suite", "fewer tests ran than before (tests were lost)", started,
                              report=report, **common)
        verdict = Verdict(passed=True, stage="suite", elapsed_s=time.monotonic() - started,
                          **common)
        return Validation(verdict, report)
