"""The rule registry: a rule is one small function ``(Diagnosis, Project) -> list[Patch]``.

A rule that cannot know the right answer returns several candidates; the sandbox and the
project's tests choose. Rules never write files: they return whole-file edits.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Callable, Iterable, Iterator

from ..project import Project
from ..protocols import SourceBase
from ..types import Diagnosis, FileEdit, Patch

log = logging.getLogger(__name__)

Rule = Callable[[Diagnosis, Project], list[Patch]]

_RULES: dict[str, list[Rule]] = {}


def rule(*patterns: str) -> Callable[[Rule], Rule]:
    """Register a rule for one or more taxonomy patterns."""

    def register(fn: Rule) -> Rule:
        for pattern in patterns:
            _RULES.setdefault(pattern, []).append(fn)
        return fn

    return register


def rules_for(pattern: str) -> list[Rule]:
    """The rules registered for ``pattern``, in registration order."""
    from . import load_builtin_rules

    load_builtin_rules()
    return list(_RULES.get(pattern, ()))


def enclosing_region(text: str, line: int) -> tuple[int, int]:
    """1-based inclusive span of the innermost function around ``line`` (whole file if none)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return (1, max(1, len(text.splitlines())))
    best: tuple[int, int] | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            end = node.end_lineno or node.lineno
            if start <= line <= end and (best is None or start >= best[0]):
                best = (start, end)
    return best or (1, max(1, len(text.splitlines())))


def make_patch(
    diagnosis: Diagnosis,
    project: Project,
    edits: dict[str, str],
    explanation: str,
    *,
    confidence: float,
    source: str = "rule",
    adapter: str | None = None,
) -> Patch | None:
    """A candidate from ``{relative path: new full text}``; None when nothing changes.

    ``original_code``/``patched_code`` hold the enclosing function of the primary file
    (the diagnosis' file when edited, else the first), for display, memory and training.
    """
    file_edits: list[FileEdit] = []
    for rel, after in edits.items():
        before = project.read(rel)
        if after != before:
            file_edits.append(FileEdit(rel, before, after))
    if not file_edits:
        return None
    primary = next((e for e in file_edits if e.path == diagnosis.file), file_edits[0])
    line = diagnosis.line if primary.path == diagnosis.file and diagnosis.line else 1
    start, end = enclosing_region(primary.before, line)
    before_lines = primary.before.splitlines(keepends=True)
    after_lines = primary.after.splitlines(keepends=True)
    delta = len(after_lines) - len(before_lines)
    original = "".join(before_lines[start - 1 : end])
    patched = "".join(after_lines[start - 1 : max(start - 1, end + delta)])
    return Patch(
        original_code=original,
        patched_code=patched,
        error=f"{diagnosis.exception_type}: {diagnosis.message}",
        error_info={"type": diagnosis.exception_type, "pattern": diagnosis.pattern,
                    "name": diagnosis.name, "file": diagnosis.file, "line": diagnosis.line},
        edits=tuple(file_edits),
        source=source,
        explanation=explanation,
        confidence=confidence,
        pattern=diagnosis.pattern,
        adapter=adapter,
    )


class RuleSource(SourceBase):
    """Candidate source over the registered rules; a rule that crashes is logged and skipped."""

    name = "rule"

    def propose(self, diagnosis: Diagnosis, project: Project) -> Iterator[Patch]:
        seen: set[str] = set()
        for fn in rules_for(diagnosis.pattern):
            try:
                patches: Iterable[Patch] = fn(diagnosis, project) or ()
            except Exception:  # a rule bug must not stop the heal
                log.exception("rule %s failed on %s", fn.__name__, diagnosis.finding.location)
                continue
            for patch in patches:
                key = patch.diff
                if patch is not None and key not in seen:
                    seen.add(key)
                    yield patch
