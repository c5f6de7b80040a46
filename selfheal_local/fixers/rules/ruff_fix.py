"""ruff's own fixes as a candidate source.

A finding is fixed with that finding's own ``fix.edits`` from ruff's JSON, never by re-running
``ruff --fix`` over the whole file. Fixing every instance of the rule in the file is a separate
candidate kind, proposed first when the file has several (coupled findings are validated as one
patch). Every candidate is settled: imports the change left unused are removed and lines it made
too long are formatted, so a fix is never rejected for what it leaves behind.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from selfheal_local.detect.errors import DetectionError
from selfheal_local.detect.ruff import (
    ruff_check_items,
    ruff_fix_text,
    ruff_format_lines,
)
from selfheal_local.detect.ruff_runner import RuffRunner
from selfheal_local.fixers.base import make_patch
from selfheal_local.project import READ_ERRORS, Project
from selfheal_local.protocols import SourceBase
from selfheal_local.types import Diagnosis, Patch

log = logging.getLogger(__name__)

CONFIDENCE = {"safe": 0.95, "unsafe": 0.6}
GROUP_CONFIDENCE = {"safe": 0.9, "unsafe": 0.55}

RUFF_CODE = re.compile(r"^[A-Z]+[0-9]+$")
"""A real rule code (``invalid-syntax`` and friends have no fix to ask for)."""

MAX_SETTLE_ROUNDS = 20
"""Unused imports removed one finding at a time: a bound on ruff runs per candidate."""


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """``text`` with ruff's edits applied (1-based rows, 1-based character columns)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(loc: dict[str, Any]) -> int:
        row, col = int(loc["row"]), int(loc["column"])
        if row > len(lines):
            return len(text)
        return starts[row - 1] + col - 1

    spans = sorted(((offset(e["location"]), offset(e["end_location"]), e.get("content") or "")
                    for e in edits), reverse=True)
    for start, end, content in spans:
        text = text[:start] + content + text[end:]
    return text


def _key(item: dict[str, Any]) -> tuple[str, str]:
    return (str(item.get("code") or ""), str(item.get("message") or ""))


def _fix_of(item: dict[str, Any]) -> dict[str, Any] | None:
    fix = item.get("fix") or {}
    return fix if fix.get("edits") and fix.get("applicability") in CONFIDENCE else None


class RuffFixSource(SourceBase):
    """Candidates from ruff's fixes for a ruff finding: the whole rule in the file, then the one."""

    name = "ruff"

    def __init__(self, runner: RuffRunner | None = None) -> None:
        self.runner = runner

    def propose(self, diagnosis: Diagnosis, project: Project) -> Iterator[Patch]:
        finding = diagnosis.finding
        rel, code = finding.file or diagnosis.file, finding.code
        if finding.source != "ruff" or not RUFF_CODE.match(code):
            return
        if not rel or project.is_protected(rel) or finding.fix_applicability == "display-only":
            return
        try:
            text = project.read(rel)
        except READ_ERRORS as exc:
            log.debug("ruff source cannot read %s: %s", rel, exc)
            return
        items = [i for i in self._items(text, rel, project, [code]) if _fix_of(i)]
        own = self._own_item(items, finding.line, finding.column)
        seen = {text}
        if len(items) > 1:
            unsafe = any(_fix_of(i)["applicability"] == "unsafe" for i in items)
            fixed = ruff_fix_text(text, rel, project, unsafe=unsafe, select=[code],
                                  runner=self.runner)
            kind = "unsafe" if unsafe else "safe"
            yield from self._candidate(
                diagnosis, project, rel, text, fixed, seen, kind, GROUP_CONFIDENCE[kind],
                f"ruff {kind} fixes for every {code} in {rel} ({len(items)})", group=True)
        if own is not None:
            kind = _fix_of(own)["applicability"]
            fixed = apply_edits(text, _fix_of(own)["edits"])
            yield from self._candidate(
                diagnosis, project, rel, text, fixed, seen, kind, CONFIDENCE[kind],
                f"ruff {kind} fix for {code}: {finding.message}", group=False)

    def _items(self, text: str, rel: str, project: Project, select: list[str]) -> list[dict]:
        return ruff_check_items(text, rel, project, select, runner=self.runner)

    @staticmethod
    def _own_item(items: list[dict], line: int, column: int) -> dict[str, Any] | None:
        """The JSON entry of the finding itself (same place; same line when columns moved)."""
        def at(item: dict[str, Any]) -> tuple[int, int]:
            loc = item.get("location") or {}
            return int(loc.get("row") or 0), int(loc.get("column") or 0)

        exact = [i for i in items if at(i) == (line, column)]
        same_line = [i for i in items if at(i)[0] == line]
        return (exact or same_line or [None])[0]

    def _candidate(self, diagnosis, project, rel, text, fixed, seen, kind, confidence, why,
                   *, group: bool) -> Iterator[Patch]:
        if fixed in seen:
            return
        seen.add(fixed)
        settled, notes = self.settle(text, fixed, rel, project)
        patch = make_patch(diagnosis, project, {rel: settled}, why + "".join(notes),
                           confidence=confidence, source="ruff", base={rel: text})
        if patch is not None:
            patch.metadata["ruff_applicability"] = kind
            patch.metadata["ruff_fix"] = "rule_in_file" if group else "finding"
            yield patch

    def settle(self, before: str, after: str, rel: str, project: Project) -> tuple[str, list[str]]:
        """``after`` without the unused imports and long lines the change itself introduced."""
        notes: list[str] = []
        old_unused = Counter(_key(i) for i in self._items(before, rel, project, ["F401"]))
        removed = 0
        for _ in range(MAX_SETTLE_ROUNDS):
            new = [i for i in self._items(after, rel, project, ["F401"])
                   if _fix_of(i) and old_unused[_key(i)] == 0]
            if not new:
                break
            after = apply_edits(after, _fix_of(new[0])["edits"])
            removed += 1
        if removed:
            notes.append(f"; removed {removed} import(s) the change left unused")
        old_long = Counter(_key(i) for i in self._items(before, rel, project, ["E501"]))
        long_rows = sorted({int((i.get("location") or {}).get("row") or 0)
                            for i in self._items(after, rel, project, ["E501"])
                            if old_long[_key(i)] == 0})
        for row in reversed(long_rows):  # bottom up: rows above keep their numbers
            try:
                after = ruff_format_lines(after, rel, project, row, row,
                                          runner=self.runner) or after
            except DetectionError as exc:  # ruff format refuses what does not parse
                log.debug("cannot format %s:%s: %s", rel, row, exc)
                break
        if long_rows:
            notes.append(f"; formatted {len(long_rows)} line(s) it made too long")
        return after, notes
