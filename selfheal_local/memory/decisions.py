"""What the person said no to, per project: rejected and undone changes, kept for good.

A decision is keyed by the finding it answered (``finding_key``: stable when lines shift and
the same for one problem seen by ruff and by a test) and by the change itself (``change_of``:
the removed and added lines per file, whitespace-normalised, so the same edit at another line
number or produced by another source is the same change). The heal loop asks ``blocking``
before it validates, offers or applies any candidate, so a rejection holds in the TUI and the
CLI, for the rest of the session and in later ones.

Lives in ``memory/`` because it is remembered knowledge about fixes (the per-user fix memory
keeps the same rejection as a negative for ranking); it is stored per project, in
``.selfheal/decisions.json`` beside the journal, written atomically under a lock.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from selfheal_local.detect.scan import undefined_name
from selfheal_local.io import FileLock, atomic_write_json
from selfheal_local.types import FileEdit, Finding

log = logging.getLogger(__name__)

DECISIONS_FILE = ".selfheal/decisions.json"
VERSION = 1

def finding_key(finding: Finding) -> str:
    """The same problem gets the same key across scans, line shifts and reporters."""
    name = undefined_name(finding)
    what = f"undefined-name|{name}" if name else f"{finding.code}|{finding.message.strip()}"
    return hashlib.sha1(f"{finding.file}|{what}".encode()).hexdigest()[:16]


def _norm(line: str) -> str:
    return " ".join(line.split())


def change_of(edits: Iterable[FileEdit]) -> list[list[str]]:
    """The change as sorted ``[path, "-"|"+", line]`` items (whitespace-normalised lines;
    blank lines only when nothing else changed)."""
    items: list[list[str]] = []
    for edit in edits:
        before, after = edit.before.splitlines(), edit.after.splitlines()
        lines: list[list[str]] = []
        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            lines += [[edit.path, "-", _norm(t)] for t in before[i1:i2]]
            lines += [[edit.path, "+", _norm(t)] for t in after[j1:j2]]
        solid = [item for item in lines if item[2]]
        items += solid or lines
    return sorted(items)


def change_hash(change: list[list[str]]) -> str:
    return hashlib.sha1(json.dumps(change).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Decision:
    """One no: a rejected candidate or an undone fix."""

    kind: str
    """rejected | undone"""
    finding_key: str
    change_hash: str
    change: tuple[tuple[str, str, str], ...]
    location: str = ""
    message: str = ""
    explanation: str = ""
    reason: str = ""
    at: float = 0.0

    def describe(self) -> str:
        said = "you rejected" if self.kind == "rejected" else "you undid"
        why = f" ({self.reason})" if self.reason else ""
        return f"{said} this change earlier{why}: {self.explanation or 'see .selfheal/decisions.json'}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["change"] = [list(item) for item in self.change]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decision:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["change"] = tuple(tuple(item) for item in data.get("change", ()))
        return cls(**known)


class DecisionStore:
    """The project's decisions file: read on demand (cached by mtime), written atomically."""

    def __init__(self, project_root: Path):
        self.path = Path(project_root) / DECISIONS_FILE
        self._cache: tuple[int, list[Decision]] | None = None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        ignore = self.path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# selfheal-local's journal and backups\n*\n")
        with FileLock(self.path.with_name(".decisions.lock")):
            yield

    def all(self) -> list[Decision]:
        """Every decision, oldest first ([] when none; an unreadable file is logged, kept)."""
        try:
            mtime = self.path.stat().st_mtime_ns
        except OSError:
            return []
        if self._cache is not None and self._cache[0] == mtime:
            return list(self._cache[1])
        try:
            data = json.loads(self.path.read_text())
            found = [Decision.from_dict(d) for d in data.get("decisions", [])]
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            log.warning("ignoring unreadable %s (%s); it is left as it is", self.path, exc)
            return []
        self._cache = (mtime, found)
        return list(found)

    def record(self, kind: str, finding: Finding | dict[str, Any], change: list[list[str]],
               *, explanation: str = "", reason: str = "") -> Decision:
        """Keep one no for good (the same change for the same finding is kept once)."""
        if isinstance(finding, dict):
            finding = Finding.from_dict(finding)
        decision = Decision(kind, finding_key(finding), change_hash(change),
                            tuple(tuple(item) for item in change), finding.location,
                            finding.message, explanation, reason, time.time())
        with self._locked():
            self._cache = None
            kept = [d for d in self.all() if (d.finding_key, d.change_hash)
                    != (decision.finding_key, decision.change_hash)]
            kept.append(decision)
            atomic_write_json(self.path, {"version": VERSION,
                                          "decisions": [d.to_dict() for d in kept]}, indent=1)
            self._cache = None
        return decision

    def blocking(self, edits: Iterable[FileEdit]) -> Decision | None:
        """The decision that forbids this change: the same change, or one that contains a
        change the person said no to (a whole-file fix that would also make it)."""
        decisions = self.all()
        if not decisions:
            return None
        change = change_of(edits)
        digest = change_hash(change)
        have = Counter(tuple(item) for item in change)
        for decision in reversed(decisions):
            if decision.change_hash == digest:
                return decision
            need = Counter(decision.change)
            if need and all(have[item] >= count for item, count in need.items()):
                return decision
        return None

    def for_finding(self, finding: Finding) -> list[Decision]:
        """The noes given to this finding (any change)."""
        key = finding_key(finding)
        return [d for d in self.all() if d.finding_key == key]


__all__ = ["DECISIONS_FILE", "Decision", "DecisionStore", "change_hash", "change_of",
           "finding_key", "undefined_name"]


def apply_summary(finding: Finding, diagnosis: Any, patch: Any) -> dict[str, Any]:
    """What the journal keeps about an applied heal, so an undo can become a no for good."""
    return {"explanation": patch.explanation, "source": patch.source, "pattern": patch.pattern,
            "finding": finding.to_dict(), "diagnosis": diagnosis.to_dict(),
            "change": change_of(patch.edits),
            "patch": {k: v for k, v in patch.to_dict().items()
                      if k not in ("edits", "diff", "files", "status")}}


def remember_undo(project: Any, entry: Any, decisions: DecisionStore, memory: Any = None) -> None:
    """An undo is the strongest no: held in the project's decisions, and in the fix memory
    the fix stops counting as accepted and becomes a negative."""
    summary = entry.summary
    finding = summary.get("finding")
    if not finding:
        return  # an entry written by an older version: nothing to key the decision on
    change = summary.get("change") or change_of(entry.edits)
    decisions.record("undone", finding, change, explanation=summary.get("explanation", ""),
                     reason="undone with selfheal undo")
    if memory is None or not entry.edits or not summary.get("diagnosis"):
        return
    from selfheal_local.types import Diagnosis, Patch

    try:
        diagnosis = Diagnosis.from_dict(summary["diagnosis"])
        patch = Patch.from_dict({**summary.get("patch", {}), "edits": [
            e.to_dict() for e in entry.edits]})
        memory.record_undo(diagnosis, patch, "undone by the user")
    except Exception as exc:  # memory never stops an undo; the decision above holds anyway
        log.warning("memory: could not record the undo as a negative: %s", exc)
