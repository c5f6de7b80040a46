"""The mutation search: small changes at the most suspicious statements first, bounded.

Where it looks:
  localized      when the diagnosis carries coverage suspects (``fixers.localize``), every
                 function holding a suspicious statement, across files; each mutation scores
                 the suspiciousness of its statement x the prior of its operator kind
                 (``mutations.PRIOR``), best first; a crash raised in the project's code
                 weights the statements its values came from, a test stopped in an endless
                 loop the statements that loop kept running (``fixers.slicing``);
  frame walk     otherwise (and for what coverage did not reach): the functions of the failing
                 test's traceback frames (innermost first; protected files are never mutated),
                 then the project functions they and the failing test call, two deep; nearer
                 frames and lines first.
Two steps: the heal loop reports each verdict back (``record_outcome``); a candidate that
makes some of the failing tests pass and breaks nothing becomes, inside the sandbox only, the
base of a bounded second round whose candidates carry both edits. Such a partial candidate is
itself a failed candidate and is never applied; only a final state that passes everything is.
The heal loop validates the mutants in batches and keeps what passes; this source only proposes.
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
from selfheal_local.protocols import SourceBase
from selfheal_local.types import Diagnosis, Patch, Verdict

from .base import function_named, make_patch
from .control import condition_scores
from .module_level import (
    FUNCTION_ONLY,
    MODULE_LEVEL,
    module_ref,
    module_statement,
    module_targets,
)
from .mutations import KIND_RANK, PRIOR, Mutation, SourceText, mutations_of
from .slicing import backward_slice, crash_chain, stuck_path

log = logging.getLogger(__name__)

SKIPPED_PATTERNS = frozenset({"syntax_error", "lint"})
"""Patterns where mutating operators cannot help (the file may not even parse); nor does a
finding no test fails (deleting a statement clears ruff's F821 and proves nothing)."""

CALLEE_DEPTH = 2
"""How many call levels below the failing functions the search follows."""

BASE_CONFIDENCE = 0.3

SLICE_BOOST, STUCK_BOOST = 1.5, 2.0
"""Weight of a mutation on the crashing statement's backward slice, and in what a stuck loop
kept running (``fixers.slicing``: its condition, or a body that makes no progress)."""


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
        elif (tree := graph.tree(rel)) is not None:  # code run at import: no function holds it
            for extra, found in enumerate(module_targets(tree, rel, line)):
                add(found, level, line if not extra else found.start)
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


ROUND2_BASES, ROUND2_MAX = 2, 40
"""How many partial candidates may each seed a second round; candidates per second round."""

OrderKey = tuple[float, int, int, float, int, int]


def _kind_order(mutation: Mutation) -> float:
    """The kind's rank, a likelier instance (weight above 1) half a rank earlier."""
    rank = float(KIND_RANK.get(mutation.kind, 99))
    return rank - 0.5 if mutation.weight > 1 else rank + 0.5 if mutation.weight < 1 else rank


def statement_starts(fn: ast.AST) -> dict[int, int]:
    """line -> first line of the innermost statement holding it (coverage reports statements
    at their first line)."""
    starts: dict[int, int] = {}
    for node in sorted((n for n in ast.walk(fn) if isinstance(n, ast.stmt)),
                       key=lambda n: n.lineno):
        for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
            starts[line] = node.lineno
    return starts


@dataclass
class Scored:
    key: OrderKey
    target: Target
    mutation: Mutation
    suspiciousness: float


def _localized_targets(diagnosis: Diagnosis, project: Project, graph: ImportGraph,
                       targets: list[Target]) -> list[Target]:
    """The frame-walk targets plus every function (or module-level statement, run at import)
    holding a coverage suspect."""
    chosen = {(t.ref.rel, t.ref.qualname): t for t in targets}
    for suspect in diagnosis.suspects:
        if suspect.file not in project.python_files or project.is_protected(suspect.file):
            continue
        ref = graph.function_at(suspect.file, suspect.line)
        tree = graph.tree(suspect.file) if ref is None else None
        stmt = module_statement(tree, suspect.line) if tree is not None else None
        if stmt is not None:
            ref = module_ref(suspect.file, stmt)
        if ref and (ref.rel, ref.qualname) not in chosen:
            chosen[(ref.rel, ref.qualname)] = Target(ref, 0, suspect.line)
    return list(chosen.values())


def rank_mutations(diagnosis: Diagnosis, project: Project, graph: ImportGraph,
                   texts: dict[str, str] | None = None) -> tuple[list[Scored], dict[str, SourceText]]:
    """Every mutation of every target, best first, with the module texts they apply to.

    ``texts`` overrides files (a second round mutates the partial candidate's files)."""
    targets = find_targets(diagnosis, project, graph)
    coverage = diagnosis.localized_by == "coverage" and bool(diagnosis.suspects)
    if diagnosis.suspects:
        targets = _localized_targets(diagnosis, project, graph, targets)
    scores = {(s.file, s.line): s.score for s in diagnosis.suspects}
    crashes = crash_chain(diagnosis.finding, project) if coverage else []
    stuck = stuck_path(diagnosis.finding, project) if coverage else frozenset()
    sources: dict[str, SourceText] = {}
    ranked: list[Scored] = []
    for target in targets:
        rel = target.ref.rel
        text = (texts or {}).get(rel)
        tree = ast.parse(text) if text is not None else graph.tree(rel)
        if tree is None:
            continue
        module_level = target.ref.qualname.startswith(MODULE_LEVEL)
        node = (module_statement(tree, target.ref.start) if module_level
                else function_named(tree, target.ref.qualname, target.ref.start))
        if node is None:
            continue
        src = sources.setdefault(rel, SourceText(text if text is not None else project.read(rel)))
        starts = statement_starts(node)
        control = condition_scores(node, {ln: sc for (f, ln), sc in scores.items()
                                          if f == rel}) if coverage else {}
        scope = tree if module_level else node  # module-level code slices over the module
        in_slice = set().union(*(backward_slice(scope, line) for file, line in crashes
                                 if file == rel and (module_level or node.lineno <= line <= (
                                     node.end_lineno or node.lineno))))
        for mutation in mutations_of(src, node, tree, graph.imported_functions(rel)):
            if module_level and mutation.kind in FUNCTION_ONLY:
                continue
            distance = abs(mutation.line - target.anchor) if target.anchor else 0
            line = starts.get(mutation.line, mutation.line)
            # coverage reports a statement at its first line, or (a condition split over
            # lines) at the lines its bytecode comes from: the better of the two counts
            # (a condition: the best of what it decides, ``fixers.control``)
            scored = max(scores.get((rel, line), 0.0), scores.get((rel, mutation.line), 0.0),
                         control.get(mutation.line, 0.0))
            if coverage:
                susp = scored
            else:
                susp = scored or (
                    1.0 / (1 + target.level)) * (1 - min(distance, 20) / 40)
            # coverage: suspiciousness x prior first; frames alone: nearest frame, nearest line
            prior = PRIOR.get(mutation.kind, 0.3) * mutation.weight
            if {(rel, line), (rel, mutation.line)} & stuck:
                prior *= STUCK_BOOST
            elif line in in_slice:  # spectrum ties broken toward what the crash's values came from
                prior *= SLICE_BOOST
            primary = -round(susp * prior, 6) if coverage else 0.0
            key = (primary, target.level, distance,
                   _kind_order(mutation), mutation.line, mutation.col)
            ranked.append(Scored(key, target, mutation, susp))
    ranked.sort(key=lambda item: item.key)
    return ranked, sources


def is_partial(verdict: Verdict, failing: int) -> bool:
    """Some of the ``failing`` tests pass now, the rest still fail, nothing else broke."""
    if verdict.passed or verdict.newly_failing or "timed out" in verdict.reason:
        return False
    still = len(verdict.still_failing)
    if verdict.stage == "partial":  # the validator says so (``Verdict.now_passing``)
        return True
    return verdict.stage == "failing" and 0 < still < failing


class SearchSource(SourceBase):
    """Candidate source that proposes mutants, most suspicious first, bounded in count and time.

    ``tried`` is the number of mutants the last ``propose`` yielded; ``budget_s`` counts the
    time spent generating (not the time the consumer spends validating between yields).
    The heal loop calls ``record_outcome(patch, verdict)`` after validating each candidate:
    partial progress seeds a second round (see the module docstring).
    """

    name = "search"
    needs_localization = True
    remembers_failures = False  # mutants are cheap guesses, not lessons

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
        self.partials: list[Patch] = []
        """Partial candidates of the current search, in the order they were found."""
        self._failing = 0

    def revise(self, diagnosis: Diagnosis, project: Project,
               failures: object = ()) -> Iterator[Patch]:
        """No self-correction rounds: the second round rides on ``record_outcome``."""
        return iter(())

    def record_outcome(self, patch: Patch, verdict: Verdict) -> None:
        """Keep a search candidate that made partial progress as a second-round base."""
        if patch.source == self.name and is_partial(verdict, self._failing):
            patch.metadata["partial"] = {"still_failing": list(verdict.still_failing)}
            if patch.metadata.get("round", 1) == 1:
                self.partials.append(patch)

    def propose(self, diagnosis: Diagnosis, project: Project) -> Iterator[Patch]:
        self.tried, self.generation_s, self.exhausted = 0, 0.0, False
        self.partials = []
        self._failing = len(diagnosis.test_ids or diagnosis.finding.test_ids)
        if (diagnosis.pattern in SKIPPED_PATTERNS or self.max_candidates <= 0
                or not (diagnosis.test_ids or diagnosis.finding.test_ids)):
            return  # no failing test: nothing could prove a mutant fixes more than the symptom
        self._began = self.clock()
        graph = ImportGraph(project)
        ranked, sources = rank_mutations(diagnosis, project, graph)
        log.debug("search: %d mutations for %s (localized by %s)", len(ranked),
                  diagnosis.finding.location, diagnosis.localized_by or "nothing")
        self._seen: set[tuple[tuple[str, str], ...]] = set()
        self._seeded = 0
        texts = {r: s.text for r, s in sources.items()}
        for item in ranked:
            yield from self._seed(diagnosis, project)
            if not self._room():
                break
            patch = self._patch(diagnosis, project, texts, item, self._seen)
            if patch is None:
                continue
            self.tried += 1
            yield from self._timed(patch)
        else:
            self.exhausted = True
        yield from self._seed(diagnosis, project)

    def _seed(self, diagnosis: Diagnosis, project: Project) -> Iterator[Patch]:
        """Second rounds from the partial candidates found so far (at most ROUND2_BASES)."""
        while self._seeded < min(len(self.partials), ROUND2_BASES) and self._room():
            base = self.partials[self._seeded]
            self._seeded += 1
            log.info("search: second round from partial candidate '%s'", base.explanation)
            yield from self._second_round(diagnosis, project, base, self._seen)

    def _room(self) -> bool:
        if self.tried >= self.max_candidates:
            return False
        now = self.clock()
        self.generation_s += now - self._began
        self._began = now
        if self.generation_s > self.budget_s:
            log.info("search budget of %.1fs spent after %d mutants", self.budget_s, self.tried)
            return False
        return True

    def _timed(self, patch: Patch) -> Iterator[Patch]:
        self.generation_s += self.clock() - self._began
        yield patch
        self._began = self.clock()

    def _second_round(self, diagnosis: Diagnosis, project: Project, base: Patch,
                      seen: set[tuple[tuple[str, str], ...]]) -> Iterator[Patch]:
        """Mutants of the partial candidate ``base``: each carries both edits."""
        texts = {e.path: e.after for e in base.edits}
        graph = ImportGraph(project)
        ranked, _sources = rank_mutations(diagnosis, project, graph, texts)
        made = 0
        for item in ranked:
            if made >= ROUND2_MAX or not self._room():
                return
            patch = self._patch(diagnosis, project, texts, item, seen, base=base)
            if patch is None:
                continue
            made += 1
            self.tried += 1
            yield from self._timed(patch)

    def _patch(self, diagnosis: Diagnosis, project: Project, texts: dict[str, str],
               item: Scored, seen: set[tuple[tuple[str, str], ...]],
               base: Patch | None = None) -> Patch | None:
        target, mutation = item.target, item.mutation
        rel = target.ref.rel
        text = texts.get(rel)
        if text is None:
            text = project.read(rel)
        new_text = mutation.apply(text)
        files = {e.path: e.after for e in base.edits} if base is not None else {}
        files[rel] = new_text
        state = tuple(sorted(files.items()))
        if state in seen:
            return None
        seen.add(state)
        try:
            ast.parse(new_text)
        except SyntaxError:
            return None
        name = target.ref.qualname
        where = (f"module-level line {mutation.line}" if name.startswith(MODULE_LEVEL)
                 else f"{name}() line {mutation.line}")
        if rel != diagnosis.file:
            where += f" of {rel}"
        prior = min(1.0, PRIOR.get(mutation.kind, 0.3) * mutation.weight)
        confidence = max(0.05, BASE_CONFIDENCE * (0.5 + 0.5 * item.suspiciousness * prior)
                         - 0.02 * target.level)
        explanation = f"{mutation.description} in {where}"
        if base is not None:
            explanation = f"{base.explanation}; then {explanation}"
            confidence *= 0.8
        patch = make_patch(diagnosis, project, files, explanation,
                           confidence=round(confidence, 3), source="search")
        if patch is not None:
            patch.metadata.update({"mutation": mutation.kind, "level": target.level,
                                   "function": name, "file": rel, "line": mutation.line,
                                   "suspiciousness": round(item.suspiciousness, 4),
                                   "round": 2 if base is not None else 1})
            if base is not None:
                patch.metadata["base"] = base.id
        return patch


__all__ = ["SearchSource", "Target", "find_targets", "is_partial", "rank_mutations"]
