"""``undefined_variable`` rules: a typo'd name, a name used before it is assigned."""

from __future__ import annotations

import ast
import logging
import re

from selfheal_local.fixers.base import Site, rule
from selfheal_local.fixers.textedit import (
    add_import,
    build_patches,
    closest_names,
    function_at,
    indent_of,
    insert_lines,
    names_in_scope,
    replace_spans,
)
from selfheal_local.project import Project
from selfheal_local.types import Diagnosis, Patch

log = logging.getLogger(__name__)

_NAME_PATTERNS = (
    re.compile(r"name '([^']+)' is not defined"),
    re.compile(r"Undefined name `([^`]+)`"),
    re.compile(r"(?:local|free) variable '([^']+)'"),
)
_UNBOUND = re.compile(r"cannot access (?:local|free) variable|referenced before assignment")
PY2_BUILTINS = frozenset({
    "basestring", "unicode", "long", "unichr", "xrange", "raw_input", "file", "reduce", "cmp",
    "execfile", "buffer", "apply", "intern", "coerce", "reload", "StandardError"})
"""Python 2's builtins: compatibility code names them on purpose, in branches Python 3 never
runs (six's ``text_type = unicode``); they are not typos of ``UnicodeError`` or ``BytesWarning``."""
_DID_YOU_MEAN = re.compile(r"Did you mean:? '?([A-Za-z_][A-Za-z0-9_]*)'?\??")


def undefined_name(diagnosis: Diagnosis) -> str:
    """The name the diagnosis is about (from the analysis, else from the message)."""
    if diagnosis.name:
        return diagnosis.name
    for pattern in _NAME_PATTERNS:
        match = pattern.search(diagnosis.message) or pattern.search(diagnosis.finding.message)
        if match:
            return match.group(1)
    return ""


def suggested_name(diagnosis: Diagnosis) -> str:
    """Python's own ``Did you mean: 'x'?`` hint, when the message carries one."""
    match = _DID_YOU_MEAN.search(diagnosis.message) or _DID_YOU_MEAN.search(
        diagnosis.finding.traceback[-2000:]
    )
    return match.group(1) if match else ""


def rename_loads(text: str, tree: ast.Module, line: int, old: str, new: str) -> str:
    """Rename every read of ``old`` in the function around ``line`` (just the line at top level)."""
    scope = function_at(tree, line)
    nodes = ast.walk(scope) if scope is not None else ast.walk(tree)
    spans = [
        (n.lineno, n.col_offset, n.end_lineno, n.end_col_offset, new)
        for n in nodes
        if isinstance(n, ast.Name) and n.id == old and isinstance(n.ctx, ast.Load | ast.Del)
        and (scope is not None or n.lineno == line or not line)
    ]
    return replace_spans(text, spans) if spans else text


@rule("undefined_variable")
def rename_to_closest_name(site: Site, project: Project) -> list[Patch]:
    """Rename a misspelt name to the closest names in scope (locals before globals before builtins)."""
    diagnosis, rel, text, tree, line = site.diagnosis, site.path, site.text, site.tree, site.line
    name = undefined_name(diagnosis)
    if not name or _UNBOUND.search(diagnosis.message) or name in PY2_BUILTINS:
        return []
    scope = names_in_scope(tree, line, project)
    scope.pop(name, None)
    ranked = closest_names(name, scope)
    hint = suggested_name(diagnosis)
    if hint in scope and hint != name:
        ranked = [hint] + [n for n in ranked if n != hint]
    options = []
    for candidate in ranked:
        new = rename_loads(text, tree, line, name, candidate)
        kind = scope[candidate]
        if kind == "module":
            new = add_import(new, f"import {candidate}")
        options.append(({rel: new}, f"renamed '{name}' to '{candidate}' (closest {kind} name in scope)"))
    return build_patches(site, project, options, single=0.9, top=0.85)


_INITIAL_VALUES = ("0", "None", "[]", "''", "{}")


@rule("undefined_variable")
def initialize_before_use(site: Site, project: Project) -> list[Patch]:
    """A local read before any assignment: bind it first (global, or a neutral starting value)."""
    rel, text, tree, fn = site.path, site.text, site.tree, site.function
    name = undefined_name(site.diagnosis)
    if not name or not _UNBOUND.search(site.diagnosis.message):
        return []
    if fn is None or not fn.body:

        return []
    first = fn.body[0]
    if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str) and len(fn.body) > 1):
        first = fn.body[1]
    indent = indent_of(text, first.lineno)
    after = first.lineno - 1
    is_global = any(
        isinstance(n, ast.Assign | ast.AnnAssign | ast.AugAssign)
        and any(isinstance(t, ast.Name) and t.id == name for t in ast.walk(n))
        for n in tree.body
    )
    options = []
    if is_global:
        options.append(({rel: insert_lines(text, after, [f"{indent}global {name}"])},
                        f"declared '{name}' global in {fn.name}() (it is a module variable)"))
    for value in _INITIAL_VALUES:
        options.append(({rel: insert_lines(text, after, [f"{indent}{name} = {value}"])},
                        f"initialised '{name}' to {value} at the start of {fn.name}()"))
    return build_patches(site, project, options, top=0.7)
