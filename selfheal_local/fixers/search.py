"""The mutation search: small changes near the failing line, nearest first, bounded.

Where it looks, nearest first:
  level 0, 1, …  the functions of the failing test's traceback frames inside the project
                 (innermost first; test files and other protected files are never mutated);
  then           the project functions those functions and the failing test call, followed
                 through the import graph into other modules (the multi-file case), two deep.
Within a level, mutations closer to the frame's line come first, then the commoner slips
(comparison flips before swapped arguments). The heal loop validates the mutants in batches
and keeps the first that passes the whole suite; this source only proposes.
"""

from __future__ import annotations

import ast
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from selfheal_local.config import Config
from selfheal_local.fixers.imports_graph import FunctionRef, ImportGraph
from selfheal_local.project import Project
from selfheal_local.types import Diagnosis, Patch

from .base import make_patch
from .mutations import KIND_RANK, Mutation, SourceText, mutations_of

log = logging.getLogger(__name__)

SKIPPED_PATTERNS = frozenset({"syntax_error", "lint"})
"""Patterns where mutating operators cannot help (the file may not even parse)."""

CALLEE_DEPTH = 2
"""How many call levels below the failing functions the search follows."""

BASE_CONFIDENCE = 0.3


@dataclass(frozen=True)
class Target:
    """A function to mutate: how far it is from the failure and the line to start from."""

    ref: FunctionRef
    level: int
    anchor: int = 0
    """The frame's line inside the function (0 when reached as a callee)."""


def _test_functions(diagnosis: Diagnosis, project: Project, graph: ImportGraph
                    ) -> list[FunctionRef]:
    """The failing tests themselves: from the frames in protected files and the test ids."""
    found: list[FunctionRef] = []
    for frame in diagnosis.finding.frames:
        if frame.in_project and frame.file and project.is_protected(frame.file):
            ref = graph.function_at(frame.file, frame.line)
            if ref and ref not in found:
                found.append(ref)
    for test_id in (*diagnosis.test_ids, *diagnosis.finding.test_ids):
        rel, _, rest = test_id.partition("::")
        qualname = re.sub(r"\[.*\]$", "", rest).replace("::", ".")
        if rel in project.python_files and qualname:
            ref = graph.ref(rel, qualname)
            if ref and ref not in found:
                found.append(ref)
    return found


def find_targets(diagnosis: Diagnosis, project: Project, graph: ImportGraph) -> list[Target]:
    """The functions worth mutating for this failure, nearest first."""
    chosen: dict[tuple[str, str], Target] = {}

    def add(ref: FunctionRef | None, level: int, anchor: int = 0) -> None:
        if ref is None or project.is_protected(ref.rel):
            return
        key = (ref.rel, ref.qualname)
        if key not in chosen or chosen[key].level > level:
            chosen[key] = Target(ref, level, anchor)

    sites = [(f.file, f.line) for f in reversed(diagnosis.finding.frames)
             if f.in_project and f.file and f.file in project.python_files
             and not project.is_protected(f.file)]
    if (diagnosis.file and diagnosis.line and (diagnosis.file, diagnosis.line) not in sites
            and diagnosis.file in project.python_files
            and not project.is_protected(diagnosis.file)):
        sites.insert(0, (diagnosis.file, diagnosis.line))
    frontier: list[tuple[FunctionRef, int]] = []
    for level, (rel, line) in enumerate(sites):
        ref = graph.function_at(rel, line)
        add(ref, level, line)
        if ref:
            frontier.append((ref, level + 1))
    start = len(frontier)
    frontier += [(ref, start) for ref in _test_functions(diagnosis, project, graph)]
    for _ in range(CALLEE_DEPTH):
        following: list[tuple[FunctionRef, int]] = []
        for ref, level in frontier:
            node = graph.functions(ref.rel).get(ref.qualname)
            for callee in graph.callees(ref.rel, node) if node else ():
                if (callee.rel, callee.qualname) not in chosen:
                    following.append((callee, level + 1))
                add(callee, level)
        frontier = following
    return sorted(chosen.values(), key=lambda t: t.level)


def _order_key(target: Target, mutation: Mutation) -> tuple[int, int, int, int, int]:
    distance = abs(mutation.line - target.anchor) if target.anchor else 0
    return (target.level, distance, KIND_RANK[mutation.kind], mutation.line, mutation.col)


class SearchSource:
    """Candidate source that proposes mutants near the failure, bounded in count and time.

    ``tried`` is the number of mutants the last ``propose`` yielded; ``budget_s`` counts the
    time spent generating (not the time the consumer spends validating between yields).
    """

    name = "search"

    def __init__(self, config: Config | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        config = config or Config()
        self.max_candidates = config.search_max_candidates
        self.budget_s = config.search_budget_s
        self.clock = clock
        self.tried = 0
        self.generation_s = 0.0
        self.exhausted = False
        """True when the last search ran out of mutants (rather than out of budget)."""

    def propose(self, diagnosis: Diagnosis, project: Project) -> Iterator[Patch]:
        self.tried, self.generation_s, self.exhausted = 0, 0.0, False
        if diagnosis.pattern in SKIPPED_PATTERNS or self.max_candidates <= 0:
            return
        began = self.clock()
        graph = ImportGraph(project)
        targets = find_targets(diagnosis, project, graph)
        ranked: list[tuple[tuple[int, int, int, int, int], Target, Mutation]] = []
        sources: dict[str, SourceText] = {}
        for target in targets:
            rel = target.ref.rel
            node = graph.functions(rel).get(target.ref.qualname)
            if node is None:
                continue
            src = sources.setdefault(rel, SourceText(project.read(rel)))
            for mutation in mutations_of(src, node):
                ranked.append((_order_key(target, mutation), target, mutation))
        ranked.sort(key=lambda item: item[0])
        log.debug("search: %d targets, %d mutations for %s", len(targets), len(ranked),
                  diagnosis.finding.location)
        seen: set[tuple[str, str]] = set()
        for _key, target, mutation in ranked:
            if self.tried >= self.max_candidates:
                break
            self.generation_s += self.clock() - began
            began = self.clock()
            if self.generation_s > self.budget_s:
                log.info("search budget of %.1fs spent after %d mutants", self.budget_s,
                         self.tried)
                break
            patch = self._patch(diagnosis, project, sources, target, mutation, seen)
            if patch is None:
                continue
            self.tried += 1
            self.generation_s += self.clock() - began
            yield patch
            began = self.clock()
        else:
            self.exhausted = True

    def _patch(self, diagnosis: Diagnosis, project: Project, sources: dict[str, SourceText],
               target: Target, mutation: Mutation, seen: set[tuple[str, str]]) -> Patch | None:
        rel = target.ref.rel
        new_text = mutation.apply(sources[rel].text)
        if (rel, new_text) in seen:
            return None
        seen.add((rel, new_text))
        try:
            ast.parse(new_text)
        except SyntaxError:
            return None
        name = target.ref.qualname
        where = f"{name}() line {mutation.line}"
        if rel != diagnosis.file:
            where += f" of {rel}"
        distance = abs(mutation.line - target.anchor) if target.anchor else 5
        confidence = max(0.05, BASE_CONFIDENCE - 0.05 * target.level - 0.005 * min(distance, 20))
        patch = make_patch(diagnosis, project, {rel: new_text}, f"{mutation.description} in "
                           f"{where}", confidence=round(confidence, 3), source="search")
        if patch is not None:
            patch.metadata.update({"mutation": mutation.kind, "level": target.level,
                                   "function": name, "file": rel, "line": mutation.line})
        return patch


__all__ = ["SearchSource", "Target", "find_targets"]
