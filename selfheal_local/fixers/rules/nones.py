"""``None`` where a value is needed: default the ``.get()``, ``x or 0``, or guard the branch.

The message says how the ``None`` was used (an operand, subscripted, iterated, measured,
converted, an attribute read); the expressions on the failing line used that way are the
suspects. For each, likeliest first: a default where the ``None`` comes from ``.get()``, an
``or`` fallback of the type the use needs, a default for an optional parameter, and an early
``continue`` / ``return`` guard. The tests choose.
"""

from __future__ import annotations

import ast
import logging
import re

from selfheal_local.fixers.base import Site, rule
from selfheal_local.fixers.textedit import (
    build_patches,
    enclosing_statement,
    guards_before,
    node_text,
    parent_map,
    replace_spans,
)
from selfheal_local.project import Project
from selfheal_local.types import Patch

log = logging.getLogger(__name__)

_OPERAND = re.compile(r"unsupported operand type\(s\) for (?P<op>\S+?)(?: or pow\(\))?: "
                      r"'(?P<left>[\w.]+)' and '(?P<right>[\w.]+)'")
_USES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("subscript", re.compile(r"'NoneType' object is not subscriptable")),
    ("iterate", re.compile(r"'NoneType' object is not iterable|argument of type 'NoneType' is "
                           r"not iterable")),
    ("len", re.compile(r"object of type 'NoneType' has no len\(\)")),
    ("attribute", re.compile(r"'NoneType' object has no attribute '(?P<attr>\w+)'")),
    ("convert", re.compile(r"(?:conversion from NoneType|argument must be .*not 'NoneType')")),
)
_FILLS = {"int": "0", "float": "0.0", "str": '""', "list": "[]", "tuple": "()", "dict": "{}",
          "decimal.Decimal": "0", "Decimal": "0", "bytes": 'b""', "set": "set()"}
_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
        ast.Mod: "%", ast.Pow: "**"}
_ITERATING = frozenset({"list", "sorted", "set", "tuple", "sum", "enumerate", "zip", "min",
                        "max", "any", "all", "dict", "reversed", "join", "extend", "update"})
_IMMUTABLE = frozenset({"0", "0.0", '""', "()", 'b""', "False"})


def _on_line(node: ast.AST, line: int) -> bool:
    return node.lineno <= line <= (getattr(node, "end_lineno", None) or node.lineno)


def _operands(tree: ast.Module, line: int, match: re.Match[str]) -> list[tuple[ast.expr, str]]:
    none_left = match["left"] == "NoneType"
    other = match["right"] if none_left else match["left"]
    op = match["op"].rstrip("=")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and _on_line(node, line) and _OPS.get(type(node.op)) == op:
            found.append((node.left if none_left else node.right, _FILLS.get(other, "0")))
        elif isinstance(node, ast.AugAssign) and _on_line(node, line) and not none_left:
            found.append((node.value, _FILLS.get(other, "0")))
        elif isinstance(node, ast.AugAssign) and _on_line(node, line):
            found.append((node.target, _FILLS.get(other, "0")))
    return found


def _attribute_fill(attr: str) -> str:
    for kind, fill in ((str, '""'), (list, "[]"), (dict, "{}")):
        if hasattr(kind, attr):
            return fill
    return ""


def _used(tree: ast.Module, line: int, use: str, match: re.Match[str]) -> list[tuple[ast.expr, str]]:
    """``(expression, fallback)`` for each expression on ``line`` used the way the message says."""
    found: list[tuple[ast.expr, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.For | ast.comprehension):
            if use == "iterate" and _on_line(node.iter, line):
                found.append((node.iter, "[]"))
            continue
        if not isinstance(node, ast.expr) or not _on_line(node, line):
            continue
        if use == "subscript" and isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            fill = "{}" if isinstance(node.slice, ast.Constant) and \
                isinstance(node.slice.value, str) else "[]"
            found.append((node.value, fill))
        elif use == "iterate" and isinstance(node, ast.Compare) and \
                isinstance(node.ops[0], ast.In | ast.NotIn):
            found.append((node.comparators[0], "[]"))
        elif use in ("iterate", "len", "convert") and isinstance(node, ast.Call) and node.args:
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            wanted = {"iterate": _ITERATING, "len": {"len"},
                      "convert": {"int", "float", "Decimal", "round", "abs"}}[use]
            if name in wanted:
                found.append((node.args[0], "[]" if use != "convert" else "0"))
        elif use == "attribute" and isinstance(node, ast.Attribute) and node.attr == match["attr"]:
            found.append((node.value, _attribute_fill(node.attr)))
    return [(expr, fill) for expr, fill in found if not isinstance(
        expr, ast.Constant | ast.List | ast.Dict | ast.Tuple | ast.JoinedStr | ast.ListComp)]


def suspects(site: Site) -> list[tuple[ast.expr, str, str]]:
    """``(expression, fallback, use)`` for each expression on the failing line that may be None."""
    message, tree, line = site.message, site.tree, site.line
    match = _OPERAND.search(message)
    if match and "NoneType" in (match["left"], match["right"]):
        return [(e, f, "operand") for e, f in _operands(tree, line, match)]
    for use, regex in _USES:
        match = regex.search(message)
        if match:
            return [(e, f, use) for e, f in _used(tree, line, use, match)]
    return []


# --- the candidate edits ------------------------------------------------------------------

def _get_call(node: ast.expr) -> ast.Call | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            node.func.attr == "get" and len(node.args) == 1 and not node.keywords:
        return node
    return None


def _source_get(fn: ast.AST | None, expr: ast.expr) -> ast.Call | None:
    """The ``d.get(k)`` the expression is, or the one its name was last assigned from."""
    direct = _get_call(expr)
    if direct is not None or fn is None or not isinstance(expr, ast.Name):
        return direct
    assigned = [n.value for n in ast.walk(fn) if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == expr.id for t in n.targets)
                and n.lineno < expr.lineno]
    return _get_call(assigned[-1]) if assigned else None


def _get_default(text: str, get: ast.Call, fill: str) -> tuple[str, str]:
    key = get.args[0]
    new = replace_spans(text, [(key.end_lineno, key.end_col_offset, key.end_lineno,
                                key.end_col_offset, f", {fill}")])
    return new, f"gave '{node_text(text, get)}' the default {fill}"


def _or_fallback(text: str, expr: ast.expr, fill: str, parents: dict[int, ast.AST]) -> tuple[str, str]:
    src = node_text(text, expr)
    parent = parents.get(id(expr))
    bare = isinstance(parent, ast.For | ast.comprehension | ast.Call) and expr is not getattr(
        parent, "func", None)
    new_src = f"{src} or {fill}" if bare else f"({src} or {fill})"
    new = replace_spans(text, [(expr.lineno, expr.col_offset, expr.end_lineno,
                                expr.end_col_offset, new_src)])
    return new, f"used {fill} when '{src}' is None ({new_src})"


def _param_default(text: str, fn: ast.AST | None, expr: ast.expr, fill: str) -> list[tuple[str, str]]:
    if fn is None or not isinstance(expr, ast.Name) or fill not in _IMMUTABLE:
        return []
    args = fn.args
    pairs = list(zip(args.args[len(args.args) - len(args.defaults):], args.defaults, strict=True))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d]
    for arg, default in pairs:
        if arg.arg == expr.id and isinstance(default, ast.Constant) and default.value is None:
            new = replace_spans(text, [(default.lineno, default.col_offset, default.end_lineno,
                                        default.end_col_offset, fill)])
            return [(new, f"changed the default of parameter '{arg.arg}' from None to {fill}")]
    return []


def _guards(site: Site, expr: ast.expr, fill: str) -> list[tuple[str, str]]:
    if not isinstance(expr, ast.Name | ast.Attribute) or any(
            isinstance(n, ast.Call) for n in ast.walk(expr)):
        return []
    src, fn = node_text(site.text, expr), site.function
    stmt = enclosing_statement(site.tree, expr)
    in_loop = stmt is not None and fn is not None and any(
        isinstance(n, ast.For | ast.While) and n is not stmt and
        n.body[0].lineno <= stmt.lineno <= (n.end_lineno or n.lineno) for n in ast.walk(fn))
    actions = (["continue"] if in_loop else []) + ["return None"] + ([f"return {fill}"] if fill else [])
    return [(new, f"guarded '{src}' being None ({action})")
            for new, action in guards_before(site, expr, f"{src} is None", actions)]


@rule("type_error", "attribute_error")
def handle_none_value(site: Site, project: Project) -> list[Patch]:
    """A ``None`` where a value is needed: ``.get`` default, ``or`` fallback, default, guard."""
    rel, text, tree = site.path, site.text, site.tree
    found = suspects(site)

    if not found:
        return []
    parents = parent_map(tree)
    fn = site.function
    strong: list[tuple[str, str]] = []
    weak: list[tuple[str, str]] = []
    for expr, fill, use in found:
        get = _source_get(fn, expr)
        if get is not None and fill:
            strong.append(_get_default(text, get, fill))
        fallback = [_or_fallback(text, expr, fill, parents)] if fill and use != "subscript" else []
        guards = _guards(site, expr, '""' if use == "subscript" else fill)
        defaults = _param_default(text, fn, expr, fill)
        if use in ("subscript", "attribute"):
            strong += defaults + guards + fallback
        else:
            strong += fallback + defaults
            weak += guards
    options = [({rel: new}, why) for new, why in strong + weak]
    return build_patches(site, project, options, single=0.85, top=0.8)
