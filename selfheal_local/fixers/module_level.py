"""Module-level code as a target of the mutation search.

A module's top-level statements run when it is imported: a constant, a table, a version flag
(``PY3 = sys.version_info[0] == 3``) and the ``if`` blocks that read it. A failure raised there
(``NameError`` at import, in the branch a wrong flag selected) has no function to mutate, and
coverage sees none of it as any one test's doing. The search wraps such a statement as a
function of that one statement, so the operators apply to it unchanged; for a frame in
module-level code it also targets the statements that assign the names its enclosing
conditions read (the flag itself, a few lines above).
"""

from __future__ import annotations

import ast

from .imports_graph import FunctionRef

MODULE_LEVEL = "<module>"
"""The qualname prefix of a module-level statement the search mutates (a constant, a table)."""
_NOT_MUTATED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
FUNCTION_ONLY = frozenset({"return", "early_return"})
"""Operators that insert a ``return``: a syntax error outside a function."""
MAX_DEFINITIONS = 3
"""Assignments of condition names followed from one module-level frame."""


def _top_statement(tree: ast.Module, line: int) -> ast.stmt | None:
    stmt = next((s for s in tree.body if s.lineno <= line <= (s.end_lineno or s.lineno)), None)
    return None if stmt is None or isinstance(stmt, _NOT_MUTATED) else stmt


def module_statement(tree: ast.Module, line: int) -> ast.FunctionDef | None:
    """The module-level statement at ``line`` (not a def, class or import) wrapped as a function
    of that one statement, for the operators; None when there is none."""
    stmt = _top_statement(tree, line)
    if stmt is None:
        return None
    wrapper = ast.FunctionDef(name=MODULE_LEVEL, args=ast.arguments(
        posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]), body=[stmt],
        decorator_list=[], returns=None, type_params=[])
    return ast.copy_location(wrapper, stmt)


def module_ref(rel: str, stmt: ast.stmt) -> FunctionRef:
    return FunctionRef(rel, f"{MODULE_LEVEL}{stmt.lineno}", stmt.lineno,
                       stmt.end_lineno or stmt.lineno)


def _condition_names(stmt: ast.stmt, line: int) -> list[str]:
    """Names read by the tests of the ``if``/``while`` statements that enclose ``line``."""
    names: list[str] = []
    for node in ast.walk(stmt):
        if (isinstance(node, (ast.If, ast.While))
                and node.lineno <= line <= (node.end_lineno or node.lineno)):
            names += [n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)]
    return list(dict.fromkeys(names))


def _assigns(stmt: ast.stmt, name: str) -> bool:
    targets = (stmt.targets if isinstance(stmt, ast.Assign)
               else [stmt.target] if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) else [])
    return any(isinstance(n, ast.Name) and n.id == name
               for t in targets for n in ast.walk(t))


def module_targets(tree: ast.Module, rel: str, line: int) -> list[FunctionRef]:
    """For a frame at module level: the statement holding ``line``, then the nearest earlier
    module-level assignments of the names its enclosing conditions read ([] when ``line`` is
    inside a def, a class or an import)."""
    stmt = _top_statement(tree, line)
    if stmt is None:
        return []
    refs = [module_ref(rel, stmt)]
    earlier = [s for s in tree.body if s.lineno < stmt.lineno and not isinstance(s, _NOT_MUTATED)]
    for name in _condition_names(stmt, line)[:MAX_DEFINITIONS]:
        definition = next((s for s in reversed(earlier) if _assigns(s, name)), None)
        if definition is not None and module_ref(rel, definition) not in refs:
            refs.append(module_ref(rel, definition))
    return refs


__all__ = ["FUNCTION_ONLY", "MODULE_LEVEL", "module_ref", "module_statement", "module_targets"]
