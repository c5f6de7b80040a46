"""Control dependence: a condition is as suspicious as the statements it decides.

Spectrum-based ranking scores the statements a failing test ran; the fault is often the
condition that sent it there. ``if name not in table: return spec`` followed by ``return None``:
only the failing tests reach ``return None`` (score 1.0), while the ``if`` line runs in every test
and scores low, although flipping its test is the fix. Each ``if``/``while`` test gets the best
score of what it decides, weighted by ``CONTROL_WEIGHT``: its body and ``else``, and, when its
body always leaves the block (``return``, ``raise``, ``continue``, ``break``), the statements
after it in the same block.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

CONTROL_WEIGHT = 0.8
"""A deciding condition's share of the best score among the statements it decides."""
_EXITS = (ast.Return, ast.Raise, ast.Continue, ast.Break)
_BLOCKS = ("body", "orelse", "finalbody")


def _exits(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], _EXITS)


def _best(stmts: list[ast.stmt], scores: Mapping[int, float]) -> float:
    return max((score for stmt in stmts
                for line in range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1)
                if (score := scores.get(line, 0.0)) > 0), default=0.0)


def condition_scores(fn: ast.AST, scores: Mapping[int, float]) -> dict[int, float]:
    """line of a condition in ``fn`` -> CONTROL_WEIGHT x the best score it decides."""
    out: dict[int, float] = {}

    def visit(body: list[ast.stmt]) -> None:
        for i, stmt in enumerate(body):
            if isinstance(stmt, ast.If | ast.While):
                decided = [*stmt.body, *stmt.orelse]
                if _exits(stmt.body) and not stmt.orelse:
                    decided += body[i + 1:]
                best = CONTROL_WEIGHT * _best(decided, scores)
                for line in range(stmt.test.lineno, (stmt.test.end_lineno or stmt.lineno) + 1):
                    if best > out.get(line, 0.0):
                        out[line] = best
            for block in _BLOCKS:
                inner = getattr(stmt, block, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    visit(inner)
            for handler in getattr(stmt, "handlers", ()):
                visit(handler.body)

    visit(getattr(fn, "body", []))
    return out


__all__ = ["CONTROL_WEIGHT", "condition_scores"]
