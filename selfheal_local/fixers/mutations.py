"""Small source mutations of one function: the operators of the mutation search.

Each mutation is a list of text splices computed from ``ast`` positions (which count UTF-8
bytes; ``SourceText`` converts them), so comments and formatting elsewhere stay untouched.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator

from . import blocks, forgotten, scopes
from . import expressions as ex
from . import operators as ops
from . import statements as st
from . import updates as upd
from .mutants import Mutation, SourceText, between, negated, wrap

PRIOR: dict[str, float] = {
    "compare": 1.0, "bound": 0.95, "range": 0.95, "slice": 0.7, "boolop": 0.85,
    "identity": 0.8, "membership": 0.8, "negate": 0.75, "not": 0.7, "arith": 0.8,
    "augassign": 0.6, "div": 0.75, "minmax": 0.7, "var": 0.7, "attr": 0.7, "literal": 0.65, "method": 0.6,
    "return": 0.6, "swap_args": 0.6, "conjunct": 0.5, "arg_remove": 0.4, "arg_add": 0.45,
    "early_return": 0.4, "guard": 0.35, "delete": 0.3, "wrap": 0.3, "bitwise": 0.6,
    "operands": 0.4, "builtin": 0.7, "insert": 0.35, "raise": 0.5, "handler": 0.5,
    "copy": 0.45, "indent": 0.45,
}
"""How often each operator kind is the right fix, relative to a comparison flip (after the
fix-pattern frequencies TBar, PraPR and Astor report: condition and bound changes lead,
statement deletion and insertion trail). The search orders by suspiciousness x prior."""
KIND_RANK: dict[str, int] = {k: i for i, k in enumerate(sorted(PRIOR, key=lambda k: -PRIOR[k]))}
"""Order of mutation kinds at the same suspiciousness: the commonest slips first."""

_COMPARE_TEXT = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==",
                 ast.NotEq: "!="}
_COMPARE_ALTERNATIVES = {"<": ("<=", ">", ">="), "<=": ("<", ">=", ">"), ">": (">=", "<", "<="),
                         ">=": (">", "<=", "<"), "==": ("!=",), "!=": ("==",)}
_ARITH_TEXT = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
               ast.Mod: "%"}
_ARITH_ALTERNATIVES = {"+": ("-",), "-": ("+",), "*": ("/", "+"), "/": ("//", "*"), "//": ("/",),
                       "%": ("//",)}
def _plus_minus(src: SourceText, node: ast.expr, what: str) -> Iterator[Mutation]:
    """``n`` -> ``n + 1`` / ``n - 1`` (or the constant adjusted) on a bound, index or slice."""
    start, end = src.span(node)
    line, col = node.lineno, node.col_offset
    if isinstance(node, ast.Constant) and type(node.value) is int:
        for delta in (1, -1):
            new = str(node.value + delta)
            yield Mutation(line, col, "bound", ((start, end, new),),
                           f"changed {what} {node.value} to {new}")
        return
    if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub)
            and isinstance(node.right, ast.Constant) and type(node.right.value) is int):
        sign = 1 if isinstance(node.op, ast.Add) else -1
        base = src.segment(node.left)
        for delta in (1, -1):
            value = sign * node.right.value + delta
            new = base if value == 0 else f"{base} {'+' if value > 0 else '-'} {abs(value)}"
            yield Mutation(line, col, "bound", ((start, end, new),),
                           f"changed {what} '{src.segment(node)}' to '{new}'")
        return
    text = wrap(src, node)
    for suffix in (" + 1", " - 1"):
        yield Mutation(line, col, "bound", ((start, end, text + suffix),),
                       f"changed {what} '{src.segment(node)}' to '{text + suffix}'")


def _compare(src: SourceText, node: ast.Compare) -> Iterator[Mutation]:
    operands = [node.left, *node.comparators]
    for i, op in enumerate(node.ops):
        old = _COMPARE_TEXT.get(type(op))
        where = between(src, operands[i], operands[i + 1], old) if old else None
        if where is None:
            continue
        for new in _COMPARE_ALTERNATIVES[old]:
            yield Mutation(node.lineno, node.col_offset, "compare", ((*where, new),),
                           f"changed '{old}' to '{new}'")
        for side in (operands[i + 1],) if old in ("<", "<=", ">", ">=") else ():
            yield from _plus_minus(src, side, "bound")
        if old in ("==", "!="):  # ``len(x) == 4`` for 3: a count compared off by one
            for side in (operands[i], operands[i + 1]):
                if isinstance(side, ast.Constant) and type(side.value) is int:
                    yield from _plus_minus(src, side, "count")


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str | bytes))


def _arith(src: SourceText, node: ast.BinOp | ast.AugAssign) -> Iterator[Mutation]:
    old = _ARITH_TEXT.get(type(node.op))
    if old is None:
        return
    left = node.left if isinstance(node, ast.BinOp) else node.target
    right = node.right if isinstance(node, ast.BinOp) else node.value
    if old == "+" and (_is_text(left) or _is_text(right)):
        return
    augmented = "=" if isinstance(node, ast.AugAssign) else ""
    where = between(src, left, right, old + augmented)
    if where is None:
        return
    for alt in _ARITH_ALTERNATIVES[old]:
        kind = "div" if {old, alt} == {"/", "//"} else "arith"
        yield Mutation(node.lineno, node.col_offset, kind, ((*where, alt + augmented),),
                       f"changed '{old}{augmented}' to '{alt}{augmented}'")


def _boolop(src: SourceText, node: ast.BoolOp) -> Iterator[Mutation]:
    old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
    splices = []
    for left, right in zip(node.values, node.values[1:], strict=False):
        where = between(src, left, right, old)
        if where is None:
            return
        splices.append((*where, new))
    yield Mutation(node.lineno, node.col_offset, "boolop", tuple(splices),
                   f"changed '{old}' to '{new}'")


def _negate(src: SourceText, test: ast.expr) -> Iterator[Mutation]:
    start, end = src.span(test)
    yield Mutation(test.lineno, test.col_offset, "negate", ((start, end, negated(src, test)),),
                   f"negated condition '{src.segment(test)}'")


def _call(src: SourceText, node: ast.Call) -> Iterator[Mutation]:
    name = node.func.id if isinstance(node.func, ast.Name) else ""
    args = node.args
    if name in ("min", "max"):
        new = "max" if name == "min" else "min"
        start, end = src.span(node.func)
        yield Mutation(node.lineno, node.col_offset, "minmax", ((start, end, new),),
                       f"changed '{name}' to '{new}'")
    if name == "range" and args and not any(isinstance(a, ast.Starred) for a in args):
        if len(args) == 1:
            start, end = src.span(args[0])
            text = src.segment(args[0])
            yield Mutation(node.lineno, node.col_offset, "range", ((start, end, f"1, {text}"),),
                           f"changed 'range({text})' to 'range(1, {text})'")
        for i, arg in enumerate(args[:2]):
            yield from _plus_minus(src, arg, "range start" if len(args) > 1 and i == 0
                                   else "range bound")
    positional = [a for a in args if not isinstance(a, ast.Starred)]
    if len(positional) == len(args) and 2 <= len(args) <= 4 and name != "range":
        pairs = list(zip(range(len(args)), range(1, len(args)), strict=False))
        if len(args) > 2:
            pairs.append((0, len(args) - 1))
        for i, j in pairs:
            a, b = src.span(args[i]), src.span(args[j])
            ta, tb = src.segment(args[i]), src.segment(args[j])
            if ta == tb:
                continue
            plain = all(isinstance(args[k], ast.Name | ast.Attribute) for k in (i, j))
            yield Mutation(node.lineno, node.col_offset, "swap_args",
                           ((*a, tb), (*b, ta)), f"swapped arguments '{ta}' and '{tb}'",
                           1.4 if plain else 0.6)


def _subscript(src: SourceText, node: ast.Subscript) -> Iterator[Mutation]:
    index = node.slice
    if isinstance(index, ast.Slice):
        for part, what in ((index.lower, "slice start"), (index.upper, "slice end")):
            if part is not None:
                yield from _plus_minus(src, part, what)
    elif not (isinstance(index, ast.Constant) and isinstance(index.value, str)):
        if isinstance(index, ast.Tuple | ast.Slice) or _is_text(index):
            return
        yield from _plus_minus(src, index, "index")


def _locals(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Names bound in the function, the latest binding first, parameters last."""
    seen: list[str] = []
    for node in ast.walk(fn):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.For | ast.comprehension):
            targets = [node.target]
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and isinstance(name.ctx, ast.Store):
                    seen.append(name.id)
    ordered = list(dict.fromkeys(reversed(seen)))
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
    return ordered + [p for p in params if p not in ordered and p not in ("self", "cls")]


def _falls_through(body: list[ast.stmt]) -> bool:
    last = body[-1]
    if isinstance(last, ast.Return | ast.Raise | ast.Continue | ast.Break):
        return False
    if isinstance(last, ast.If):
        return _falls_through(last.body) or not last.orelse or _falls_through(last.orelse)
    return not (isinstance(last, ast.Expr) and isinstance(last.value, ast.Constant))


def _add_return(src: SourceText, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[Mutation]:
    if fn.name.startswith("__") or not _falls_through(fn.body):
        return
    returns_value = any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(fn))
    has_yield = any(isinstance(n, ast.Yield | ast.YieldFrom) for n in ast.walk(fn))
    if has_yield:
        return
    last = fn.body[-1]
    indent = src.indent_of(fn.body[0].lineno)
    at = src.line_end(last.end_lineno or last.lineno)
    bare_return = any(isinstance(n, ast.Return) and n.value is None for n in ast.walk(fn))
    if bare_return and not returns_value:
        return
    # a function that returns nothing at all, yet is under test, most likely forgot to
    weight = 1.0 if returns_value else 1.5
    for name in _locals(fn)[:4]:
        yield Mutation(last.end_lineno or last.lineno, 0, "return",
                       ((at, at, f"\n{indent}return {name}"),),
                       f"added 'return {name}' at the end", weight)


_OUTER: dict[int, tuple[ast.Module, dict[int, tuple[ast.ClassDef | None, tuple[ast.AST, ...]]]]] = {}


def _outer(module: ast.Module | None, fn: ast.AST) -> tuple[ast.ClassDef | None, tuple[ast.AST, ...]]:
    """The class whose body holds ``fn`` and the functions around it, outermost first: one
    walk per module tree (kept for the last few), not one per function searched."""
    kept = _OUTER.get(id(module)) if module is not None else None
    if module is not None and (kept is None or kept[0] is not module):
        index: dict[int, tuple[ast.ClassDef | None, tuple[ast.AST, ...]]] = {}

        def visit(body: list[ast.stmt], cls: ast.ClassDef | None, outer: tuple[ast.AST, ...]) -> None:
            for node in body:
                index[id(node)] = (cls, outer)
                inner = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]
                visit(inner, node if isinstance(node, ast.ClassDef) else None, (*outer, node)
                      if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else outer)

        visit(module.body, None, ())
        while len(_OUTER) >= 4:
            _OUTER.pop(next(iter(_OUTER)))
        kept = _OUTER[id(module)] = (module, index)
    return kept[1].get(id(fn), (None, ())) if kept is not None else (None, ())


def _module_defs(module: ast.Module | None, cls: ast.ClassDef | None
                 ) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    defs = {}
    for holder in (module, cls):
        for node in holder.body if holder is not None else ():
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                defs[node.name] = node
    return defs


def mutations_of(src: SourceText, fn: ast.FunctionDef | ast.AsyncFunctionDef,
                 module: ast.Module | None = None,
                 imported: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] | None = None,
                 ) -> list[Mutation]:
    """Every mutation of the function's own body, its lambdas included (nested functions are
    visited separately).

    ``module`` (the tree ``fn`` belongs to) lets operators use the enclosing class's attributes
    and methods and the module's functions; without it they use the function alone.
    ``imported``: project functions the module imports by name (their signatures say which
    forgotten arguments a call could pass).
    """

    cls, outer = _outer(module, fn)
    defs = _module_defs(module, cls)
    methods = {name: len(d.args.args) for name, d in defs.items()} if cls else {}
    callable_defs = {**(imported or {}), **defs}
    scope = scopes.scope_names(fn)
    closure = {name: bound for parent in outer for name, bound in scopes.scope_names(parent).items()}
    closure.update(scope)  # what a call here can still pass (the nearest binding last)
    dead = scopes.dead_names(fn)
    dropped = scopes.dead_stores(fn, dead)
    forgotten_value = dead | scopes.unread_last(fn)  # what a call may have forgotten to pass
    seen_at = scopes.name_lines(fn)
    attrs = scopes.class_attributes(cls)
    literals = ops.function_literals(fn, src)
    literal_at = ops.literal_lines(fn, src)
    keyed = ops.keyword_keys(fn)
    calls = [n for n in ast.walk(fn) if isinstance(n, ast.Call)]
    unused = (forgotten.unused_definitions(module) if module is not None and any(
        forgotten.keyword_style(c) for c in calls) else [])
    local = {name for name, (line, _kind) in scope.items() if line < fn.body[0].lineno}
    bound_at = {name: line for name, (line, _kind) in scope.items()}
    found: list[Mutation] = []
    stack: list[ast.AST] = list(fn.body)
    bodies: list[list[ast.stmt]] = [fn.body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if isinstance(node, ast.Lambda):  # no function of its own: its body is searched here
            stack.append(node.body)
            continue
        if ops.negative_number(node):  # one literal: not a minus and a constant
            found.extend(ops.replace_literal(src, node, literals, seen_at=literal_at))
            continue
        stack.extend(c for c in ast.iter_child_nodes(node)
                     if not (isinstance(node, ast.AnnAssign) and c is node.annotation))
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(node, ast.stmt) and isinstance(block, list) and block and isinstance(
                    block[0], ast.stmt):
                bodies.append(block)
        if isinstance(node, ast.Compare):
            found.extend(_compare(src, node))
            found.extend(ops.swap_identity(src, node))
            for side in (node.left, *node.comparators):
                if not isinstance(side, ast.Call):
                    found.extend(ops.wrap_value(src, side, "operand"))
        elif isinstance(node, ast.BinOp | ast.AugAssign):
            found.extend(_arith(src, node))
            found.extend(ex.bitwise(src, node))
            if isinstance(node, ast.BinOp):
                found.extend(ex.swap_operands(src, node))
            if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub)
                    and isinstance(node.right, ast.Constant) and node.right.value in (1, 2)):
                found.extend(_plus_minus(src, node, "offset"))  # ``n - 1`` computed anywhere
        elif isinstance(node, ast.BoolOp):
            found.extend(_boolop(src, node))
            found.extend(st.negate_operand(src, node))
        elif isinstance(node, ast.Call):
            found.extend(_call(src, node))
            found.extend(ex.twin_builtin(src, node))
            found.extend(ops.replace_method(src, node, methods))
            found.extend(ops.change_arguments(src, node, closure, callable_defs, forgotten_value,
                                              calls))
            found.extend(forgotten.pass_forgotten(src, node, unused))
        elif isinstance(node, ast.Subscript):
            if ops.numeric_index(node, scope):
                found.extend(_subscript(src, node))
            found.extend(ops.slice_bounds(src, node))
        elif isinstance(node, ast.Name):
            found.extend(ops.replace_name(src, fn, node, scope, dropped, seen_at))
        elif isinstance(node, ast.Attribute):
            found.extend(ops.replace_attribute(src, node, attrs))
        elif isinstance(node, ast.Constant) and not _is_docstring(fn, node):
            found.extend(ops.replace_literal(src, node, literals, keyed.get(id(node)), literal_at))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            found.extend(st.drop_not(src, node))
        if isinstance(node, ast.For):
            found.extend(ops.wrap_value(src, node.iter, "iterable"))
        if isinstance(node, ast.If | ast.While | ast.IfExp):
            found.extend(_negate(src, node.test))
            found.extend(st.clauses(src, fn, node.test))
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Name | ast.Attribute):
            found.extend(ops.wrap_value(src, node.value, "value"))
        if isinstance(node, ast.stmt):
            before = local | {n for n, line in bound_at.items() if line < node.lineno}
            found.extend(st.assign_kind(src, node, before))
            found.extend(st.guard_statement(src, node, before))
            found.extend(st.forgotten_raise(src, node))
            found.extend(st.lost_attribute(src, node, dropped, attrs))
    for body in bodies:
        for stmt in body:
            found.extend(st.delete_statement(src, body, stmt, bound_at))
    found.extend(_add_return(src, fn))
    found.extend(_defaults(src, fn, literals, literal_at))
    found.extend(upd.fill_collections(src, fn))
    found.extend(upd.advance_loops(src, fn, module))
    found.extend(upd.copy_aliases(src, fn))
    found.extend(blocks.move_across_blocks(src, fn))
    found.extend(st.early_return(src, fn))
    return found


def _defaults(src: SourceText, fn: ast.FunctionDef | ast.AsyncFunctionDef,
              literals: dict[str, list[str]], literal_at: dict[str, list[int]]
              ) -> Iterator[Mutation]:
    """A parameter's literal default replaced, scored where the function's body starts: the
    default is read when the function runs, though the ``def`` line runs at import."""
    body = fn.body[0].lineno
    for node in (*fn.args.defaults, *(d for d in fn.args.kw_defaults if d is not None)):
        if isinstance(node, ast.Constant) or ops.negative_number(node):
            for mutation in ops.replace_literal(src, node, literals, seen_at=literal_at):
                yield dataclasses.replace(mutation, line=body, description=(
                    f"{mutation.description} (a default)"))


def _is_docstring(fn: ast.AST, node: ast.Constant) -> bool:
    body = getattr(fn, "body", [])
    return bool(body) and isinstance(body[0], ast.Expr) and body[0].value is node


__all__ = ["KIND_RANK", "PRIOR", "Mutation", "SourceText", "between", "mutations_of", "wrap"]
