"""Fix templates read off the error itself (TBar keys its fix patterns by the failure).

Ordering objects that define no order fails with ``TypeError: '<' not supported between
instances of 'Link' and 'Link'``: the call that orders them (``sorted``, ``min``, ``max``,
``.sort``, ``heapq.nsmallest`` …) lost its ``key``, or never had one. The candidates order by
each data attribute of that class (its ``__slots__``, annotated fields and the attributes its
methods set on ``self``), nearest the error's own lines.

An exception that escaped through a ``try`` whose handlers catch something else (a
``KeyError`` past ``except IndexError:``): the handler names the wrong exception, or one too
few. The candidates catch the one raised instead, or as well.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator

from ..types import Finding
from .mutants import Mutation, SourceText, argument_slot

_UNORDERABLE = re.compile(r"not supported between instances of '(\w+)' and '(\w+)'")
ORDERING = frozenset({"sorted", "min", "max", "sort", "nsmallest", "nlargest", "merge",
                      "bisect", "bisect_left", "bisect_right", "insort"})
"""Calls that compare their items and take a ``key``."""
MAX_KEYS = 6
KEY_WEIGHT = 2.0
"""The error names the class and the call: likelier than a mutation found by suspicion alone."""


_OPERANDS = re.compile(r"unsupported operand type\(s\) for|can only concatenate|"
                       r"can't multiply sequence|bad operand type for unary|"
                       r"must be str, not|can't concat")


def operand_error(finding: Finding) -> bool:
    """The error says an operation got operands of the wrong types (``None -= 'x'``, ``'a' +
    1``): the operation on the crash's own line is the likeliest fault."""
    return bool(_OPERANDS.search(f"{finding.code} {finding.message}"))


def unorderable(finding: Finding) -> str:
    """The class whose instances were compared without an order, or ""."""
    match = _UNORDERABLE.search(f"{finding.message}\n{finding.traceback}")
    return match.group(1) if match and match.group(1) == match.group(2) else ""


def data_attributes(trees: Iterable[ast.Module], name: str) -> list[str]:
    """The data attributes of the first class called ``name`` in ``trees``: slots, annotated
    fields, then what its methods assign on ``self``, public before private."""
    for tree in trees:
        for cls in ast.walk(tree):
            if isinstance(cls, ast.ClassDef) and cls.name == name:
                found = [*_declared(cls), *_assigned(cls)]
                unique = list(dict.fromkeys(a for a in found if not a.startswith("__")))
                return sorted(unique, key=lambda a: a.startswith("_"))
    return []


def _declared(cls: ast.ClassDef) -> Iterator[str]:
    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            yield stmt.target.id
        elif isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__slots__" for t in stmt.targets):
            values = stmt.value.elts if isinstance(stmt.value, ast.Tuple | ast.List) else [
                stmt.value]
            yield from (v.value for v in values
                        if isinstance(v, ast.Constant) and isinstance(v.value, str))


def _assigned(cls: ast.ClassDef) -> Iterator[str]:
    for method in cls.body:
        if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef) and method.args.args:
            me = method.args.args[0].arg
            for node in ast.walk(method):
                targets = (node.targets if isinstance(node, ast.Assign) else [node.target]
                           if isinstance(node, ast.AnnAssign | ast.AugAssign) else [])
                yield from (t.attr for t in targets if isinstance(t, ast.Attribute)
                            and isinstance(t.value, ast.Name) and t.value.id == me)


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(
        func, ast.Attribute) else ""


def ordering_keys(src: SourceText, fn: ast.AST, lines: set[int],
                  attributes: list[str]) -> Iterator[Mutation]:
    """``key=lambda item: item.ATTR`` added to each ordering call on ``lines`` that has none."""
    for node in ast.walk(fn):
        if not (isinstance(node, ast.Call) and node.lineno in lines
                and _callee(node) in ORDERING and node.args
                and not any(k.arg == "key" for k in node.keywords)):
            continue
        slot = argument_slot(src, node)
        if slot is None:
            continue
        at, sep = slot
        for attr in attributes[:MAX_KEYS]:
            key = f"key=lambda item: item.{attr}"
            yield Mutation(node.lineno, node.col_offset, "arg_add", ((at, at, sep + key),),
                           f"ordered by '{key}'", KEY_WEIGHT)


NOT_CAUGHT = frozenset({"AssertionError", "SyntaxError", "IndentationError", "NameError",
                        "ImportError", "ModuleNotFoundError", "RecursionError", "SystemExit",
                        "KeyboardInterrupt", "Failed", "TimeoutError"})
"""Exceptions a handler is not the fix for (a failed assertion, a broken module, a stuck test)."""


def _defined(tree: ast.Module | None, name: str) -> bool:
    """``name`` is a builtin exception, or a class or import of the module."""
    import builtins

    known = getattr(builtins, name, None)
    if isinstance(known, type) and issubclass(known, BaseException):
        return True
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.ClassDef) and node.name == name:
            return True
        if isinstance(node, ast.Import | ast.ImportFrom) and any(
                (a.asname or a.name.split(".")[0]) == name for a in node.names):
            return True
    return False


def handler_types(src: SourceText, fn: ast.AST, lines: set[int], raised: str,
                  tree: ast.Module | None = None) -> Iterator[Mutation]:
    """For each ``try`` in ``fn`` whose body holds one of ``lines`` (where ``raised`` escaped)
    and whose typed handlers do not name it: each handler's type replaced by ``raised``, and
    ``raised`` added to it."""
    if not raised.isidentifier() or not _defined(tree, raised):
        return
    for node in ast.walk(fn):
        if not isinstance(node, ast.Try) or not node.body or not any(
                node.body[0].lineno <= line <= (node.body[-1].end_lineno or 0) for line in lines):
            continue
        typed = [h for h in node.handlers if h.type is not None]
        named = {n.id for h in typed for n in ast.walk(h.type) if isinstance(n, ast.Name)} | {
            n.attr for h in typed for n in ast.walk(h.type) if isinstance(n, ast.Attribute)}
        if raised in named or len(typed) != len(node.handlers):
            continue
        for handler in typed:
            start, end = src.span(handler.type)
            old = src.segment(handler.type)
            inner = old[1:-1] if isinstance(handler.type, ast.Tuple) and old.startswith("(") else old
            for new in (raised, f"({inner}, {raised})"):
                yield Mutation(handler.lineno, handler.col_offset, "handler",
                               ((start, end, new),), f"caught {new} instead of {old}",
                               KEY_WEIGHT)


__all__ = ["KEY_WEIGHT", "MAX_KEYS", "ORDERING", "data_attributes", "handler_types",
           "NOT_CAUGHT", "operand_error", "ordering_keys", "unorderable"]
