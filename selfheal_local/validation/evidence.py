"""Which tests exercise a change: what a validation must see run before it may call a fix proved.

A candidate is proved only by tests that reach what it changed. Coverage data (per-test line
coverage from fault localization, of the test files it measured), when the loop has it, adds
the tests it saw execute a changed line; the static answer always counts too (coverage never
asks for less proof):

- the test modules that import a changed module, directly or through other project modules;
- the failing tests "at the same fault location": a baseline failure whose traceback passes
  through a changed function, or whose test function names a changed function or class
  (an assertion in the test does not show the callee in its traceback);
- the modules that could not even be imported because of a changed file.
"""

from __future__ import annotations

import ast
import difflib
import functools
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from selfheal_local.detect.paths import is_test_path
from selfheal_local.fixers.imports_graph import ImportGraph
from selfheal_local.project import Project, parsed
from selfheal_local.types import FileEdit, Patch, TestOutcome, TestReport

GUESSED = frozenset({"search", "model", "memory"})
"""Sources whose candidates are guesses at the fix (mutants, model edits, replays at a new
site), not a rule's reading of the error: held to every failure of the tests' own files."""


class TestCoverage(Protocol):
    """Per-test line coverage (the localization step provides it when coverage could run)."""

    def tests_covering(self, rel: str, lines: Collection[int]) -> frozenset[str] | None:
        """Ids of the tests that executed any of ``lines`` of ``rel``; None when unknown."""


TestCoverage.__test__ = False  # type: ignore[attr-defined]  # not a pytest test class


def changes(before: list[str], after: list[str]) -> Iterator[tuple[int, int, int, int]]:
    """``(i1, i2, j1, j2)`` of every changed block between two texts' lines, as difflib's
    opcodes (0-based, end exclusive). The common head and tail are cut first: a one-line edit
    of a 5,000-line module costs a scan, not a quadratic match (0.2-0.3 s each, several times
    per candidate)."""
    head = 0
    while head < len(before) and head < len(after) and before[head] == after[head]:
        head += 1
    tail = 0
    while (tail < len(before) - head and tail < len(after) - head
           and before[-1 - tail] == after[-1 - tail]):
        tail += 1
    middle = difflib.SequenceMatcher(a=before[head:len(before) - tail],
                                     b=after[head:len(after) - tail], autojunk=False)
    for tag, i1, i2, j1, j2 in middle.get_opcodes():
        if tag != "equal":
            yield head + i1, head + i2, head + j1, head + j2


def changed_lines(edit: FileEdit) -> set[int]:
    """1-based lines of ``edit.before`` the edit replaces or deletes (an insertion marks the
    lines around it)."""
    before, after = edit.before.splitlines(), edit.after.splitlines()
    lines: set[int] = set()
    for i1, i2, _j1, _j2 in changes(before, after):
        if i2 > i1:
            lines.update(range(i1 + 1, i2 + 1))
        else:  # pure insertion before line i1 + 1
            lines.update(n for n in (i1, i1 + 1) if 1 <= n <= max(len(before), 1))
    return lines


@dataclass(frozen=True)
class Site:
    """What one edit changed: its file, lines, and the functions (and their classes) they lie in."""

    file: str
    lines: frozenset[int]
    names: frozenset[str]
    """Unqualified names of the changed functions and of their enclosing classes."""
    spans: tuple[tuple[int, int], ...]
    """Line spans of the changed functions (module-level changes: none)."""
    module_level: bool
    bound: frozenset[str] | None = None
    """Names the changed module-level statements bind (``import json`` -> json); None when a
    changed module-level statement binds nothing nameable (then every failure in the file
    counts, the cautious side)."""


def _binds(node: ast.stmt) -> set[str] | None:
    """Names a module-level statement binds; None for one whose effect has no name."""
    if isinstance(node, ast.Import):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    if isinstance(node, ast.ImportFrom):
        return None if any(a.name == "*" for a in node.names) else \
            {a.asname or a.name for a in node.names}
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names or None


def _module_bound(edit: FileEdit) -> frozenset[str] | None:
    """Names bound by the module-level statements the edit changed, before or after it."""
    before, after = edit.before.splitlines(), edit.after.splitlines()
    trees = (parsed(edit.before), parsed(edit.after))
    if trees[0] is None or trees[1] is None:
        return None
    spans: tuple[set[int], set[int]] = (set(), set())
    for i1, i2, j1, j2 in changes(before, after):
        spans[0].update(range(i1 + 1, i2 + 1))
        spans[1].update(range(j1 + 1, j2 + 1))
    names: set[str] = set()
    for tree, lines in zip(trees, spans, strict=True):
        for node in tree.body:
            end = node.end_lineno or node.lineno
            if any(node.lineno <= n <= end for n in lines):
                bound = _binds(node)
                if bound is None:
                    return None
                names |= bound
    return frozenset(names)


@functools.lru_cache(maxsize=64)
def site_of(edit: FileEdit) -> Site:
    """What ``edit`` changed (kept for the edits of the candidates being validated: each is
    asked for several times, and parsing a large module costs a tenth of a second)."""
    lines = changed_lines(edit)
    tree = parsed(edit.before) or parsed(edit.after)
    names: set[str] = set()
    spans: list[tuple[int, int]] = []
    module_level = False
    for line in sorted(lines):
        chain = _enclosing(tree, line) if tree else []
        if not chain:
            module_level = True
            continue
        names.update(node.name for node in chain)
        inner = chain[-1]
        span = (inner.lineno, inner.end_lineno or inner.lineno)
        if span not in spans:
            spans.append(span)
    return Site(edit.path, frozenset(lines), frozenset(names), tuple(spans), module_level,
                _module_bound(edit) if module_level else None)


def _enclosing(tree: ast.Module, line: int) -> list[ast.AST]:
    """Classes and functions holding ``line``, outermost first."""
    chain: list[ast.AST] = []
    body: Iterable[ast.AST] = tree.body
    while True:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                if start <= line <= (node.end_lineno or node.lineno):
                    chain.append(node)
                    body = node.body
                    break
        else:
            return chain


def _mentions(outcome: TestOutcome, site: Site) -> bool:
    """A failure is at a module-level change's location when it crashed on a changed line or
    names what the change binds (its message, or the code of its frames in that file): adding
    ``import json`` is about the NameError on json, not about every other failure in the file."""
    if site.bound is None:
        return True
    if any(f.file == site.file and f.line in site.lines for f in outcome.frames):
        return True
    text = " ".join([outcome.message, *(f.code for f in outcome.frames if f.file == site.file)])
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    return bool(words & site.bound)


class Exercise:
    """Answers "which tests exercise this patch" for one project (import graph cached)."""

    def __init__(self, project: Project, coverage: TestCoverage | None = None):
        self.project = project
        self.coverage = coverage
        self.graph = ImportGraph(project)
        self._reach: dict[str, frozenset[str]] = {}

    def test_files(self) -> list[str]:
        return [rel for rel in self.project.python_files
                if is_test_path(rel) and not rel.endswith("conftest.py")]

    def reach(self, rel: str) -> frozenset[str]:
        """Project files imported by ``rel``, transitively (parent packages included)."""
        if rel not in self._reach:
            seen: set[str] = set()
            stack = [rel]
            while stack:
                current = stack.pop()
                for dep in [*self.graph.imported_modules(current), *self._parents(current)]:
                    if dep not in seen:
                        seen.add(dep)
                        stack.append(dep)
            self._reach[rel] = frozenset(seen)
        return self._reach[rel]

    def _parents(self, rel: str) -> list[str]:
        name = self.project.module_name(rel).split(".")
        out = []
        for i in range(1, len(name)):
            parent = self.project.modules.get(".".join(name[:i]))
            if parent:
                out.append(parent)
        return out

    def test_modules(self, patch: Patch) -> tuple[str, ...]:
        """Test modules that exercise a changed (non-test) file of ``patch``."""
        changed = {e.path for e in patch.edits if e.path.endswith(".py")}
        found = {t for t in self.test_files() if t in changed or changed & self.reach(t)}
        # coverage measured only some test files: it adds what static imports miss, never less
        covering = self._covering([site_of(e) for e in patch.edits if e.path.endswith(".py")])
        found |= {t.split("::")[0] for t in covering or ()}
        return tuple(sorted(found))

    def related_failures(self, patch: Patch, baseline: TestReport | None) -> tuple[str, ...]:
        """Baseline failures the patch must heal for it to be complete (not partial progress)."""
        if baseline is None:
            return ()
        sites = [site_of(e) for e in patch.edits if e.path.endswith(".py")]
        modules = set(self.test_modules(patch))
        out: list[str] = []
        for error in baseline.collection_errors:
            if error.test_id and self._through(error, sites, whole_file=True):
                out.append(error.test_id)
        covering = self._covering(sites)
        for outcome in baseline.outcomes:
            if outcome.outcome not in ("failed", "error"):
                continue
            # coverage (of the test files it measured) or the static view: either counts
            hit = (covering is not None and outcome.test_id in covering) or self._through(
                outcome, sites) or (
                outcome.test_id.split("::")[0] in modules and self._names(outcome, sites))
            if hit:
                out.append(outcome.test_id)
        return tuple(out)

    @staticmethod
    def module_failures(patch: Patch, own: Sequence[str], baseline: TestReport | None
                        ) -> tuple[str, ...]:
        """For a guessed candidate (``GUESSED``: the mutation search, the model), every other
        baseline failure in its failing tests' own files: one bug often fails several tests of
        a module, and a guess that makes one of them pass elsewhere (``return True`` in an
        ``__eq__``) is plausible, not the fix, while the others still fail; the real fix makes
        them all pass. A guess that fixes a part is partial (a base for a second round)."""
        if baseline is None or patch.source not in GUESSED:
            return ()
        files = {t.split("::")[0] for t in own}
        return tuple(o.test_id for o in baseline.outcomes
                     if o.outcome in ("failed", "error") and o.test_id.split("::")[0] in files)

    def _covering(self, sites: list[Site]) -> set[str] | None:
        """Tests that coverage saw execute a changed line; None without coverage data."""
        if self.coverage is None:
            return None
        found: set[str] = set()
        for site in sites:
            found |= self.coverage.tests_covering(site.file, site.lines) or frozenset()
        return found

    @staticmethod
    def _through(outcome: TestOutcome, sites: list[Site], whole_file: bool = False) -> bool:
        """The failure's traceback passes through a changed function (or file, for imports)."""
        for frame in outcome.frames:
            for site in sites:
                if frame.file != site.file:
                    continue
                if whole_file or (site.module_level and _mentions(outcome, site)):
                    return True
                if any(a <= frame.line <= b for a, b in site.spans):
                    return True
        if whole_file:  # an import failure names the file even when no frame was parsed
            return any(f'"{s.file}"' in outcome.traceback or f"{s.file}:" in outcome.traceback
                       for s in sites)
        return False

    def _names(self, outcome: TestOutcome, sites: list[Site]) -> bool:
        """The failing test's own function mentions a changed function or its class."""
        wanted = set().union(*(s.names for s in sites)) if sites else set()
        if any(s.module_level and s.bound is None for s in sites):
            return True
        wanted |= set().union(*(s.bound or () for s in sites))
        if not wanted:
            return False
        node = self._test_function(outcome.test_id)
        if node is None:
            return True  # cannot tell: count it (asking for more proof is the safe side)
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        used |= {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
        return bool(used & wanted)

    def _test_function(self, test_id: str) -> ast.AST | None:
        parts = test_id.split("::")
        if len(parts) < 2:
            return None
        tree = self.graph.tree(parts[0])
        body: list[ast.stmt] = tree.body if tree else []
        node: ast.AST | None = None
        for name in parts[1:]:
            name = name.split("[")[0]
            node = next((n for n in body if isinstance(
                n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == name), None)
            if node is None:
                return None
            body = node.body  # type: ignore[attr-defined]
        return node


def regressed(before_passed: Collection[str], report: TestReport) -> tuple[str, ...]:
    """Tests that passed before and do not now: each one that ran and did not pass, and each
    one gone from the run unless as many tests of its module pass as before. (Parametrized
    ids built from unordered data, e.g. a set holding None, are renamed from run to run: the
    same tests under other names are no regression; fewer passing tests are.)"""
    passed = report.passed
    present = {o.test_id for o in report.outcomes}
    gone = [t for t in before_passed if t not in present]
    out = {t for t in before_passed if t in present and t not in passed}
    if gone:
        before = Counter(t.split("::")[0] for t in before_passed)
        now = Counter(t.split("::")[0] for t in passed)
        out.update(t for t in gone if now[t.split("::")[0]] < before[t.split("::")[0]])
    return tuple(sorted(out))


__all__ = ["Exercise", "Site", "TestCoverage", "changed_lines", "regressed", "site_of"]
