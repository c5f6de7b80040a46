"""``lint`` rules for what ruff reports but will not fix safely: ``== None``, ``is`` with a
literal, mutable default arguments."""

from __future__ import annotations

import ast
import logging
import re

from selfheal_local.fixers.base import Site, rule
from selfheal_local.fixers.rules.syntax import split_comment
from selfheal_local.fixers.textedit import (
    build_patches,
    indent_of,
    indent_unit,
    insert_lines,
    node_text,
    replace_line,
    replace_spans,
)
from selfheal_local.project import Project
from selfheal_local.types import Patch

log = logging.getLogger(__name__)


def _line_parts(site: Site) -> tuple[str, str]:
    """The site's line as (code, comment); empty when the line is not in the file."""
    lines = site.text.splitlines()
    return split_comment(lines[site.line - 1]) if 0 < site.line <= len(lines) else ("", "")


def _rewritten(site: Site, subs) -> dict[str, str]:
    """``{path: text}`` with ``subs`` applied to the code (not the comment) of the site's line."""
    code, comment = _line_parts(site)
    fixed = code
    for pattern, repl in subs:
        fixed = re.sub(pattern, repl, fixed)
    return {} if fixed == code else {site.path: replace_line(site.text, site.line, fixed + comment)}


def _line_rewrite(site: Site, project: Project, subs, why: str) -> list[Patch]:
    return build_patches(site, project, [(_rewritten(site, subs), why)], single=0.9)


@rule("lint", needs="text")
def compare_none_with_is(site: Site, project: Project) -> list[Patch]:
    """``x == None`` -> ``x is None`` (E711)."""
    if site.diagnosis.finding.code != "E711" and "None" not in site.diagnosis.message:
        return []
    return _line_rewrite(site, project, [(r"!=\s*None\b", "is not None"),
                                              (r"==\s*None\b", "is None"),
                                              (r"\bNone\s*!=\s*(\w+)", r"\1 is not None"),
                                              (r"\bNone\s*==\s*(\w+)", r"\1 is None")],
                         "compared with None using 'is' (== None can be overridden)")


_LITERAL = r"""(-?\d[\w.]*|'[^']*'|"[^"]*"|\(\)|\[\]|\{\})"""


@rule("lint", needs="text")
def compare_literal_with_eq(site: Site, project: Project) -> list[Patch]:
    """``x is "admin"`` -> ``x == "admin"`` (F632: identity of literals is an accident); and
    ``x is 0`` -> ``x is None`` where ``x`` is a name the code also holds ``None`` in (a
    ``=None`` default, ``x = None``, ``x is None``): then the literal itself is the slip, first."""
    code, message = site.diagnosis.finding.code, site.diagnosis.message
    if code != "F632" and "is not" not in message and "`is`" not in message:
        return []
    eq = (_rewritten(site, [(rf"\bis\s+not\s+{_LITERAL}", r"!= \1"),
                            (rf"\bis\s+{_LITERAL}", r"== \1")]),
          "compared the literal with '==' instead of 'is'")
    compared = [m.group(1) for m in re.finditer(rf"\b(\w+)\s+is\s+(?:not\s+)?{_LITERAL}",
                                                _line_parts(site)[0])]
    noneable = [name for name in compared if re.search(
        rf"\b{name}\s*(?::[^=\n]*)?=\s*None\b|\b{name}\s+is\s+(?:not\s+)?None\b", site.text)]
    none = [(_rewritten(site, [(rf"\b({name})\s+is(\s+not)?\s+{_LITERAL}", r"\1 is\2 None")
                               for name in noneable]),
             f"compared {noneable[0]} with None: it holds None elsewhere, and 'is' with a "
             "literal is never what was meant")] if noneable else []
    return build_patches(site, project, [*none, eq], single=0.9)


_MUTABLE = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)


def _is_mutable(node: ast.expr | None) -> bool:
    return isinstance(node, _MUTABLE) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id in ("list", "dict", "set", "defaultdict", "deque") and not node.args)


@rule("lint")
def mutable_default_to_none(site: Site, project: Project) -> list[Patch]:
    """``def f(xs=[])`` -> ``def f(xs=None)`` + ``if xs is None: xs = []`` (B006)."""
    rel, text, tree, line = site.path, site.text, site.tree, site.line
    if site.diagnosis.finding.code not in ("B006", "") and "mutable" not in \
            site.diagnosis.message.lower():
        return []

    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or not \
                fn.lineno <= line <= fn.body[0].lineno:
            continue
        positional = fn.args.posonlyargs + fn.args.args
        pairs = list(zip(positional[len(positional) - len(fn.args.defaults):], fn.args.defaults,
                         strict=True))
        pairs += [(a, d) for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True) if d]
        spans, inits = [], []
        for arg, default in pairs:
            if not _is_mutable(default):
                continue
            spans.append((default.lineno, default.col_offset, default.end_lineno,
                          default.end_col_offset, "None"))
            if arg.annotation is not None and "None" not in node_text(text, arg.annotation):
                spans.append((arg.annotation.lineno, arg.annotation.col_offset,
                              arg.annotation.end_lineno, arg.annotation.end_col_offset,
                              node_text(text, arg.annotation) + " | None"))
            inits.append((arg.arg, node_text(text, default)))
        if not spans:
            continue
        first = fn.body[0]
        docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str)
        after = first.end_lineno if docstring else first.lineno - 1
        indent = indent_of(text, first.lineno)
        block = []
        for name, value in inits:
            block += [f"{indent}if {name} is None:", f"{indent}{indent_unit(text)}{name} = {value}"]
        new = insert_lines(replace_spans(text, spans), after, block)
        names = ", ".join(n for n, _ in inits)
        return build_patches(site, project, [(
            {rel: new}, f"made the mutable default of {names} None, created per call")], single=0.9)
    return []
