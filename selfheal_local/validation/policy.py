"""Plausible is not enough: candidates refused before any test runs.

A candidate that makes the tests pass by weakening them or the code (editing tests, skipping,
swallowing the error, returning a constant, deleting a function) is not a fix.
"""

from __future__ import annotations

import ast
import logging
import re
from pathlib import PurePosixPath

from selfheal_local.errors import UnsafeEditError
from selfheal_local.project import Project, parse_or_none
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


def _swallowing_handlers(tree: ast.Module) -> int:
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


def _swallows_errors(edit: FileEdit, project: Project) -> str | None:
    before, after = parse_or_none(edit.before), parse_or_none(edit.after)
    if after is None:
        return None
    if _swallowing_handlers(after) > (_swallowing_handlers(before) if before else 0):
        return f"adds an except clause that swallows every error in {edit.path}"
    return None


def definitions(tree: ast.Module) -> dict[str, ast.AST]:
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


def _deletes_definitions(edit: FileEdit, project: Project) -> str | None:
    before, after = parse_or_none(edit.before), parse_or_none(edit.after)
    if before is None or after is None:
        return None
    old, new = definitions(before), definitions(after)
    gone = sorted(set(old) - set(new))
    if gone and len(new) < len(old):
        return f"deletes {', '.join(gone)} from {edit.path}"
    return None


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


def _returns_constant(edit: FileEdit, project: Project) -> str | None:
    before, after = parse_or_none(edit.before), parse_or_none(edit.after)
    if before is None or after is None:
        return None
    old, new = definitions(before), definitions(after)
    for name, node in new.items():
        if name not in old or isinstance(node, ast.ClassDef):
            continue
        was_computed, was_constant = _return_kinds(old[name])
        now_computed, now_constant = _return_kinds(node)
        if was_computed and now_computed < was_computed and now_constant > was_constant:
            return f"replaces a computed return with a constant in {name}() ({edit.path})"
    return None
