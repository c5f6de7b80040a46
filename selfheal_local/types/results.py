"""Domain values of what a heal did: test reports, verdicts, attempts, failures, heal results.

Plain frozen dataclasses with ``to_dict``/``from_dict`` for the JSON edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .findings import Finding, Frame, Patch, Record


@dataclass(frozen=True)
class Verdict(Record):
    """The outcome of validating one candidate in the sandbox."""

    passed: bool
    stage: str
    """The last check run: policy | parse | ruff | failing | suite (``suite`` when all passed)."""
    reason: str = ""
    """Why it failed, one line a person reads ("" when passed)."""
    output: str = ""
    """Tail of the failing check's output (fed back to the model on self-correction)."""
    newly_failing: tuple[str, ...] = ()
    """Tests that passed before and fail with the candidate (regressions)."""
    still_failing: tuple[str, ...] = ()
    tests_passed: int = 0
    tests_total: int = 0
    elapsed_s: float = 0.0
    tests_run: tuple[str, ...] = ()
    """Ids of the tests that ran (not skipped) in the last stage: the evidence."""
    now_passing: tuple[str, ...] = ()
    """Tests that failed before and pass with the candidate (partial progress shows here)."""
    checked_by: str = ""
    """What proved it, in words: ``"tests"`` or ``"parse + ruff only (no tests)"``."""

    _TUPLES = ("newly_failing", "still_failing", "tests_run", "now_passing")

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "tests_run_count": len(self.tests_run)}


@dataclass(frozen=True)
class Attempt:
    """One candidate tried for a finding and what the sandbox said about it."""

    source: str
    explanation: str
    verdict: Verdict
    adapter: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "explanation": self.explanation,
            "adapter": self.adapter,
            "passed": self.verdict.passed,
            "stage": self.verdict.stage,
            "reason": self.verdict.reason,
        }


@dataclass(frozen=True)
class Failure:
    """A finding the heal could not fix, with every candidate tried and why each was rejected."""

    finding: Finding
    pattern: str
    sources_tried: tuple[str, ...]
    attempts: tuple[Attempt, ...]
    reason: str
    search_tried: int = 0
    """Mutants the search generated (validated or not) for this finding."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "finding": self.finding.to_dict(),
            "pattern": self.pattern,
            "sources_tried": list(self.sources_tried),
            "attempts": [a.to_dict() for a in self.attempts],
            "candidates_tried": len(self.attempts),
            "search_tried": self.search_tried,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Applied:
    """A patch that passed validation and was written to the project."""

    patch: Patch
    verdict: Verdict
    journal_id: str = ""
    candidates_tried: int = 0
    """Candidates validated for this finding before (and including) the applied one."""
    search_tried: int = 0
    fix_s: float = 0.0
    """Seconds spent finding and proving this fix (the fix step, without scan and apply)."""
    at_s: float = 0.0
    """Seconds from the start of the heal to this fix being written (0: not in a heal)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.patch.id,
            "pattern": self.patch.pattern,
            "source": self.patch.source,
            "adapter": self.patch.adapter,
            "explanation": self.patch.explanation,
            "confidence": self.patch.confidence,
            "files": self.patch.files,
            "diff": self.patch.diff,
            "validation": self.verdict.to_dict(),
            "journal_id": self.journal_id,
            "candidates_tried": self.candidates_tried,
            "search_tried": self.search_tried,
            "fix_s": round(self.fix_s, 3),
            "at_s": round(self.at_s, 3),
            # passing candidates that disagree on a generated input (fixers.disagree), or None
            "disagreement": self.patch.metadata.get("disagreement"),
        }


@dataclass(frozen=True)
class HealResult:
    """What one ``heal`` did: the contract of ``selfheal heal --json``."""

    healthy: bool
    findings: tuple[Finding, ...]
    applied: tuple[Applied, ...]
    failed: tuple[Failure, ...]
    elapsed_s: float
    remaining: tuple[Finding, ...] = ()
    """Findings still present after the heal."""
    notes: tuple[str, ...] = ()
    """Things the person should know (no model configured, memory unavailable, sandbox level)."""
    tests_run: int | None = None
    """Tests that ran (not skipped) in the last suite run; None when the tests were not run."""
    checked_by: str = ""
    """What proved the result, in words ("the project's tests", or parse + ruff only)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "tests_run": self.tests_run,
            "checked_by": self.checked_by,
            "findings": [f.to_dict() for f in self.findings],
            "applied": [a.to_dict() for a in self.applied],
            "failed": [f.to_dict() for f in self.failed],
            "remaining": [f.to_dict() for f in self.remaining],
            "notes": list(self.notes),
            "elapsed_s": round(self.elapsed_s, 3),
        }


@dataclass(frozen=True)
class TestOutcome(Record):
    """One test's result from a pytest run (from its junit XML report)."""

    __test__ = False  # not a pytest test class

    test_id: str
    """pytest node id, relative to the project root (``tests/test_x.py::test_y``)."""
    outcome: str
    """passed | failed | error | skipped"""
    exception_type: str = ""
    message: str = ""
    traceback: str = ""
    frames: tuple[Frame, ...] = ()
    """Traceback frames inside the project, outermost first."""
    duration_s: float = 0.0
    """How long the test took (junit's ``time``; 0.0 when unknown)."""

    _RECORDS = {"frames": Frame}


@dataclass(frozen=True)
class TestReport:
    """A whole pytest run: per-test outcomes plus whether collection worked at all."""

    __test__ = False

    outcomes: tuple[TestOutcome, ...]
    returncode: int
    output: str = ""
    """Tail of the combined output."""
    elapsed_s: float = 0.0
    timed_out: bool = False
    collection_errors: tuple[TestOutcome, ...] = ()
    """Modules that failed to import/collect (test_id is the file)."""

    @property
    def passed(self) -> frozenset[str]:
        return frozenset(o.test_id for o in self.outcomes if o.outcome == "passed")

    @property
    def failed(self) -> frozenset[str]:
        return frozenset(o.test_id for o in self.outcomes if o.outcome in ("failed", "error"))

    @property
    def ok(self) -> bool:
        """Every collected test passed (or skipped), nothing failed to collect, no time-out."""
        return (
            not self.failed
            and not self.collection_errors
            and not self.timed_out
            and self.returncode in (0, 5)
        )
