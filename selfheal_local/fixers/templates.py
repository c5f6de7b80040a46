"""Fix templates read off the error itself (TBar keys its fix patterns by the failure).

Ordering objects that define no order fails with ``TypeError: '<' not supported between
instances of 'Link' and 'Link'``: the call that orders them (``sorted``, ``min``, ``max``,
``.sort``, ``heapq.nsmallest`` …) lost its ``key``, or never had one. The candidates order by
each data attribute of that class (its ``__slots__``, annotated fields and the attributes its
methods set on ``self``), nearest the error's own lines.
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


__all__ = ["KEY_WEIGHT", "MAX_KEYS", "ORDERING", "data_attributes", "ordering_keys",
           "unorderable"]
