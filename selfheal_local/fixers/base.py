"""The rule registry: a rule is one small function ``(Site, Project) -> list[Patch]``.

The registry reads and parses the diagnosis' file once (through the project's cache) and
hands every rule the same ready :class:`Site`; a rule states what it needs of the site
(``needs=``) and is not called when the site cannot give it. A rule that cannot know the
right answer returns several candidates; the sandbox and the project's tests choose. Rules
never write files: they return whole-file edits.
"""

from __future__ import annotations

import ast
import functools
import importlib
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from ..project import READ_ERRORS, Project, parse_or_none
from ..protocols import SourceBase
from ..types import Diagnosis, FileEdit, Patch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Site:
    """Where a diagnosis points: its file read and parsed once, shared by every rule."""

    diagnosis: Diagnosis
    path: str
    """Project-relative file of the failure ("" when the finding names none)."""
    text: str = ""
    """The file's text ("" when it cannot be read)."""
    tree: ast.Module | None = None
    """The file's tree (None when it does not parse); shared, never to be mutated."""
    line: int = 0
    """The failing line (0 when unknown)."""
    editable: bool = False
    """A readable ``.py`` file that rules may edit (not protected)."""

    @property
    def message(self) -> str:
        """The error message (the analysis', else the finding's)."""
        return self.diagnosis.message or self.diagnosis.finding.message

    @cached_property
    def lines(self) -> list[str]:
        """The file's lines, without their endings."""
        return self.text.splitlines()

    @cached_property
    def function(self) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The innermost function around the failing line."""
        if self.tree is None or not self.line:
            return None
        return innermost_function(self.tree, self.line)


def innermost_function(tree: ast.AST, line: int) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The innermost function whose span (decorators excluded) contains ``line``."""
    best = None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if node.lineno <= line <= (node.end_lineno or node.lineno):
                if best is None or node.lineno >= best.lineno:
                    best = node
    return best


def _defined_in(body: list[ast.stmt]) -> list[ast.stmt]:
    """``body``'s statements, with those of module-level ``if``/``try``/``with`` blocks (where
    ``if PY3:``/``else:`` define one name twice) in their place."""
    out: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If | ast.Try | ast.With):
            out.extend(_defined_in(getattr(node, "body", []) + getattr(node, "orelse", [])))
        else:
            out.append(node)
    return out


def function_named(tree: ast.Module, qualname: str, start: int = 0
                   ) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The function ``qualname`` (``f``, ``Cls.meth``, ``outer.inner``) defined along ``tree``'s
    bodies; of a name defined more than once, the one starting at ``start`` (else the first)."""
    scopes: list[list[ast.stmt]] = [tree.body]
    found: list[ast.AST] = []
    for part in qualname.split("."):
        found = [n for scope in scopes for n in _defined_in(scope) if isinstance(
            n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == part]
        scopes = [n.body for n in found]
    defs = [n for n in found if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    at = [n for n in defs if min([n.lineno] + [d.lineno for d in n.decorator_list]) == start]
    return (at or defs or [None])[0]


def site_for(diagnosis: Diagnosis, project: Project) -> Site:
    """The diagnosis' file, read and parsed through the project's cache."""
    rel = diagnosis.file or diagnosis.finding.file
    line = diagnosis.line or diagnosis.finding.line
    if not rel:
        return Site(diagnosis, "", line=line)
    try:
        text, tree = project.read(rel), project.tree(rel)
    except READ_ERRORS as exc:  # unreadable file: rules that need it propose nothing
        log.debug("cannot read %s: %s", rel, exc)
        return Site(diagnosis, rel, line=line)
    editable = rel.endswith(".py") and not project.is_protected(rel)
    return Site(diagnosis, rel, text, tree, line, editable)


Needs = Literal["tree", "text", "site"]
"""What a rule needs: an editable file that parses, an editable file, or only the site."""

Rule = Callable[[Site, Project], list[Patch]]

_RULES: dict[str, list[tuple[Rule, Needs]]] = {}

BUILTIN_RULE_MODULES: tuple[str, ...] = (
    "names", "imports", "attributes", "typeerrors", "calls", "lookups", "arith", "syntax", "lint",
    "values", "modelwork", "signatures", "swaps", "nones", "conversions",
)
"""Modules under ``selfheal_local.fixers.rules`` whose import registers rules."""

@functools.cache
def load_builtin_rules() -> None:
    """Import the built-in rule modules once (registration happens at import)."""
    for name in BUILTIN_RULE_MODULES:
        importlib.import_module(f"selfheal_local.fixers.rules.{name}")


def _load_quietly() -> None:
    try:
        load_builtin_rules()
    except Exception:  # the first proposal imports them again and reports what fails
        log.debug("rules not imported ahead", exc_info=True)


def rule(*patterns: str, needs: Needs = "tree") -> Callable[[Rule], Rule]:
    """Register a rule for one or more taxonomy patterns."""

    def register(fn: Rule) -> Rule:
        for pattern in patterns:
            _RULES.setdefault(pattern, []).append((fn, needs))
        return fn

    return register


def given(
    extract: Callable[[Site, Project], Any | None],
) -> Callable[[Callable[[Site, Project, Any], list[Patch]]], Rule]:
    """A rule that runs only when ``extract`` finds what it works on, and is handed that."""

    def wrap(fn: Callable[[Site, Project, Any], list[Patch]]) -> Rule:
        @functools.wraps(fn)
        def run(site: Site, project: Project) -> list[Patch]:
            found = extract(site, project)
            return [] if found is None else fn(site, project, found)

        return run

    return wrap


def matching(regex: re.Pattern[str]) -> Callable[[Site, Project], re.Match[str] | None]:
    """An extractor for ``given``: ``regex``'s match in the site's message."""
    return lambda site, project: regex.search(site.message)


def _registered(pattern: str) -> list[tuple[Rule, Needs]]:
    load_builtin_rules()
    return list(_RULES.get(pattern, ()))


def rules_for(pattern: str) -> list[Rule]:
    """The rules registered for ``pattern``, in registration order."""
    return [fn for fn, _ in _registered(pattern)]


def site_gives(site: Site, needs: Needs) -> bool:
    """True when ``site`` has what a rule with ``needs`` works on."""
    if needs == "site":
        return True
    return site.editable and (needs == "text" or site.tree is not None)


def enclosing_region(text: str, line: int, tree: ast.Module | None = None) -> tuple[int, int]:
    """1-based inclusive span of the innermost function around ``line`` (whole file if none).

    ``tree`` is ``text``'s tree when the caller already has it.
    """
    tree = tree or parse_or_none(text)
    if tree is None:
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
    base: dict[str, str] | None = None,
) -> Patch | None:
    """A candidate from ``{relative path: new full text}``; None when nothing changes.

    ``base`` holds the texts the edits were made from: a file that changed on disk since
    (the cache re-reads it) yields no candidate rather than one that would undo the change.
    ``original_code``/``patched_code`` hold the enclosing function of the primary file
    (the diagnosis' file when edited, else the first), for display, memory and training.
    """
    file_edits: list[FileEdit] = []
    for rel, after in edits.items():
        before = project.read(rel)
        if base is not None and rel in base and base[rel] != before:
            log.info("%s changed while candidates were made; dropping one", rel)
            return None
        if after != before:
            file_edits.append(FileEdit(rel, before, after))
    if not file_edits:
        return None
    primary = next((e for e in file_edits if e.path == diagnosis.file), file_edits[0])
    line = diagnosis.line if primary.path == diagnosis.file and diagnosis.line else 1
    start, end = enclosing_region(primary.before, line, project.tree(primary.path))
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

    def __init__(self) -> None:
        # the rule modules import while the scan's test run is waited for, not in the first fix
        threading.Thread(target=_load_quietly, name="selfheal-rules-import", daemon=True).start()

    def propose(self, diagnosis: Diagnosis, project: Project) -> Iterator[Patch]:
        seen: set[str] = set()
        site = site_for(diagnosis, project)
        for fn, needs in _registered(diagnosis.pattern):
            if not site_gives(site, needs):
                continue
            try:
                patches: Iterable[Patch] = fn(site, project) or ()
            except Exception:  # a rule bug must not stop the heal
                log.exception("rule %s failed on %s", fn.__name__, diagnosis.finding.location)
                continue
            for patch in patches:
                key = patch.diff
                if patch is not None and key not in seen:
                    seen.add(key)
                    yield patch
