"""``zero_division_error`` rules: a guard before the division; the tests pick what it returns."""

from __future__ import annotations

import ast
import logging

from selfheal_local.fixers.base import Site, rule
from selfheal_local.fixers.textedit import (
    build_patches,
    guards_before,
    node_text,
    replace_spans,
)
from selfheal_local.project import Project
from selfheal_local.types import Patch

log = logging.getLogger(__name__)

_DIVISIONS = (ast.Div, ast.FloorDiv, ast.Mod)


def divisions_on(tree: ast.Module, line: int) -> list[ast.BinOp]:
    """Divisions (``/``, ``//``, ``%`` on numbers) on ``line`` whose divisor is not a literal."""
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.BinOp) and isinstance(node.op, _DIVISIONS)
                and node.lineno <= line <= (node.end_lineno or node.lineno)
                and not isinstance(node.right, ast.Constant)
                and not (isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant)
                         and isinstance(node.left.value, str))):
            found.append(node)
    return found


def zero_condition(text: str, divisor: ast.expr) -> str:
    """The condition under which ``divisor`` is zero, as people write it."""
    if (isinstance(divisor, ast.Call) and isinstance(divisor.func, ast.Name)
            and divisor.func.id == "len" and len(divisor.args) == 1):
        return f"not {node_text(text, divisor.args[0])}"
    src = node_text(text, divisor)
    return f"{src} == 0" if isinstance(divisor, ast.Name | ast.Attribute) else f"({src}) == 0"


def _guard_actions(op: ast.operator, divisor: str) -> dict[str, str]:
    """``{action: how the explanation names it}``, likeliest first."""
    zero = "0.0" if isinstance(op, ast.Div) else "0"
    other = "0" if zero == "0.0" else "0.0"
    returns = [(f"return {v}", f"return {v}") for v in (zero, "None", other)]
    message = f"{divisor} must not be zero".replace('"', "'")
    return dict(returns[:2] + [(f'raise ValueError("{message}")', "raise ValueError")] + returns[2:])


@rule("zero_division_error")
def guard_zero_divisor(site: Site, project: Project) -> list[Patch]:
    """``if not xs: return 0.0`` (or None, 0, or a clear ValueError) before the division."""
    rel, text = site.path, site.text
    options = []
    for division in divisions_on(site.tree, site.line):
        condition = zero_condition(text, division.right)
        divisor = node_text(text, division.right)
        actions = _guard_actions(division.op, divisor)
        for new, action in guards_before(site, division, condition, actions):
            options.append(({rel: new}, f"guarded the division by {divisor} "
                                        f"({actions[action]} when {condition})"))
    return build_patches(site, project, options, top=0.75)


@rule("zero_division_error")
def conditional_division(site: Site, project: Project) -> list[Patch]:
    """``a / b`` -> ``(a / b if b else 0)`` where a guard statement cannot return (loops, lambdas)."""
    rel, text, tree = site.path, site.text, site.tree
    options = []
    for division in divisions_on(tree, site.line):
        src = node_text(text, division)
        condition = zero_condition(text, division.right)
        truthy = condition[4:] if condition.startswith("not ") else \
            condition.removesuffix(" == 0")
        for fallback in ("0", "0.0", "None"):
            new = replace_spans(text, [(division.lineno, division.col_offset, division.end_lineno,
                                        division.end_col_offset,
                                        f"({src} if {truthy} else {fallback})")])
            options.append(({rel: new}, f"divided only when {truthy} is non-zero "
                                        f"(else {fallback})"))
    return build_patches(site, project, options, single=0.6, top=0.6)
