"""Statement- and condition-level repair operators: delete a statement, insert a guard or an
early return, add or drop a clause of a condition or a ``not``, ``+=`` <-> ``=``, the
``raise`` an exception built and dropped lacks, the ``self.`` a value stored in a local that
is never read lacks.

Statements are only edited when they sit on whole lines of their own (no ``;``, no comment
in the removed text), so each edit keeps the module's layout.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator

from .mutants import Mutation, SourceText, between, negated, wrap

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
DELETABLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.If, ast.Raise,
             ast.Continue, ast.Break, ast.Return)
MAX_CLAUSES = 3


def _whole_lines(src: SourceText, stmt: ast.stmt) -> tuple[int, int] | None:
    """Offsets of the full lines ``stmt`` occupies alone (None when it shares a line)."""
    first, last = stmt.lineno, stmt.end_lineno or stmt.lineno
    start, end = src.span(stmt)
    before = src.text[src.starts[first - 1]:start]
    after = src.text[end:src.line_end(last)]
    if before.strip() or (after.strip() and not after.strip().startswith("#")):
        return None
    return src.starts[first - 1], src.starts[last] if last < len(src.lines) else len(src.text)


def _is_reset(stmt: ast.stmt, bound_at: dict[str, int]) -> bool:
    """``x = <literal>`` for a name first bound on an earlier line (a re-initialisation)."""
    return (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and bound_at.get(stmt.targets[0].id, stmt.lineno) < stmt.lineno
            and isinstance(stmt.value, ast.Constant | ast.List | ast.Dict | ast.Set | ast.Tuple))


def delete_statement(src: SourceText, body: list[ast.stmt], stmt: ast.stmt,
                     bound_at: dict[str, int] | None = None) -> Iterator[Mutation]:
    """Remove one statement (``pass`` stands in when it was the only one); a re-initialisation
    of a variable already set earlier (a spurious reset) is the likeliest to go."""
    if not isinstance(stmt, DELETABLE) or (isinstance(stmt, ast.Expr)
                                            and isinstance(stmt.value, ast.Constant)):
        return
    span = _whole_lines(src, stmt)
    if span is None:
        return
    start, end = span
    removed = src.text[start:end]
    if "#" in removed:
        return
    new = "" if len(body) > 1 else f"{src.indent_of(stmt.lineno)}pass\n"
    first = removed.strip().splitlines()[0] if removed.strip() else ""
    weight = 2.0 if _is_reset(stmt, bound_at or {}) else 1.0
    yield Mutation(stmt.lineno, stmt.col_offset, "delete", ((start, end, new),),
                   f"deleted '{first[:60]}'", weight)


def _names_loaded(node: ast.AST) -> list[str]:
    return list(dict.fromkeys(n.id for n in ast.walk(node)
                              if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)))


def guard_statement(src: SourceText, stmt: ast.stmt, local: set[str]) -> Iterator[Mutation]:
    """Wrap a simple statement in ``if NAME:`` / ``if NAME is not None:`` for a local it reads."""
    if not isinstance(stmt, ast.Expr | ast.Assign | ast.AugAssign) or _whole_lines(
            src, stmt) is None or (stmt.end_lineno or stmt.lineno) != stmt.lineno:
        return
    indent = src.indent_of(stmt.lineno)
    start = src.starts[stmt.lineno - 1]
    line = src.text[start:src.line_end(stmt.lineno)]
    for name in [n for n in _names_loaded(stmt) if n in local][:2]:
        for test in (name, f"{name} is not None"):
            new = f"{indent}if {test}:\n    {line}"
            yield Mutation(stmt.lineno, stmt.col_offset, "guard",
                           ((start, start + len(line), new),), f"guarded '{line.strip()}' "
                           f"with 'if {test}:'")


def _returned_values(src: SourceText, fn: FunctionNode) -> list[str]:
    out = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Return) and node.value is not None and isinstance(
                node.value, ast.Constant | ast.Name | ast.List | ast.Dict | ast.Tuple):
            text = src.segment(node.value)
            if "\n" not in text and len(text) <= 30:
                out.append(text)
    return list(dict.fromkeys(out))


def early_return(src: SourceText, fn: FunctionNode) -> Iterator[Mutation]:
    """At the top of the body: ``if not P: return D`` for a parameter P."""
    body = fn.body
    first = body[1] if (len(body) > 1 and isinstance(body[0], ast.Expr)
                        and isinstance(body[0].value, ast.Constant)) else body[0]
    if _whole_lines(src, first) is None:
        return
    returns = any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(fn))
    if not returns or any(isinstance(n, ast.Yield | ast.YieldFrom) for n in ast.walk(fn)):
        return
    indent = src.indent_of(first.lineno)
    at = src.starts[first.lineno - 1]
    params = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args) if a.arg not in
              ("self", "cls")]
    for param in params[:3]:
        values = list(dict.fromkeys([param, *_returned_values(src, fn), "None"]))[:3]
        for value in values:
            text = f"{indent}if not {param}:\n{indent}    return {value}\n"
            yield Mutation(first.lineno, 0, "early_return", ((at, at, text),),
                           f"added 'if not {param}: return {value}' at the top")


def _conditions(fn: FunctionNode) -> list[ast.expr]:
    out = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Compare):
            out.append(node)
    return out


def clauses(src: SourceText, fn: FunctionNode, test: ast.expr) -> Iterator[Mutation]:
    """Drop a clause of ``a and b`` / ``a or b``; add one (a comparison used elsewhere in the
    function, or ``NAME is not None``)."""
    start, end = src.span(test)
    text = src.text[start:end]
    if isinstance(test, ast.BoolOp) and len(test.values) >= 2:
        word = "and" if isinstance(test.op, ast.And) else "or"
        for i, value in enumerate(test.values):
            kept = [src.segment(v) if not isinstance(v, ast.BoolOp) else f"({src.segment(v)})"
                    for j, v in enumerate(test.values) if j != i]
            if any("\n" in k for k in kept):
                return
            new = f" {word} ".join(kept)
            yield Mutation(test.lineno, test.col_offset, "conjunct", ((start, end, new),),
                           f"dropped '{src.segment(value)}' from the condition")
    if "\n" in text:
        return
    inner = wrap(src, test) if not isinstance(test, ast.BoolOp) else f"({text})"
    extra: list[str] = []
    for other in _conditions(fn):
        segment = src.segment(other)
        if segment not in text and "\n" not in segment:
            extra.append(segment)
    names = [n for n in dict.fromkeys(n.id for n in ast.walk(test) if isinstance(n, ast.Name)
                                      and isinstance(n.ctx, ast.Load))][:2]
    for name in names:
        yield Mutation(test.lineno, test.col_offset, "conjunct",
                       ((start, end, f"{name} is not None and {inner}"),),
                       f"added '{name} is not None and' to the condition")
    for clause in list(dict.fromkeys(extra))[:MAX_CLAUSES]:
        for word in ("and", "or"):
            yield Mutation(test.lineno, test.col_offset, "conjunct",
                           ((start, end, f"{inner} {word} {clause}"),),
                           f"added '{word} {clause}' to the condition")


def negate_operand(src: SourceText, node: ast.BoolOp) -> Iterator[Mutation]:
    """``a and b`` -> ``a and not b`` (each operand; a ``not`` already there is dropped)."""
    for value in node.values:
        start, end = src.span(value)
        new = negated(src, value)
        yield Mutation(value.lineno, value.col_offset, "not", ((start, end, new),),
                       f"changed '{src.segment(value)}' to '{new}'")


def drop_not(src: SourceText, node: ast.UnaryOp) -> Iterator[Mutation]:
    """``not x`` outside a condition (``return not x``) -> ``x``."""
    if isinstance(node.op, ast.Not):
        start, end = src.span(node)
        yield Mutation(node.lineno, node.col_offset, "not",
                       ((start, end, wrap(src, node.operand)),),
                       f"dropped 'not' from '{src.segment(node)}'")


def assign_kind(src: SourceText, stmt: ast.stmt, bound_before: set[str]) -> Iterator[Mutation]:
    """``x += v`` -> ``x = v`` and ``x = v`` -> ``x += v`` (when ``x`` is bound before)."""
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Add | ast.Sub):
        op = "+=" if isinstance(stmt.op, ast.Add) else "-="
        where = between(src, stmt.target, stmt.value, op)
        if where:
            yield Mutation(stmt.lineno, stmt.col_offset, "augassign", ((*where, "="),),
                           f"changed '{op}' to '='")
    elif (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
          and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id in bound_before):
        where = between(src, stmt.targets[0], stmt.value, "=")
        if where:
            for op in ("+=", "-="):
                yield Mutation(stmt.lineno, stmt.col_offset, "augassign", ((*where, op),),
                               f"changed '=' to '{op}'")


FORGOTTEN_RAISE_WEIGHT = 4.0
"""An exception built and dropped is all but certainly a missing ``raise``."""
LOST_ATTRIBUTE_WEIGHT = 2.0
"""A value stored in a local never read, named as an attribute the class keeps on ``self``."""


def _exception_name(func: ast.expr) -> str:
    name = func.id if isinstance(func, ast.Name) else (
        func.attr if isinstance(func, ast.Attribute) else "")
    known = getattr(builtins, name, None)
    if isinstance(known, type) and issubclass(known, BaseException):
        return name
    return name if name.endswith(("Error", "Exception", "Warning")) else ""


def forgotten_raise(src: SourceText, stmt: ast.stmt) -> Iterator[Mutation]:
    """``ValueError("bad")`` alone on its line -> ``raise ValueError("bad")``."""
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return
    name = _exception_name(stmt.value.func)
    if name:
        at = src.offset(stmt.lineno, stmt.col_offset)
        yield Mutation(stmt.lineno, stmt.col_offset, "raise", ((at, at, "raise "),),
                       f"raised the {name} built on line {stmt.lineno}", FORGOTTEN_RAISE_WEIGHT)


def lost_attribute(src: SourceText, stmt: ast.stmt, dropped: set[str],
                   attrs: dict[str, list[int]]) -> Iterator[Mutation]:
    """``total = value`` (``total`` never read) in a class that keeps ``self.total`` ->
    ``self.total = value``."""
    if not (isinstance(stmt, ast.Assign | ast.AnnAssign) and attrs):
        return
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    for target in targets:
        if isinstance(target, ast.Name) and target.id in dropped and target.id in attrs:
            start, end = src.span(target)
            yield Mutation(stmt.lineno, stmt.col_offset, "attr", ((start, end, f"self.{target.id}"),),
                           f"stored '{target.id}' on self", LOST_ATTRIBUTE_WEIGHT)


__all__ = ["assign_kind", "clauses", "delete_statement", "drop_not", "early_return",
           "forgotten_raise", "guard_statement", "lost_attribute", "negate_operand"]
