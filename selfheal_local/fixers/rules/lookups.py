"""``key_error`` and ``index_error`` rules: defaults, membership and bounds guards, off-by-one."""

from __future__ import annotations

import ast
import logging

from selfheal_local.fixers.base import Site, rule
from selfheal_local.fixers.textedit import (
    build_patches,
    guards_before,
    node_text,
    parent_map,
    replace_spans,
)
from selfheal_local.project import Project
from selfheal_local.types import Patch

log = logging.getLogger(__name__)


def subscripts_on(tree: ast.Module, line: int) -> list[ast.Subscript]:
    """Subscript reads (``x[k]``) on ``line``, innermost last."""
    return [n for n in ast.walk(tree) if isinstance(n, ast.Subscript)
            and isinstance(n.ctx, ast.Load) and not isinstance(n.slice, ast.Slice)
            and n.lineno <= line <= (n.end_lineno or n.lineno)]


def _replace(text: str, node: ast.AST, new: str) -> str:
    return replace_spans(text, [(node.lineno, node.col_offset, node.end_lineno,
                                 node.end_col_offset, new)])


def _defaults_for(sub: ast.Subscript, parents: dict[int, ast.AST]) -> list[str]:
    """Defaults for ``d.get(k, default)``, likeliest first from how the value is used."""
    parent = parents.get(id(sub))
    if isinstance(parent, ast.BinOp | ast.AugAssign) or (
        isinstance(parent, ast.Compare) and any(
            isinstance(c, ast.Constant) and isinstance(c.value, int | float)
            for c in parent.comparators)):
        return ["0", "", "''"]
    if isinstance(parent, ast.Call | ast.Attribute):
        return ["", "''", "0"]
    return ["", "0", "''"]


@rule("key_error")
def use_get_with_default(site: Site, project: Project) -> list[Patch]:
    """``d[k]`` -> ``d.get(k)`` / ``d.get(k, 0)`` / ``d.get(k, '')``, by how the value is used."""
    rel, text, tree = site.path, site.text, site.tree
    parents = parent_map(tree)
    options = []
    for sub in subscripts_on(tree, site.line):
        mapping, key = node_text(text, sub.value), node_text(text, sub.slice)
        for default in _defaults_for(sub, parents):
            call = f"{mapping}.get({key}, {default})" if default else f"{mapping}.get({key})"
            why = f"looked up {key} with .get() ({'default ' + default if default else 'None'} "\
                  f"when missing)"
            options.append(({rel: _replace(text, sub, call)}, why))
    return build_patches(site, project, options, top=0.8)


@rule("key_error")
def guard_missing_key(site: Site, project: Project) -> list[Patch]:
    """``if k not in d: return None`` before the statement (or raise a clear error)."""
    rel, text = site.path, site.text
    options = []
    for sub in subscripts_on(site.tree, site.line):
        mapping, key = node_text(text, sub.value), node_text(text, sub.slice)
        actions = ["return None", f"raise KeyError(f'unknown key: {{{key}!r}}')"]
        for new, action in guards_before(site, sub, f"{key} not in {mapping}", actions):
            options.append(({rel: new}, f"guarded the lookup of {key} in {mapping} "
                                        f"({action.split('(')[0]} when missing)"))
    return build_patches(site, project, options, single=0.7, top=0.65)


def _is_len_of(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "len" and len(node.args) == 1)


def lowered(text: str, node: ast.expr) -> str:
    """Source of ``node - 1``, folding ``i + 1`` to ``i`` and ``n - 1`` to ``n - 2``."""
    if isinstance(node, ast.BinOp) and isinstance(node.right, ast.Constant) \
            and isinstance(node.right.value, int) and not isinstance(node.right.value, bool):
        left = node_text(text, node.left)
        step = node.right.value if isinstance(node.op, ast.Add) else -node.right.value \
            if isinstance(node.op, ast.Sub) else None
        if step is not None:
            step -= 1
            return left if step == 0 else f"{left} + {step}" if step > 0 else f"{left} - {-step}"
    return f"{node_text(text, node)} - 1"


@rule("index_error")
def fix_index_off_by_one(site: Site, project: Project) -> list[Patch]:
    """``xs[len(xs)]`` -> ``xs[len(xs) - 1]``; ``xs[i]`` -> ``xs[i - 1]`` or ``xs[-1]``."""
    rel, text, tree = site.path, site.text, site.tree
    options = []
    for sub in subscripts_on(tree, site.line):
        index = sub.slice
        src = node_text(text, index)
        if isinstance(index, ast.Constant):
            continue
        if _is_len_of(index):
            why = f"indexed the last element ({src} is one past the end)"
        else:
            why = f"shifted the index {src} down by one (off by one)"
        options.append(({rel: _replace(text, index, lowered(text, index))}, why))
        options.append(({rel: _replace(text, index, "-1")}, f"took the last element instead of [{src}]"))
    return build_patches(site, project, options, top=0.8)


@rule("index_error")
def shrink_loop_bound(site: Site, project: Project) -> list[Patch]:
    """``for i in range(len(xs)): xs[i + 1]`` -> ``range(len(xs) - 1)``."""
    rel, text, tree = site.path, site.text, site.tree
    line = site.line
    used = {n.id for sub in subscripts_on(tree, line) for n in ast.walk(sub.slice)
            if isinstance(n, ast.Name)}
    scope = site.function or tree
    options = []
    for loop in ast.walk(scope):
        if not (isinstance(loop, ast.For) and loop.lineno < line <= (loop.end_lineno or 0)
                and isinstance(loop.target, ast.Name) and loop.target.id in used
                and isinstance(loop.iter, ast.Call) and getattr(loop.iter.func, "id", "") == "range"
                and loop.iter.args):
            continue
        stop = loop.iter.args[-1] if len(loop.iter.args) <= 2 else loop.iter.args[1]
        src = node_text(text, stop)
        options.append(({rel: _replace(text, stop, lowered(text, stop))},
                        f"stopped the loop over {loop.target.id} one earlier (range bound {src} - 1)"))
    return build_patches(site, project, options, single=0.85)


@rule("index_error")
def guard_empty_or_short(site: Site, project: Project) -> list[Patch]:
    """``if not xs: return None`` (constant index) or a bounds guard before the statement."""
    rel, text, tree = site.path, site.text, site.tree
    line = site.line
    if site.function is None:
        return []
    options = []
    for sub in subscripts_on(tree, line):
        seq, index = node_text(text, sub.value), node_text(text, sub.slice)
        if isinstance(sub.slice, ast.Constant) and isinstance(sub.slice.value, int):
            condition = f"not {seq}" if sub.slice.value in (0, -1) else \
                f"len({seq}) <= {abs(sub.slice.value) - (sub.slice.value < 0)}"
        else:
            condition = f"{index} >= len({seq})"
        actions = ("return None", "return []", "return ''", "return 0")
        for new, action in guards_before(site, sub, condition, actions):
            options.append(({rel: new}, f"guarded {seq}[{index}] ({action} when {condition})"))
    return build_patches(site, project, options, single=0.7, top=0.7)
