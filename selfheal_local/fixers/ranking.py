"""Where the mutation search looks and in what order: the functions to mutate (traceback
frames, their callees two deep, every function holding a coverage suspect) and every mutation
of them, scored (suspiciousness x the operator's prior, weighted toward a crash's backward
slice or what a stuck loop kept running), best first. ``fixers.search`` proposes them."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from selfheal_local.detect.tests import function_id
from selfheal_local.fixers.imports_graph import FunctionRef, ImportGraph
from selfheal_local.project import Project
from selfheal_local.types import Diagnosis

from .base import function_named
from .control import condition_scores
from .module_level import (
    FUNCTION_ONLY,
    MODULE_LEVEL,
    module_ref,
    module_statement,
    module_targets,
)
from .mutations import KIND_RANK, PRIOR, Mutation, SourceText, mutations_of
from .slicing import backward_slice, crash_chain, expected_raise, raise_guards, stuck_path
from .templates import (
    NOT_CAUGHT,
    data_attributes,
    handler_types,
    operand_error,
    ordering_keys,
    unorderable,
)

CALLEE_DEPTH = 2
OPERAND_BOOST = 3.0
OPERATION_KINDS = frozenset({"augassign", "arith", "wrap"})
"""A ``TypeError`` about an operation's operands: the crash line's operation changed (``+=``
for ``=``, ``-`` for ``+``) or an operand converted comes first."""
"""How many call levels below the failing functions the search follows."""

SLICE_BOOST, STUCK_BOOST, RAISE_BOOST = 1.5, 2.0, 3.0
"""Weight of a mutation on the crashing statement's backward slice, in what a stuck loop kept
running (``fixers.slicing``: its condition, or a body that makes no progress), and on what
decides a raise the failing test expected and did not get (``slicing.raise_guards``)."""


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
        rel, _, rest = function_id(test_id).partition("::")
        qualname = rest.replace("::", ".")
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


def _attributes(graph: ImportGraph, project: Project, rel: str, name: str) -> list[str]:
    """The data attributes of class ``name``: looked for in ``rel``, what it imports, then the
    rest of the project."""
    rels = dict.fromkeys([rel, *graph.imported_modules(rel), *project.python_files])
    return data_attributes((t for r in rels if (t := graph.tree(r)) is not None), name)


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
    expected = expected_raise(diagnosis.finding) if coverage else ""
    unordered = unorderable(diagnosis.finding)  # instances compared that have no order
    ordered_at = {*(crashes or crash_chain(diagnosis.finding, project))} if unordered else set()
    # an operation given operands of the wrong types: its own line first (``fixers.templates``)
    operand_at = crashes[:1] if crashes and operand_error(diagnosis.finding) else []
    escaped = {*(crashes or crash_chain(diagnosis.finding, project))} if (
        diagnosis.exception_type and diagnosis.exception_type not in NOT_CAUGHT) else set()
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
        guards = raise_guards(node, expected) if expected else frozenset()
        keys = ordering_keys(src, node, {line for file, line in ordered_at if file == rel},
                             _attributes(graph, project, rel, unordered)) if ordered_at else ()
        caught = handler_types(src, node, {line for file, line in escaped if file == rel},
                               diagnosis.exception_type, tree) if escaped else ()
        for mutation in (*mutations_of(src, node, tree, graph.imported_functions(rel)), *keys,
                         *caught):
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
            elif (rel, mutation.line) in operand_at and mutation.kind in OPERATION_KINDS:
                prior *= OPERAND_BOOST
            elif mutation.line in guards:
                prior *= RAISE_BOOST
            elif line in in_slice:  # spectrum ties broken toward what the crash's values came from
                prior *= SLICE_BOOST
            primary = -round(susp * prior, 6) if coverage else 0.0
            key = (primary, target.level, distance,
                   _kind_order(mutation), mutation.line, mutation.col)
            ranked.append(Scored(key, target, mutation, susp))
    ranked.sort(key=lambda item: item.key)
    return ranked, sources


__all__ = ["CALLEE_DEPTH", "OPERAND_BOOST", "RAISE_BOOST", "SLICE_BOOST", "STUCK_BOOST", "Scored", "Target", "find_targets",
           "rank_mutations", "statement_starts"]
