"""Domain values that cross package lines (plain dataclasses with ``to_dict``/``from_dict``):
what is broken (``findings``: findings, diagnoses, patches) and what a heal did (``results``:
test reports, verdicts, attempts, failures, heal results)."""

from __future__ import annotations

from .findings import (
    PATTERNS,
    SOURCES,
    Diagnosis,
    FileEdit,
    Finding,
    FindingSource,
    Frame,
    Patch,
    PatchStatus,
    Suspect,
)
from .results import (
    Applied,
    Attempt,
    Failure,
    HealResult,
    TestOutcome,
    TestReport,
    Verdict,
)

__all__ = [
    "Applied",
    "Attempt",
    "Diagnosis",
    "Failure",
    "FileEdit",
    "Finding",
    "FindingSource",
    "Frame",
    "HealResult",
    "PATTERNS",
    "Patch",
    "PatchStatus",
    "SOURCES",
    "Suspect",
    "TestOutcome",
    "TestReport",
    "Verdict",
]
