"""What the main screen shows, kept apart from widgets: findings' status and candidates' state.

The heal loop's events (``selfheal_local.service.Event``) update it on the app's thread; the
widgets read it. Plain values only, so it is easy to test and cheap to redraw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CandidateRow:
    """One candidate as the candidates table shows it."""

    patch_id: str
    source: str
    explanation: str
    confidence: float
    state: str = "queued"
    """queued | running | passed | failed"""
    reason: str = ""


@dataclass
class FindingState:
    """Per finding: status, its candidates as they stream in, and the fix outcome when done."""

    status: str = "new"
    """new | healing | fixable | no fix | applied | rejected | cancelled | stale"""
    candidates: list[CandidateRow] = field(default_factory=list)
    outcome: Any = None
    """The FixOutcome of the last heal (None before one)."""
    note: str = ""

    def candidate(self, patch_id: str) -> CandidateRow | None:
        for row in self.candidates:
            if row.patch_id == patch_id:
                return row
        return None


class HealState:
    """Every finding's state, keyed by finding id (ids are stable across scans)."""

    def __init__(self) -> None:
        self.findings: dict[str, FindingState] = {}

    def of(self, finding_id: str) -> FindingState:
        return self.findings.setdefault(finding_id, FindingState())

    def on_event(self, event: Any) -> str | None:
        """Apply one heal-loop event; returns the finding id whose display changed."""
        fid = event.finding_id
        if not fid:
            return None
        state = self.of(fid)
        kind = event.kind
        if kind == "finding":
            state.status = "healing"
            state.candidates.clear()
            state.outcome = None
            state.note = ""
        elif kind == "candidate":
            state.candidates.append(CandidateRow(
                event.patch_id, str(event.data.get("source", "")), event.message,
                float(event.data.get("confidence", 0.0))))
        elif kind == "validate.start":
            row = state.candidate(event.patch_id)
            if row is not None:
                row.state = "running"
        elif kind == "validate.done":
            row = state.candidate(event.patch_id)
            if row is not None:
                passed = bool(event.data.get("passed"))
                row.state = "passed" if passed else "failed"
                row.reason = "" if passed else event.message
        elif kind == "fix.found":
            state.status = "fixable"
            self._settle(state)
        elif kind == "fix.none":
            state.status = "no fix"
            state.note = event.message
            self._settle(state)
        elif kind == "apply":
            state.status = "applied"
        elif kind == "reject":
            state.status = "rejected"
            state.note = event.message
        else:
            return None
        return fid

    @staticmethod
    def _settle(state: FindingState, reason: str = "not validated (its source failed; see log)"
                ) -> None:
        for row in state.candidates:
            if row.state in ("queued", "running"):
                row.state, row.reason = "failed", reason

    def set_outcome(self, outcome: Any) -> None:
        state = self.of(outcome.finding.id)
        state.outcome = outcome
        state.status = "fixable" if outcome.patch is not None else "no fix"
        if outcome.patch is None:
            state.note = outcome.reason

    def cancelled(self, finding_id: str) -> None:
        state = self.of(finding_id)
        if state.status == "healing":
            state.status = "cancelled"
            self._settle(state, "cancelled")

    def mark_stale(self, files: set[str], keep: str = "") -> list[str]:
        """Outcomes whose patch touches ``files`` were made from old text: heal them again."""
        changed = []
        for fid, state in self.findings.items():
            out = state.outcome
            if fid == keep or out is None or out.patch is None or state.status != "fixable":
                continue
            if files & set(out.patch.files):
                state.status = "stale"
                state.note = "the file changed since this candidate was made; heal again"
                changed.append(fid)
        return changed

    def accept_all_outcomes(self) -> tuple[list[Any], list[Any]]:
        """(ready, risky): the validated fixes accept-all applies, in the order they were found,
        and the model fixes that add risky powers (a person accepts those one at a time).
        A rejected, undone, applied or stale finding is never among them."""
        ready, risky = [], []
        for state in self.findings.values():
            out = state.outcome
            if state.status != "fixable" or out is None or out.patch is None:
                continue
            (risky if out.patch.metadata.get("risky") else ready).append(out)
        return ready, risky

    def status(self, finding_id: str) -> str:
        state = self.findings.get(finding_id)
        return state.status if state else "new"
