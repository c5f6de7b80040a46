"""What a mutation is (character splices) and the source-text helpers every operator uses.

Kept apart from the operator modules (``mutations``, ``operators``, ``statements``) so that each
of them imports this one and none imports another.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_OP_RE = {op: re.compile(r"(?<![<>=!/*])" + re.escape(op) + r"(?![<>=/*])") for op in
          ["<", "<=", ">", ">=", "==", "!=", "+", "-", "*", "/", "//", "+=", "-=", "*=", "/=",
           "//=", "%", "%=", "^", "&", "|", "<<", ">>", "**", "^=", "&=", "|=", "<<=", ">>=",
           "**="]}
_OP_RE["="] = re.compile(r"(?<![<>=!/*+\-%&|^@:])=(?!=)")
_SIMPLE = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant)


@dataclass(frozen=True)
class Mutation:
    """One candidate change: splices ``(start, end, replacement)`` in character offsets."""

    line: int
    col: int
    kind: str
    splices: tuple[tuple[int, int, str], ...]
    description: str
    weight: float = 1.0
    """Multiplies the kind's prior: how likely this particular instance is a fix (an argument
    swap of two plain names is likelier than one with a literal, a ``return`` added to a
    function that never returns anything likelier than one added after other returns)."""

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


def between(src: SourceText, left: ast.AST, right: ast.AST, op: str) -> tuple[int, int] | None:
    """Offsets of the one ``op`` token between two operands (None when ambiguous)."""
    start = src.offset(left.end_lineno or left.lineno, left.end_col_offset or 0)
    end = src.offset(right.lineno, right.col_offset)
    gap = src.text[start:end]
    matches = list(_OP_RE[op].finditer(gap)) if op in _OP_RE else list(
        re.finditer(r"\b" + op + r"\b", gap))
    if len(matches) != 1 or "#" in gap:
        return None
    return (start + matches[0].start(), start + matches[0].end())


def argument_slot(src: SourceText, node: ast.Call) -> tuple[int, str] | None:
    """Where a new argument goes in ``node`` (the offset of its closing parenthesis) and the
    separator before it (none for a call without arguments, no second comma after a trailing
    one); None when the call does not end in a parenthesis there."""
    at = src.offset(node.end_lineno or node.lineno, (node.end_col_offset or 1) - 1)
    if src.text[at:at + 1] != ")":
        return None
    if not (node.args or node.keywords):
        return at, ""
    return at, " " if src.text[:at].rstrip().endswith(",") else ", "


def wrap(src: SourceText, node: ast.expr) -> str:
    text = src.segment(node)
    return text if isinstance(node, _SIMPLE) else f"({text})"


def negated(src: SourceText, node: ast.expr) -> str:
    """``node`` negated as people write it: ``not x`` loses its ``not``, else ``not (…)``."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return wrap(src, node.operand)
    return f"not {wrap(src, node)}"


__all__ = ["Mutation", "SourceText", "argument_slot", "between", "negated", "wrap"]
