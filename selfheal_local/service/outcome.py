"""What the heal loop reports and returns: events, the cancel signal, one finding's fix outcome."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from selfheal_local.project import Project
from selfheal_local.types import (
    Attempt,
    Diagnosis,
    Failure,
    Finding,
    Patch,
    Verdict,
)
from selfheal_local.validation.validator import Validation

log = logging.getLogger(__name__)




@dataclass(frozen=True)
class Event:
    """Something the loop did, for progress displays (CLI, TUI)."""

    kind: str
    """scan.start | scan.done | finding | candidate | validate.start | validate.done |
    fix.found | fix.none | apply | reject | undo | heal.done"""
    message: str
    finding_id: str = ""
    patch_id: str = ""
    data: dict[str, Any] = field(default_factory=dict)


class Cancelled(Exception):
    """The person cancelled the running job."""


@dataclass
class FixOutcome:
    """What ``fix`` found for one finding: the selected patch (or None) and every attempt."""

    finding: Finding
    diagnosis: Diagnosis
    patch: Patch | None = None
    validation: Validation | None = None
    attempts: list[Attempt] = field(default_factory=list)
    sources_tried: list[str] = field(default_factory=list)
    reason: str = ""
    candidates: list[tuple[Patch, Verdict]] = field(default_factory=list)
    search_tried: int = 0
    held_back: list[Any] = field(default_factory=list)
    """Decisions that kept a candidate out (the person rejected or undid that change)."""
    elapsed_s: float = 0.0
    """Seconds spent finding and proving a fix for this finding (the fix step)."""
    basis: dict[str, tuple[int, int]] | None = None
    """The project's files (``fingerprint``) the candidates were validated against: the
    validation's suite run stands for the project after apply only if nothing else changed."""

    def failure(self) -> Failure:
        return Failure(self.finding, self.diagnosis.pattern, tuple(self.sources_tried),
                       tuple(self.attempts), self.reason or "no candidate passed validation",
                       self.search_tried)


def fingerprint(project: Project) -> dict[str, tuple[int, int]]:
    out = {}
    for rel in project.python_files:
        try:
            st = (project.root / rel).stat()
        except OSError:
            continue
        out[rel] = (st.st_size, st.st_mtime_ns)
    return out


def why_not(outcome: FixOutcome) -> str:
    """Why no candidate of ``outcome`` was found or passed, in one line."""
    if not outcome.attempts and outcome.held_back:
        return outcome.held_back[-1].describe()
    if not outcome.attempts:
        tried = ", ".join(outcome.sources_tried) or "no source"
        return f"no candidate proposed ({tried} tried)"
    reasons = sorted({a.verdict.stage for a in outcome.attempts})
    held = f"; not offered again: {outcome.held_back[-1].describe()}" if outcome.held_back else ""
    return (f"{len(outcome.attempts)} candidate(s) tried, none passed ({', '.join(reasons)})"
            + held)


__all__ = ["Cancelled", "Event", "FixOutcome", "fingerprint", "why_not"]
