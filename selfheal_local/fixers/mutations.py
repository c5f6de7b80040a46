"""Small source mutations of one function: the operators of the mutation search.

Each mutation is a list of text splices computed from ``ast`` positions (which count UTF-8
bytes; ``SourceText`` converts them), so comments and formatting elsewhere stay untouched.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

KIND_RANK: dict[str, int] = {
    "compare": 0, "bound": 1, "range": 1, "boolop": 2, "negate": 3, "arith": 4,
    "minmax": 4, "return": 5, "swap_args": 6,
}
"""Order of mutation kinds at the same distance: the commonest slips first."""

_COMPARE_TEXT = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==",
                 ast.NotEq: "!="}
_COMPARE_ALTERNATIVES = {"<": ("<=", ">", ">="), "<=": ("<", ">=", ">"), ">": (">=", "<", "<="),
                         ">=": (">", "<=", "<"), "==": ("!=",), "!=": ("==",)}
_ARITH_TEXT = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//"}
_ARITH_ALTERNATIVES = {"+": ("-",), "-": ("+",), "*": ("/", "+"), "/": ("//", "*"), "//": ("/",)}
_OP_RE = {op: re.compile(r"(?<![<>=!/*])" + re.escape(op) + r"(?![<>=/*])") for op in
          ["<", "<=", ">", ">=", "==", "!=", "+", "-", "*", "/", "//", "+=", "-=", "*=", "/=",
           "//="]}
_SIMPLE = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant)


@dataclass(frozen=True)
class Mutation:
    """One candidate change: splices ``(start, end, replacement)`` in character offsets."""

    line: int
    col: int
    kind: str
    splices: tuple[tuple[int, int, str], ...]
    description: str

    def apply(self, text: str) -> str:
        for start, end, new in sorted(self.splices, reverse=True):
            text = text[:start] + new + text[end:]
        return text


class SourceText:
    """A module's text with conversions from ``ast`` (line, byte column) to text offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, lineno: int, col_bytes: int) -> int:
        line = self.lines[lineno - 1] if lineno - 1 < len(self.lines) else ""
        col = len(line.encode("utf-8")[:col_bytes].decode("utf-8", errors="ignore"))
        return self.starts[lineno - 1] + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.offset(node.lineno, node.col_offset),
                self.offset(node.end_lineno or node.lineno, node.end_col_offset or 0))

    def segment(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def line_end(self, lineno: int) -> int:
        """Offset just before the newline of ``lineno``."""
        line = self.lines[lineno - 1]
        return self.starts[lineno - 1] + len(line.rstrip("\r\n"))

    def indent_of(self, lineno: int) -> str:
        line = self.lines[lineno - 1]
        return line[: len(line) - len(line.lstrip())]


def _between(src: SourceText, left: ast.AST, right: ast.AST, op: str) -> tuple[int, int] | None:
    """Offsets of the one ``op`` token between two operands (None when ambiguous)."""
    start = src.offset(left.end_lineno or left.lineno, left.end_col_offset or 0)
    end = src.offset(right.lineno, right.col_offset)
    gap = src.text[start:end]
    matches = list(_OP_RE[op].finditer(gap)) if op in _OP_RE else list(
        re.finditer(r"\b" + op + r"\b", gap))
    if len(matches) != 1 or "#" in gap:
        return None
    return (start + matches[0].start(), start + matches[0].end())


def _wrap(src: SourceText, node: ast.expr) -> str:
    text = src.segment(node)
    return text if isinstance(node, _SIMPLE) else f"({text})"


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
    text = _wrap(src, node)
    for suffix in (" + 1", " - 1"):
        yield Mutation(line, col, "bound", ((start, end, text + suffix),),
                       f"changed {what} '{src.segment(node)}' to '{text + suffix}'")


def _compare(src: SourceText, node: ast.Compare) -> Iterator[Mutation]:
    operands = [node.left, *node.comparators]
    for i, op in enumerate(node.ops):
        old = _COMPARE_TEXT.get(type(op))
        where = _between(src, operands[i], operands[i + 1], old) if old else None
        if where is None:
            continue
        for new in _COMPARE_ALTERNATIVES[old]:
            yield Mutation(node.lineno, node.col_offset, "compare", ((*where, new),),
                           f"changed '{old}' to '{new}'")
        for side in (operands[i + 1],) if old in ("<", "<=", ">", ">=") else ():
            yield from _plus_minus(src, side, "bound")


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
    where = _between(src, left, right, old + augmented)
    if where is None:
        return
    for alt in _ARITH_ALTERNATIVES[old]:
        yield Mutation(node.lineno, node.col_offset, "arith", ((*where, alt + augmented),),
                       f"changed '{old}{augmented}' to '{alt}{augmented}'")


def _boolop(src: SourceText, node: ast.BoolOp) -> Iterator[Mutation]:
    old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
    splices = []
    for left, right in zip(node.values, node.values[1:], strict=False):
        where = _between(src, left, right, old)
        if where is None:
            return
        splices.append((*where, new))
    yield Mutation(node.lineno, node.col_offset, "boolop", tuple(splices),
                   f"changed '{old}' to '{new}'")


def _negate(src: SourceText, test: ast.expr) -> Iterator[Mutation]:
    start, end = src.span(test)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        new = _wrap(src, test.operand)
    else:
        new = f"not {_wrap(src, test)}"
    yield Mutation(test.lineno, test.col_offset, "negate", ((start, end, new),),
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
            yield Mutation(node.lineno, node.col_offset, "swap_args",
                           ((*a, tb), (*b, ta)), f"swapped arguments '{ta}' and '{tb}'")


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
    for name in _locals(fn)[:4]:
        yield Mutation(last.end_lineno or last.lineno, 0, "return",
                       ((at, at, f"\n{indent}return {name}"),),
                       f"added 'return {name}' at the end")


def mutations_of(src: SourceText, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[Mutation]:
    """Every mutation of the function's own body (nested functions are visited separately)."""
    found: list[Mutation] = []
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        stack.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Compare):
            found.extend(_compare(src, node))
        elif isinstance(node, ast.BinOp | ast.AugAssign):
            found.extend(_arith(src, node))
            if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub)
                    and isinstance(node.right, ast.Constant) and node.right.value in (1, 2)):
                found.extend(_plus_minus(src, node, "offset"))  # ``n - 1`` computed anywhere
        elif isinstance(node, ast.BoolOp):
            found.extend(_boolop(src, node))
        elif isinstance(node, ast.Call):
            found.extend(_call(src, node))
        elif isinstance(node, ast.Subscript):
            found.extend(_subscript(src, node))
        if isinstance(node, ast.If | ast.While | ast.IfExp):
            found.extend(_negate(src, node.test))
    found.extend(_add_return(src, fn))
    return found


__all__ = ["KIND_RANK", "Mutation", "SourceText", "mutations_of"]
