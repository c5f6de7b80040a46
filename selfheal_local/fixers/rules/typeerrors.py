"""``type_error`` rules: str/number concatenation, and the conversions around it."""

from __future__ import annotations

import ast
import logging
import re

from selfheal_local.fixers.base import Site, rule
from selfheal_local.fixers.textedit import (
    build_patches,
    function_at,
    node_text,
    wrap_node,
)
from selfheal_local.project import Project
from selfheal_local.types import Patch

log = logging.getLogger(__name__)

_CONCAT = re.compile(r"can only concatenate str \(not [\"'](?P<type>\w+)[\"']\) to str")
_UNSUPPORTED = re.compile(
    r"unsupported operand type\(s\) for \+=?: '(?P<left>\w+)' and '(?P<right>\w+)'"
)
_NUMERIC_HINT = re.compile(
    r"(^|_)(age|count|n|num|number|total|sum|size|len|length|id|idx|index|year|month|day|"
    r"price|amount|qty|quantity|score|level|port|width|height|i|j|k|x|y|value|cost|rate|"
    r"percent|hours|minutes|seconds|days|points|version|limit|max|min|pid|code)s?($|_)"
)
_STR_HINT = re.compile(r"(^|_)(name|text|msg|message|label|title|prefix|suffix|s|str|string|"
                       r"line|word|key|path|url|sep|greeting|header|email|city|word)s?($|_)")
_NUMERIC_CALLS = frozenset({"len", "int", "float", "sum", "round", "abs", "max", "min", "ord",
                            "hash", "id", "count", "index"})
_STR_CALLS = frozenset({"str", "repr", "format", "join", "upper", "lower", "strip", "title",
                        "capitalize", "replace", "chr", "ascii", "lstrip", "rstrip"})


def add_operands(node: ast.expr) -> list[ast.expr]:
    """The operands of a left-nested ``a + b + c`` chain, left to right."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return add_operands(node.left) + [node.right]
    return [node]


def is_stringy(node: ast.expr) -> bool:
    """True when the expression is certainly a str."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return name in _STR_CALLS
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return is_stringy(node.left)
    return False


def _annotation_of(fn: ast.AST | None, name: str) -> str:
    if fn is None:
        return ""
    for arg in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs:
        if arg.arg == name and arg.annotation is not None:
            return ast.unparse(arg.annotation)
    return ""


def _assigned_numeric(fn: ast.AST | None, name: str) -> bool:
    if fn is None:
        return False
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return numeric_score(node.value, None) >= 2
    defaults = fn.args.defaults
    params = fn.args.args[len(fn.args.args) - len(defaults):]
    return any(p.arg == name and isinstance(d, ast.Constant) and isinstance(d.value, int | float)
               and not isinstance(d.value, bool) for p, d in zip(params, defaults, strict=True))


def numeric_score(node: ast.expr, fn: ast.AST | None) -> int:
    """How likely the operand is the number in a str concatenation (higher: likelier)."""
    if isinstance(node, ast.Constant):
        return 3 if isinstance(node.value, int | float) else -3
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return 3 if name in _NUMERIC_CALLS else 0
    if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Add | ast.Mod):
        return 2
    if isinstance(node, ast.Name | ast.Attribute):
        name = node.id if isinstance(node, ast.Name) else node.attr
        annotation = _annotation_of(fn, name) if isinstance(node, ast.Name) else ""
        if annotation in ("int", "float", "Decimal"):
            return 3
        if annotation == "str":
            return -3
        if isinstance(node, ast.Name) and _assigned_numeric(fn, name):
            return 2
        if _NUMERIC_HINT.search(name.lower()):
            return 1
        if _STR_HINT.search(name.lower()):
            return -1
    return 0


def concat_chains(tree: ast.Module, line: int) -> list[ast.BinOp]:
    """Outermost ``+`` chains mixing a str with something else on ``line`` (anywhere when 0)."""
    chains = []
    inner: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and id(node) not in inner:
            for sub in ast.walk(node):
                if sub is not node:
                    inner.add(id(sub))
            if line and not node.lineno <= line <= (node.end_lineno or node.lineno):
                continue
            operands = add_operands(node)
            if any(is_stringy(o) for o in operands) and not all(is_stringy(o) for o in operands):
                chains.append(node)
    return chains


def _augmented(tree: ast.Module, line: int) -> list[ast.AugAssign]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.AugAssign) and isinstance(n.op, ast.Add)
            and (not line or n.lineno <= line <= (n.end_lineno or n.lineno))
            and not is_stringy(n.value)]


@rule("type_error")
def wrap_operand_in_str(site: Site, project: Project) -> list[Patch]:
    """``"Age: " + age`` -> ``"Age: " + str(age)``; each non-str operand a candidate, likeliest first."""
    message = site.message
    if not _CONCAT.search(message):
        return []
    rel, text, tree = site.path, site.text, site.tree
    line = site.line
    chains = concat_chains(tree, line) or (concat_chains(tree, 0) if line else [])
    fn = site.function
    scored: list[tuple[int, int, ast.expr]] = []
    for chain in chains:
        scope = fn or function_at(tree, chain.lineno)
        for position, operand in enumerate(add_operands(chain)):
            if not is_stringy(operand):
                scored.append((-numeric_score(operand, scope), -position, operand))
    for aug in _augmented(tree, line):
        scored.append((-numeric_score(aug.value, fn), 0, aug.value))
    options = []
    for _, _, operand in sorted(scored, key=lambda s: (s[0], s[1])):
        src = node_text(text, operand)
        options.append(({rel: wrap_node(text, operand, "str(", ")")},
                        f"converted '{src}' to str with str() before concatenating"))
    return build_patches(site, project, options, single=0.9, top=0.85)


@rule("type_error")
def convert_mixed_addition(site: Site, project: Project) -> list[Patch]:
    """``1 + "2"``: convert the str side to a number, or the number side to str."""
    message = site.message
    match = _UNSUPPORTED.search(message)
    if not match or "str" not in (match["left"], match["right"]):
        return []
    rel, text, tree = site.path, site.text, site.tree
    line = site.line
    number = match["left"] if match["right"] == "str" else match["right"]
    convert = "float" if number == "float" else "int"
    options = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Add)):
            continue
        if line and not node.lineno <= line <= (node.end_lineno or node.lineno):
            continue
        left = node.left if isinstance(node, ast.BinOp) else node.target
        right = node.value if isinstance(node, ast.AugAssign) else node.right
        str_side, num_side = (right, left) if match["right"] == "str" else (left, right)
        if isinstance(str_side, ast.Constant) and not isinstance(str_side.value, str):
            continue
        if not isinstance(node, ast.AugAssign) or str_side is right:
            options.append(({rel: wrap_node(text, str_side, f"{convert}(", ")")},
                            f"converted '{node_text(text, str_side)}' to {convert} before adding"))
        if not isinstance(node, ast.AugAssign) or num_side is right:
            options.append(({rel: wrap_node(text, num_side, "str(", ")")},
                            f"converted '{node_text(text, num_side)}' to str before concatenating"))
    return build_patches(site, project, options, top=0.75)
