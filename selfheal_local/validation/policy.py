"""Plausible is not enough: candidates refused before any test runs.

A candidate that makes the tests pass by weakening them or the code (editing tests, skipping,
swallowing the error, returning a constant, deleting a function) is not a fix.
"""

from __future__ import annotations

import ast
import functools
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import PurePosixPath

from selfheal_local.errors import UnsafeEditError
from selfheal_local.project import Project, parsed
from selfheal_local.types import FileEdit, Patch

log = logging.getLogger(__name__)

_SKIPS = re.compile(
    r"pytest\s*\.\s*(skip|xfail|importorskip)\b|mark\s*\.\s*(skip|skipif|xfail)\b"
    r"|unittest\s*\.\s*(skip|skipIf|skipUnless|expectedFailure)\b|\bSkipTest\b"
)
_BROAD = frozenset({"Exception", "BaseException"})


def check_patch(patch: Patch, project: Project) -> str | None:
    """Why ``patch`` is refused before testing, or None when it may be tested."""
    for edit in patch.edits:
        for check in (_escapes, _protected, _adds_skip, _swallows_errors, _deletes_definitions,
                      _returns_constant):
            reason = check(edit, project)
            if reason:
                log.info("policy refused %s: %s", patch.explanation or patch.id, reason)
                return reason
    return None


def _escapes(edit: FileEdit, project: Project) -> str | None:
    pure = PurePosixPath(edit.path)
    if not edit.path or pure.is_absolute() or ".." in pure.parts or "\\" in edit.path:
        return f"edits a path outside the project: {edit.path!r}"
    try:
        project.resolve(edit.path)
    except UnsafeEditError:
        return f"edits a path that resolves outside the project: {edit.path!r}"
    return None


def _protected(edit: FileEdit, project: Project) -> str | None:
    if project.is_protected(edit.path):
        return f"edits protected file {edit.path} (tests, conftest and config are the oracle)"
    return None


def _adds_skip(edit: FileEdit, project: Project) -> str | None:
    if len(_SKIPS.findall(edit.after)) > len(_SKIPS.findall(edit.before)):
        return f"adds a test skip or xfail in {edit.path}"
    return None


def _swallowing_handlers(tree: ast.AST) -> int:
    """``except:`` / ``except Exception:`` handlers whose body does nothing."""
    count = 0
    for node in ast.walk(tree):
        if not isinstance(node, ast.ExceptHandler):
            continue
        broad = node.type is None or (isinstance(node.type, ast.Name) and node.type.id in _BROAD)
        empty = all(
            isinstance(s, ast.Pass)
            or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
            for s in node.body
        )
        count += broad and empty
    return count


def definitions(tree: ast.AST) -> dict[str, ast.AST]:
    """Qualified name -> node of every function and class."""
    found: dict[str, ast.AST] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                found[name] = child
                visit(child, f"{name}.")
            elif not isinstance(child, ast.expr):
                visit(child, prefix)

    visit(tree, "")
    return found


def _return_kinds(fn: ast.AST) -> tuple[int, int]:
    """(computed returns, constant returns outside any guard ``if``) of one function."""
    computed = unguarded = 0

    def visit(node: ast.AST, guarded: bool) -> None:
        nonlocal computed, unguarded
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                continue
            if isinstance(child, ast.Return):
                if child.value is None or _is_constant(child.value):
                    unguarded += not guarded
                else:
                    computed += 1
            visit(child, guarded or isinstance(child, ast.If | ast.Try | ast.Match | ast.With))

    visit(fn, False)
    return computed, unguarded


def _is_constant(node: ast.expr) -> bool:
    """A literal, or an f-string with no placeholder (``f"x"`` is the constant ``"x"``)."""
    if isinstance(node, ast.Constant):
        return True
    return isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values)


@dataclass(frozen=True)
class _Facts:
    """What the checks compare, of a module or of one of its top-level statements."""

    swallowing: int
    """Handlers that swallow every error."""
    functions: dict[str, tuple[int, int] | None]
    """Qualified name of every function and class -> a function's return kinds (None: a class)."""


def _statement_facts(node: ast.stmt) -> _Facts:
    holder = ast.Module(body=[node], type_ignores=[])
    return _Facts(_swallowing_handlers(node), {
        name: None if isinstance(fn, ast.ClassDef) else _return_kinds(fn)
        for name, fn in definitions(holder).items()})


_STATEMENTS: OrderedDict[tuple[str, int, int], _Facts] = OrderedDict()
_STATEMENTS_LOCK = threading.Lock()
STATEMENTS_KEPT = 4096


@functools.lru_cache(maxsize=4)
def _facts(text: str) -> _Facts | None:
    """The module's facts, None when it does not parse. A top-level statement's are kept by
    its text (a candidate changes one statement of a module: the others are looked up, not
    walked again)."""
    tree = parsed(text)
    if tree is None:
        return None
    lines = text.splitlines(keepends=True)
    swallowing = 0
    functions: dict[str, tuple[int, int] | None] = {}
    for node in tree.body:
        key = ("".join(lines[node.lineno - 1:node.end_lineno or node.lineno]),
               node.col_offset, node.end_col_offset or 0)
        with _STATEMENTS_LOCK:
            facts = _STATEMENTS.get(key)
            if facts is not None:
                _STATEMENTS.move_to_end(key)
        if facts is None:
            facts = _statement_facts(node)
            with _STATEMENTS_LOCK:
                _STATEMENTS[key] = facts
                while len(_STATEMENTS) > STATEMENTS_KEPT:
                    _STATEMENTS.popitem(last=False)
        swallowing += facts.swallowing
        functions.update(facts.functions)
    return _Facts(swallowing, functions)


def _swallows_errors(edit: FileEdit, project: Project) -> str | None:
    before, after = _facts(edit.before), _facts(edit.after)
    if after is None:
        return None
    if after.swallowing > (before.swallowing if before else 0):
        return f"adds an except clause that swallows every error in {edit.path}"
    return None


def _both(edit: FileEdit) -> tuple[_Facts, _Facts] | None:
    """The module's facts before and after the edit, None unless both parse."""
    before, after = _facts(edit.before), _facts(edit.after)
    return None if before is None or after is None else (before, after)


def _deletes_definitions(edit: FileEdit, project: Project) -> str | None:
    if (both := _both(edit)) is None:
        return None
    old, new = both[0].functions, both[1].functions
    gone = sorted(set(old) - set(new))
    if gone and len(new) < len(old):
        return f"deletes {', '.join(gone)} from {edit.path}"
    return None


def _returns_constant(edit: FileEdit, project: Project) -> str | None:
    if (both := _both(edit)) is None:
        return None
    before, after = both
    for name, kinds in after.functions.items():
        was = before.functions.get(name)
        if kinds is None or was is None:
            continue  # a class, or a function that is new
        (was_computed, was_constant), (now_computed, now_constant) = was, kinds
        if was_computed and now_computed < was_computed and now_constant > was_constant:
            return f"replaces a computed return with a constant in {name}() ({edit.path})"
    return None
