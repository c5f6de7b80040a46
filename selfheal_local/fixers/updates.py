"""Missing updates: the one statement a function needs and never runs.

A collection made empty to record what was seen or gathered (``seen = set()``,
``found = []``) that the function tests or returns but never adds to, and a ``while`` loop
whose condition reads names its body never changes (``while node:`` without
``node = node.next``, ``while i < n:`` without ``i += 1``): the statement that fills or
advances them was forgotten. TBar's and Astor's catalogues list statement insertion among
the fix patterns of real bugs; these templates insert only what the function's own names
say is missing, at the places such a statement goes: the top and the end of a loop's body,
and right after a membership test that leaves the loop.

The opposite slip, an update that reaches too far: ``merged = defaults`` then
``merged.update(extra)`` changes the caller's ``defaults`` too; the alias wanted a copy.
"""

from __future__ import annotations

import ast
import builtins
from collections import Counter
from collections.abc import Iterator

from .mutants import Mutation, SourceText

ADDS = {"list": "append", "set": "add", "deque": "append"}
"""How an item is added to each kind of empty collection."""
READS = frozenset({"copy", "count", "index", "issubset", "issuperset", "isdisjoint", "union",
                   "intersection", "difference", "symmetric_difference", "get", "keys",
                   "values", "items"})
"""Methods that only read a collection: calling one is no update."""
PURE = frozenset({"len", "sorted", "list", "set", "tuple", "frozenset", "bool", "any", "all",
                  "sum", "min", "max", "enumerate", "iter", "reversed", "print", "repr", "str",
                  "isinstance"})
"""Builtins a collection may be passed to without being filled by them."""
PER_SITE = 6
ASKED_WEIGHT = 2.0
"""The item a membership test asks about is likelier the one to add than a loop's target
(``if tag not in seen`` in ``for raw in tags``: ``seen.add(tag)``, not ``seen.add(raw)``)."""


def _empty_kind(value: ast.expr | None) -> str | None:
    if isinstance(value, ast.List) and not value.elts:
        return "list"
    if isinstance(value, ast.Call) and not (value.args or value.keywords):
        func = value.func
        name = func.id if isinstance(func, ast.Name) else (
            func.attr if isinstance(func, ast.Attribute) else "")
        return name if name in ADDS else None
    return None


def _inner(fn: ast.AST) -> list[ast.AST]:
    """Every node of ``fn``'s body, nested functions and classes left out."""
    out: list[ast.AST] = []
    stack = list(getattr(fn, "body", []))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


def unfilled(fn: ast.AST) -> dict[str, str]:
    """Locals bound once to an empty list, set or deque and never added to: name -> the
    method that adds an item."""
    nodes = _inner(fn)
    kinds: dict[str, str] = {}
    stores: Counter[str] = Counter()
    touched = _updated(nodes)
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stores[node.id] += 1
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name):
            kind = _empty_kind(node.value)
            if kind:
                kinds[node.targets[0].id] = kind
        elif isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name)
                                                 and node.func.id in PURE):
            # passed on: the callee may fill it
            touched.update(a.id for a in [*node.args, *(k.value for k in node.keywords)]
                           if isinstance(a, ast.Name))
    return {name: ADDS[kind] for name, kind in kinds.items()
            if stores[name] == 1 and name not in touched}


def _text(src: SourceText, node: ast.expr) -> str | None:
    text = src.segment(node)
    return text if "\n" not in text and len(text) <= 40 else None


def _before(src: SourceText, stmt: ast.stmt, text: str) -> tuple[int, int, str]:
    at = src.starts[stmt.lineno - 1]
    return (at, at, f"{src.indent_of(stmt.lineno)}{text}\n")


def _after(src: SourceText, stmt: ast.stmt, indent: str, text: str) -> tuple[int, int, str]:
    end = stmt.end_lineno or stmt.lineno
    at = src.starts[end] if end < len(src.lines) else len(src.text)
    lead = "" if src.text[:at].endswith("\n") else "\n"
    return (at, at, f"{lead}{indent}{text}\n")


def _own_lines(body: list[ast.stmt], header: ast.stmt) -> bool:
    return bool(body) and body[0].lineno > header.lineno


def fill_collections(src: SourceText, fn: ast.AST) -> Iterator[Mutation]:
    """``seen.add(x)`` / ``found.append(x)`` for a collection ``unfilled`` names: the item is
    what a membership test asks about or a loop's target; it goes after a test that leaves
    the loop, at the top of a test's body that asks whether it is not there yet, and at the
    top and the end of each loop over it."""
    empty = unfilled(fn)
    if not empty:
        return
    nodes = _inner(fn)
    for name, add in empty.items():
        made: list[tuple[tuple[int, int, str], str, int, float]] = []
        for node in nodes:
            if isinstance(node, ast.If) and isinstance(node.test, ast.Compare) and len(
                    node.test.ops) == 1 and isinstance(node.test.comparators[0], ast.Name) and (
                    node.test.comparators[0].id == name):
                item = _text(src, node.test.left)
                if item is None or not _own_lines(node.body, node):
                    continue
                text = f"{name}.{add}({item})"
                if isinstance(node.test.ops[0], ast.NotIn):
                    made.append((_before(src, node.body[0], text), text, node.body[0].lineno,
                                 ASKED_WEIGHT))
                elif isinstance(node.body[-1], ast.Continue | ast.Return | ast.Break):
                    made.append((_after(src, node, src.indent_of(node.lineno), text), text,
                                 node.lineno, ASKED_WEIGHT))
            elif isinstance(node, ast.For | ast.AsyncFor) and _own_lines(node.body, node):
                item = _text(src, node.target)
                if item is None:
                    continue
                text = f"{name}.{add}({item})"
                first, last = node.body[0], node.body[-1]
                made.append((_before(src, first, text), text, first.lineno, 1.0))
                made.append((_after(src, last, src.indent_of(first.lineno), text), text,
                             last.lineno, 1.0))
        made.sort(key=lambda m: -m[3])
        for splice, text, line, weight in made[:PER_SITE]:
            yield Mutation(line, 0, "insert", (splice,), f"added '{text}' (line {line})", weight)


def _assigned(body: list[ast.stmt]) -> set[str]:
    out: set[str] = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                out.add(node.id)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
                    isinstance(node.func.value, ast.Name)):
                out.add(node.func.value.id)  # ``queue.pop()`` changes ``queue``
    return out


def _links(fn: ast.AST, module: ast.Module | None, name: str) -> list[str]:
    """Attributes used on ``name`` in the function, then on any name in the module (those a
    class sets on ``self`` too), that are not called (``node.next``, ``cell.parent``): what a
    loop may step along."""
    called = {id(n.func) for n in ast.walk(module or fn) if isinstance(n, ast.Call)}
    own, other = [], []
    for node in ast.walk(module or fn):
        if isinstance(node, ast.Attribute) and id(node) not in called and isinstance(
                node.value, ast.Name):
            (own if node.value.id == name else other).append(node.attr)
    return list(dict.fromkeys([*own, *other]))


def advance_loops(src: SourceText, fn: ast.AST, module: ast.Module | None = None
                  ) -> Iterator[Mutation]:
    """For a ``while`` loop whose condition reads names its body never changes: at the end
    of its body, ``v = v.ATTR`` (an attribute read off ``v``) and ``v += 1`` / ``v -= 1``."""
    for node in _inner(fn):
        if not isinstance(node, ast.While) or not _own_lines(node.body, node):
            continue
        read = [n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Load) and not hasattr(builtins, n.id)]
        if not read or _assigned(node.body) & set(read):
            continue
        last = node.body[-1]
        if isinstance(last, ast.Return | ast.Break | ast.Raise | ast.Continue):
            continue
        indent = src.indent_of(node.body[0].lineno)
        texts: list[str] = []
        for name in dict.fromkeys(read):
            texts += [f"{name} = {name}.{attr}" for attr in _links(fn, module, name)[:3]]
            texts += [f"{name} += 1", f"{name} -= 1"]
        for text in texts[:PER_SITE]:
            yield Mutation(last.lineno, 0, "insert", (_after(src, last, indent, text),),
                           f"added '{text}' at the end of the loop (line {node.lineno})")


def _updated(nodes: list[ast.AST]) -> set[str]:
    """Names whose object the function changes: a method that is not a read, an item stored
    or deleted, ``+=``."""
    out: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(
                node.func.value, ast.Name) and node.func.attr not in READS:
            out.add(node.func.value.id)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del) and (
                isinstance(node.value, ast.Name)):
            out.add(node.value.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            out.add(node.target.id)
    return out


def copy_aliases(src: SourceText, fn: ast.AST) -> Iterator[Mutation]:
    """``x = other`` (a name or attribute, not a new object) that the function then changes
    through ``x`` -> ``x = other.copy()``."""
    nodes = _inner(fn)
    changed = _updated(nodes)
    for node in nodes:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name) and node.targets[0].id in changed and isinstance(
                node.value, ast.Name | ast.Attribute)):
            continue
        start, end = src.span(node.value)
        text = src.segment(node.value)
        yield Mutation(node.lineno, node.col_offset, "copy", ((start, end, f"{text}.copy()"),),
                       f"copied '{text}' before changing it as '{node.targets[0].id}'")


__all__ = ["advance_loops", "copy_aliases", "fill_collections", "unfilled"]
