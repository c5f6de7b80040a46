"""``type_error`` rules for values of the wrong kind: Decimal with float, a number or a method
where a sequence belongs, a view or generator where a list belongs, and ``%`` formatting.
"""

from __future__ import annotations

import ast
import logging
import re

from selfheal_local.fixers.base import Site, given, rule
from selfheal_local.fixers.rules.nones import _OPERAND, _OPS
from selfheal_local.fixers.textedit import (
    add_import,
    build_patches,
    names_in_scope,
    node_text,
    parent_map,
    replace_spans,
)
from selfheal_local.project import Project
from selfheal_local.types import Patch

log = logging.getLogger(__name__)

_NOT_ITERABLE = re.compile(r"'(?P<type>[\w.]+)' object is not iterable")
_NOT_SUBSCRIPTABLE = re.compile(r"'(?P<type>[\w.]+)' object is not subscriptable")
_NO_LEN = re.compile(r"object of type '(?P<type>[\w.]+)' has no len\(\)")
_FLOAT_TO_DECIMAL = re.compile(r"conversion from float to Decimal is not supported")
_CALLABLES = frozenset({"method", "function", "builtin_function_or_method", "method-wrapper"})
_LAZY = frozenset({"dict_keys", "dict_values", "dict_items", "set", "frozenset", "map", "filter",
                   "zip", "generator", "itertools.chain", "reversed", "enumerate",
                   "odict_keys", "odict_values", "odict_items"})
_DIRECTIVE = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsab%]")


def _typed(regex: re.Pattern[str], *, none_too: bool = False):
    """An extractor for ``given``: the message's match naming the offending type (None's aside)."""

    def extract(site: Site, project: Project) -> re.Match[str] | None:
        match = regex.search(site.message)
        return match if match and (none_too or match["type"] != "NoneType") else None

    return extract


def _on_line(node: ast.AST, line: int) -> bool:
    return node.lineno <= line <= (getattr(node, "end_lineno", None) or node.lineno)


def _replace(text: str, node: ast.AST, new: str) -> str:
    return replace_spans(text, [(node.lineno, node.col_offset, node.end_lineno,
                                 node.end_col_offset, new)])


# --- Decimal and float ----------------------------------------------------------------------

def _decimal_name(tree: ast.Module, line: int) -> tuple[str, bool]:
    """How ``Decimal`` is spelled at ``line``, and whether it needs an import."""
    scope = names_in_scope(tree, line)
    if "Decimal" in scope:
        return "Decimal", False
    if scope.get("decimal") == "import":
        return "decimal.Decimal", False
    return "Decimal", True


def _as_decimal(text: str, node: ast.expr, name: str) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, float):
        return f'{name}("{node_text(text, node)}")'
    return f"{name}(str({node_text(text, node)}))"


def _float_assignment(fn: ast.AST | None, node: ast.expr) -> ast.Constant | None:
    """The float literal a name was last set to before ``node`` (``total = 0.0``)."""
    if fn is None or not isinstance(node, ast.Name):
        return None
    values = [n.value for n in ast.walk(fn) if isinstance(n, ast.Assign) and n.lineno < node.lineno
              and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)]
    last = values[-1] if values else None
    return last if isinstance(last, ast.Constant) and isinstance(last.value, float) else None


@rule("type_error")
def decimal_from_str(site: Site, project: Project) -> list[Patch]:
    """``Decimal + float``: make the float a ``Decimal(str(x))`` (or the Decimal a float)."""
    message = site.message
    match = _OPERAND.search(message)
    if not (match or _FLOAT_TO_DECIMAL.search(message)):
        return []
    rel, text, tree, line = site.path, site.text, site.tree, site.line
    name, needs_import = _decimal_name(tree, line)
    fn = site.function
    pairs: list[tuple[ast.expr, ast.expr | None]] = []  # (float side, Decimal side)
    if match and {match["left"], match["right"]} == {"decimal.Decimal", "float"}:
        float_left, op = match["left"] == "float", match["op"].rstrip("=")
        for node in ast.walk(tree):
            if isinstance(node, ast.BinOp) and _on_line(node, line) and _OPS.get(type(node.op)) == op:
                pairs.append((node.left, node.right) if float_left else (node.right, node.left))
            elif isinstance(node, ast.AugAssign) and _on_line(node, line):
                pairs.append((node.target, None) if float_left else (node.value, None))
    elif not match:
        pairs = [(arg, None) for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and _on_line(node, line) for arg in node.args
                 if isinstance(arg, ast.Constant) and isinstance(arg.value, float)]
    options = []
    for float_side, decimal_side in pairs:
        literal = _float_assignment(fn, float_side)
        spot = literal if literal is not None else float_side
        if isinstance(spot, ast.Name | ast.Attribute | ast.Constant | ast.Call | ast.Subscript | ast.BinOp):
            new = _replace(text, spot, _as_decimal(text, spot, name))
            new = add_import(new, "from decimal import Decimal") if needs_import else new
            options.append(({rel: new}, f"made '{node_text(text, spot)}' a Decimal "
                                        f"({_as_decimal(text, spot, name)}) instead of a float"))
        if decimal_side is not None:
            options.append(({rel: _replace(text, decimal_side,
                                           f"float({node_text(text, decimal_side)})")},
                            f"converted '{node_text(text, decimal_side)}' to float"))
    return build_patches(site, project, options, single=0.9, top=0.85)


# --- not iterable, not subscriptable, no len() ------------------------------------------------

def _iterables(tree: ast.Module, line: int) -> list[ast.expr]:
    return [n.iter for n in ast.walk(tree) if isinstance(n, ast.For | ast.comprehension)
            and _on_line(n.iter, line)]


def _subscripted(tree: ast.Module, line: int) -> list[ast.Subscript]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Subscript)
            and isinstance(n.ctx, ast.Load) and _on_line(n, line)]


@rule("type_error")
@given(_typed(_NOT_ITERABLE))
def make_iterable(site: Site, project: Project, match: re.Match[str]) -> list[Patch]:
    """``for i in n`` -> ``range(n)`` or ``range(1, n + 1)``; ``for k in d.keys`` -> ``d.keys()``."""
    rel, text, tree, line = site.path, site.text, site.tree, site.line
    options = []
    for node in _iterables(tree, line):
        src = node_text(text, node)
        if match["type"] in ("int", "float"):
            inner = f"int({src})" if match["type"] == "float" else src
            options.append(({rel: _replace(text, node, f"range({inner})")},
                            f"iterated over range({inner}) instead of the number '{src}'"))
            options.append(({rel: _replace(text, node, f"range(1, {inner} + 1)")},
                            f"counted 1..{inner} with range(1, {inner} + 1) instead of "
                            f"iterating over the number '{src}'"))
        elif match["type"] in _CALLABLES and not isinstance(node, ast.Call):
            options.append(({rel: _replace(text, node, f"{src}()")},
                            f"called '{src}()' before iterating over it"))
    return build_patches(site, project, options, single=0.9, top=0.85)


@rule("type_error")
@given(_typed(_NOT_SUBSCRIPTABLE, none_too=True))
def make_subscriptable(site: Site, project: Project, match: re.Match[str]) -> list[Patch]:
    """``obj.items[0]`` -> ``obj.items()[0]`` or ``obj.items(0)``; ``d.keys()[0]`` -> ``list(...)``."""
    rel, text, tree, line = site.path, site.text, site.tree, site.line
    kind, options = match["type"], []
    for sub in _subscripted(tree, line):
        value, key = node_text(text, sub.value), node_text(text, sub.slice)
        if isinstance(sub.value, ast.Constant | ast.List | ast.Dict | ast.Tuple):
            continue
        if kind in _CALLABLES and not isinstance(sub.value, ast.Call):
            options.append(({rel: _replace(text, sub, f"{value}()[{key}]")},
                            f"called '{value}()' before indexing it"))
            options.append(({rel: _replace(text, sub, f"{value}({key})")},
                            f"called '{value}({key})' instead of indexing it"))
        elif kind in _LAZY:
            for wrap in ("list", "sorted") if kind in ("set", "frozenset") else ("list",):
                options.append(({rel: _replace(text, sub, f"{wrap}({value})[{key}]")},
                                f"made '{value}' a list with {wrap}() before indexing it"))
    return build_patches(site, project, options, single=0.9, top=0.85)


@rule("type_error")
@given(_typed(_NO_LEN))
def measure_as_list(site: Site, project: Project, match: re.Match[str]) -> list[Patch]:
    """``len(x for x in xs)`` -> ``len(list(...))``; ``len(obj.items)`` -> ``len(obj.items())``."""
    rel, text, tree, line = site.path, site.text, site.tree, site.line
    options = []
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and call.func.id == "len" and len(call.args) == 1 and _on_line(call, line)):
            continue
        arg = call.args[0]
        src = node_text(text, arg)
        # a sole generator argument's span includes the call's own parentheses
        shared = isinstance(arg, ast.GeneratorExp) and src.startswith("(")
        listed = f"(list({src[1:-1]}))" if shared else f"list({src})"
        if match["type"] in _CALLABLES:
            options.append(({rel: _replace(text, arg, f"{src}()")}, f"measured '{src}()'"))
        else:
            options.append(({rel: _replace(text, arg, listed)},
                            f"made '{src[1:-1] if shared else src}' a list before "
                            "taking its len()"))
    return build_patches(site, project, options, single=0.9, top=0.85)


# --- % formatting -----------------------------------------------------------------------------

def directives(template: str) -> list[re.Match[str]]:
    """The ``%`` conversions of a format string (``%%`` left out)."""
    return [m for m in _DIRECTIVE.finditer(template) if m.group() != "%%"]


def _format_options(text: str, node: ast.BinOp, parents, too_many: bool) -> list[tuple[str, str]]:
    left, right = node.left, node.right
    if not (isinstance(left, ast.Constant) and isinstance(left.value, str)):
        if too_many:  # "10" % 2: the left side was meant to be a number
            return [(_replace(text, left, f"int({node_text(text, left)})"),
                     f"converted '{node_text(text, left)}' to int before '%'")]
        return []
    template, src = left.value, node_text(text, left)
    count = len(directives(template))
    values = right.elts if isinstance(right, ast.Tuple) else [right]
    options = []
    if too_many and not count and re.search(r"\{\w*\}", template):
        args = ", ".join(node_text(text, v) for v in values)
        options.append((_replace(text, node, f"{src}.format({args})"),
                        "used str.format() for a template with {} placeholders"))
    parent = parents.get(id(node))
    siblings = parent.elts if isinstance(parent, ast.Tuple) else \
        parent.args if isinstance(parent, ast.Call) else []
    following = siblings[siblings.index(node) + 1:] if node in siblings else []
    if not too_many and following and len(following) + len(values) == count:
        rest = ", ".join(node_text(text, v) for v in values + following)
        new = replace_spans(text, [(node.lineno, node.col_offset, following[-1].end_lineno,
                                    following[-1].end_col_offset, f"{src} % ({rest})")])
        options.append((new, "passed every value to '%' in one tuple"))
    if not too_many and not isinstance(right, ast.Tuple) and count > 1:
        options.append((_replace(text, right, f"tuple({node_text(text, right)})"),
                        f"passed '{node_text(text, right)}' as a tuple of {count} values"))
    if too_many and isinstance(right, ast.Tuple) and len(values) > count:
        for index in reversed(range(len(values))):
            kept = [node_text(text, v) for i, v in enumerate(values) if i != index]
            joined = ", ".join(kept) + ("," if len(kept) == 1 else "")
            options.append((_replace(text, right, f"({joined})"),
                            f"dropped the extra value '{node_text(text, values[index])}'"))
        extra = " %s" * (len(values) - count)
        options.append((_replace(text, left, f"{src[:-1]}{extra}{src[-1]}"),
                        f"added{extra} to the format string for the extra values"))
    return options


@rule("type_error")
def fix_percent_format(site: Site, project: Project) -> list[Patch]:
    """``"%s %s" % a, b`` -> ``% (a, b)``; extra values dropped; ``{}`` templates -> format()."""
    message = site.message
    too_many = "not all arguments converted during string formatting" in message
    if not too_many and "not enough arguments for format string" not in message:
        return []
    rel, text, tree, line = site.path, site.text, site.tree, site.line
    parents = parent_map(tree)
    options = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _on_line(node, line):
            options += [({rel: new}, why)
                        for new, why in _format_options(text, node, parents, too_many)]
    return build_patches(site, project, options, single=0.9, top=0.85)


# --- Decimal(float) -------------------------------------------------------------------------

_EXACT_FLOAT = re.compile(r"Decimal\('-?\d+\.\d{15,}'\)")
"""A Decimal made from a float shows the float's whole binary expansion."""


def _float_fed_decimals(tree: ast.Module) -> list[ast.expr]:
    """Arguments of ``Decimal(x)`` calls that are not text, float literals first."""
    found = []
    for call in ast.walk(tree):
        func = getattr(call, "func", None)
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if not (isinstance(call, ast.Call) and name == "Decimal" and len(call.args) == 1):
            continue
        arg = call.args[0]
        stringy = isinstance(arg, ast.JoinedStr) or (
            isinstance(arg, ast.Constant) and not isinstance(arg.value, float)) or (
            isinstance(arg, ast.Call) and getattr(arg.func, "id", "") in ("str", "int"))
        if not stringy:
            found.append(arg)
    return sorted(found, key=lambda a: not isinstance(a, ast.Constant))


@rule("assertion_error", "type_error", needs="site")
def decimal_from_text(site: Site, project: Project) -> list[Patch]:
    """``Decimal(0.1)`` -> ``Decimal("0.1")``; ``Decimal(price)`` -> ``Decimal(str(price))``."""
    if not _EXACT_FLOAT.search(site.message):
        return []
    options = []
    editable = [rel for rel in project.python_files if not project.is_protected(rel)]
    for rel, text, tree in project.parsed_files(editable):
        for arg in _float_fed_decimals(tree):

            src = node_text(text, arg)
            new = f'"{src}"' if isinstance(arg, ast.Constant) else f"str({src})"
            options.append(({rel: _replace(text, arg, new)},
                            f"built the Decimal from text ({new}), not from the float {src}"))
    return build_patches(site, project, options, single=0.9, top=0.85)
