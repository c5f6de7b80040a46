"""Expression operators beyond the arithmetic and comparison flips of ``mutations``: a
bitwise or shift operator confused with its neighbour (``n ^= m`` for ``n &= m``, ``<<`` for
``>>``, ``**`` for ``*``), the operands of an operator that does not commute written the
wrong way round (``total - discount`` for ``discount - total``, ``suffix + text`` for
``text + suffix``), and a function confused with its twin (``any``/``all``,
``math.floor``/``math.ceil``, ``os.path.basename``/``os.path.dirname``).

PraPR's and Astor's catalogues list operator replacement across every binary operator and
operand order among the mutators of real one-line fixes; these are the ones people make in
Python that the other operators cannot reach.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from .mutants import Mutation, SourceText, between, wrap

BITWISE_TEXT = {ast.BitXor: "^", ast.BitAnd: "&", ast.BitOr: "|", ast.LShift: "<<",
                ast.RShift: ">>", ast.Pow: "**"}
BITWISE_ALTERNATIVES = {"^": ("&", "|"), "&": ("|", "^"), "|": ("&", "^"), "<<": (">>",),
                        ">>": ("<<",), "**": ("*",)}
ORDERED = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.LShift, ast.RShift, ast.Add)
"""Operators whose operands do not commute (``+`` joins text and sequences in order)."""
TWINS = {"any": "all", "all": "any", "floor": "ceil", "ceil": "floor", "basename": "dirname",
         "dirname": "basename", "copy": "deepcopy", "deepcopy": "copy", "str": "repr",
         "repr": "str", "isfile": "isdir", "isdir": "isfile"}
"""Functions confused with their twin (builtins, and ``math.``/``os.path.``/``copy.`` ones)."""
RARE_TWINS = {"str": 0.5, "repr": 0.5, "copy": 0.6, "deepcopy": 0.6}
"""Twins called everywhere and rarely the slip: weighed down so they do not crowd the rest."""
TWIN_MODULES = {"math": {"floor", "ceil"}, "copy": {"copy", "deepcopy"},
                "os.path": {"basename", "dirname", "isfile", "isdir"},
                "path": {"basename", "dirname", "isfile", "isdir"}}
"""Which twins a module's functions may be: ``math.floor``, not ``self.floor``."""


def bitwise(src: SourceText, node: ast.BinOp | ast.AugAssign) -> Iterator[Mutation]:
    """``a ^ b`` -> ``a & b`` / ``a | b``, ``<<`` <-> ``>>``, ``**`` -> ``*`` (and their
    augmented forms)."""
    old = BITWISE_TEXT.get(type(node.op))
    if old is None:
        return
    augmented = "=" if isinstance(node, ast.AugAssign) else ""
    left = node.left if isinstance(node, ast.BinOp) else node.target
    right = node.right if isinstance(node, ast.BinOp) else node.value
    where = between(src, left, right, old + augmented)
    if where is None:
        return
    for alt in BITWISE_ALTERNATIVES[old]:
        yield Mutation(node.lineno, node.col_offset, "bitwise", ((*where, alt + augmented),),
                       f"changed '{old}{augmented}' to '{alt}{augmented}'")


def _number(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float, complex)


def swap_operands(src: SourceText, node: ast.BinOp) -> Iterator[Mutation]:
    """``a - b`` -> ``b - a`` for an operator whose operands do not commute; ``+`` only
    between two values that are not both numbers as written (where order is the point)."""
    if not isinstance(node.op, ORDERED):
        return
    left, right = node.left, node.right
    if isinstance(node.op, ast.Add) and (_number(left) or _number(right)):
        return
    a, b = src.span(left), src.span(right)
    ta, tb = src.segment(left), src.segment(right)
    if ta == tb or "\n" in ta or "\n" in tb:
        return
    yield Mutation(node.lineno, node.col_offset, "operands",
                   ((*a, wrap(src, right)), (*b, wrap(src, left))),
                   f"swapped the operands of '{ta} ... {tb}'")


def twin_builtin(src: SourceText, node: ast.Call) -> Iterator[Mutation]:
    """``any(...)`` <-> ``all(...)``, ``math.floor`` <-> ``math.ceil``, ``os.path.basename``
    <-> ``os.path.dirname`` …"""
    func = node.func
    if isinstance(func, ast.Name):
        name = func.id
    elif isinstance(func, ast.Attribute) and func.attr in TWIN_MODULES.get(
            ast.unparse(func.value), ()):
        name = func.attr
    else:
        return
    if name not in TWINS:
        return
    end = src.offset(func.end_lineno or func.lineno, func.end_col_offset or 0)
    start = end - len(name)
    if src.text[start:end] != name:
        return
    yield Mutation(node.lineno, node.col_offset, "builtin", ((start, end, TWINS[name]),),
                   f"changed '{name}' to '{TWINS[name]}'", RARE_TWINS.get(name, 1.0))


__all__ = ["bitwise", "swap_operands", "twin_builtin"]
