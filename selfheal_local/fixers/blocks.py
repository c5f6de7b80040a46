"""A statement at the wrong depth: Python's own slip, where indentation is the block.

``return total`` indented into the loop returns after the first item; ``count += 1`` left
after the loop counts once. The operators move one single-line statement across the end of
the block it closes or follows: the last statement of a loop, ``if`` or ``with`` out to the
block's own depth, and the statement right after such a block into its body.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from .mutants import Mutation, SourceText

MOVABLE = (ast.Return, ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Break,
           ast.Continue, ast.Raise)
BLOCKS = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith)


def _single_line(src: SourceText, stmt: ast.stmt) -> bool:
    if (stmt.end_lineno or stmt.lineno) != stmt.lineno:
        return False
    line = src.lines[stmt.lineno - 1]
    return line[:len(line) - len(line.lstrip())] == line[:stmt.col_offset] and ";" not in line


def _plain(block: ast.stmt) -> bool:
    """A block with one body and nothing after it (no ``else``), on lines of its own."""
    return isinstance(block, BLOCKS) and not getattr(block, "orelse", None) and bool(
        block.body) and block.body[0].lineno > block.lineno


def _reindent(src: SourceText, stmt: ast.stmt, indent: str) -> tuple[int, int, str]:
    start = src.starts[stmt.lineno - 1]
    old = src.indent_of(stmt.lineno)
    return (start, start + len(old), indent)


def _bodies(fn: ast.AST) -> Iterator[list[ast.stmt]]:
    stack: list[ast.AST] = [fn]
    while stack:
        node = stack.pop()
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield block
                stack.extend(s for s in block if not isinstance(
                    s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef))
        for handler in getattr(node, "handlers", []):
            yield handler.body
            stack.extend(handler.body)


def move_across_blocks(src: SourceText, fn: ast.AST) -> Iterator[Mutation]:
    """Dedent the last statement of a plain block out of it (it is not the block's only one);
    indent the statement right after a plain block into its body."""
    for body in _bodies(fn):
        for i, block in enumerate(body):
            if not _plain(block):
                continue
            outer = src.indent_of(block.lineno)
            inner = src.indent_of(block.body[0].lineno)
            last = block.body[-1]
            if (len(block.body) > 1 and isinstance(last, MOVABLE) and _single_line(src, last)
                    and src.indent_of(last.lineno) == inner):
                yield Mutation(last.lineno, last.col_offset, "indent",
                               (_reindent(src, last, outer),),
                               f"moved line {last.lineno} out of the block on line {block.lineno}")
            after = body[i + 1] if i + 1 < len(body) else None
            if (after is not None and isinstance(after, MOVABLE) and _single_line(src, after)
                    and isinstance(last, (*MOVABLE, *BLOCKS)) and not isinstance(
                        last, ast.Return | ast.Raise | ast.Break | ast.Continue)):
                yield Mutation(after.lineno, after.col_offset, "indent",
                               (_reindent(src, after, inner),),
                               f"moved line {after.lineno} into the block on line {block.lineno}")


__all__ = ["move_across_blocks"]
