"""What a running job is doing, in words: N of M, elapsed time, the stage; and the heal loop's
events as plain log lines (no internal event names, nothing said twice)."""

from __future__ import annotations

import time
from typing import Any


def elapsed(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class JobProgress:
    """The header's second line while a job runs: ``finding 2 of 9 · 12s · validating …``."""

    def __init__(self, label: str, now: float | None = None) -> None:
        self.label = label
        self.started = time.monotonic() if now is None else now
        self.finding: tuple[int, int] | None = None
        self.stage = ""
        self.candidates = 0
        self.validated = 0

    def next_finding(self, index: int, total: int, location: str) -> None:
        self.finding = (index, total)
        self.candidates = self.validated = 0
        self.stage = f"healing {location}"

    def on_event(self, event: Any, explanation: str = "") -> None:
        kind = event.kind
        if kind == "scan.start":
            if "re-scan" in event.message:
                self.stage = "re-scanning the changed files"
            elif not self.stage:
                self.stage = "ruff and syntax"
        elif kind == "finding":
            self.candidates = self.validated = 0
            self.stage = "proposing candidates"
        elif kind == "candidate":
            self.candidates += 1
            self.stage = f"proposing candidates ({self.candidates} so far)"
        elif kind == "validate.start":
            source = event.data.get("source", "")
            self.stage = (f"validating {self.validated + 1} of {self.candidates}"
                          f"{' (' + source + ')' if source else ''}: {event.message}")
        elif kind == "validate.done":
            self.validated += 1
        elif kind in ("fix.found", "fix.none"):
            self.stage = "validated fix found" if kind == "fix.found" else "no fix found"
        elif kind == "apply":
            self.stage = "applied; recording and re-scanning"

    def text(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        parts = [self.label]
        if self.finding is not None:
            parts.append(f"finding {self.finding[0]} of {self.finding[1]}")
        parts.append(elapsed(now - self.started))
        if self.stage:
            parts.append(self.stage)
        return " · ".join(parts)


def event_words(event: Any, explanation: str = "") -> str | None:
    """A heal-loop event as one plain log line, or None when the job's own line says it."""
    kind, message = event.kind, event.message
    if kind in ("scan.start", "scan.done", "validate.start"):
        return None  # the job says what it scans and what it found; the header the stage
    if kind == "finding":
        return f"diagnosed {message}"
    if kind == "candidate":
        source = event.data.get("source", "")
        return f"candidate{' from ' + source if source else ''}: {message}"
    if kind == "validate.done":
        what = explanation or "candidate"
        return f"  passed: {what}" if event.data.get("passed") else f"  failed: {what} ({message})"
    if kind == "fix.found":
        return f"validated fix: {message} (a accepts, r rejects)"
    if kind == "fix.none":
        return f"no fix: {message}"
    if kind == "apply":
        return f"applied: {message}"
    if kind == "reject":
        return f"rejected: {message}"
    if kind == "undo":
        return f"undone: {message}"
    return message
