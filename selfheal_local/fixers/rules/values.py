"""``value_error`` (parsing text) and ``file_not_found_error`` (paths relative to the module) rules."""

from __future__ import annotations

import ast
import logging
import re

from selfheal_local.fixers.base import Site, rule
from selfheal_local.fixers.textedit import (
    add_import,
    build_patches,
    node_text,
    replace_spans,
)
from selfheal_local.project import Project
from selfheal_local.types import Patch

log = logging.getLogger(__name__)

_PARSERS = frozenset({"int", "float", "Decimal", "strptime", "fromisoformat", "loads", "date",
                      "complex", "Fraction"})


def _calls_on(tree: ast.AST, line: int, names: frozenset[str] | set[str]) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)
            and (getattr(n.func, "id", None) or getattr(n.func, "attr", None)) in names
            and (not line or n.lineno <= line <= (n.end_lineno or n.lineno))]


def _span(node: ast.AST, new: str) -> tuple[int, int, int, int, str]:
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset, new)


@rule("value_error")
def split_with_maxsplit(site: Site, project: Project) -> list[Patch]:
    """``k, v = line.split("=")`` -> ``line.split("=", 1)`` when unpacking fails."""
    rel, text, tree, message = site.path, site.text, site.tree, site.message
    if "values to unpack" not in message:
        return []
    options = []
    for call in _calls_on(tree, site.line, {"split", "rsplit"}):
        if len(call.args) > 1 or call.keywords:
            continue
        func = node_text(text, call.func)
        sep = node_text(text, call.args[0]) if call.args else "None"
        options.append(({rel: replace_spans(text, [_span(call, f"{func}({sep}, 1)")])},
                        f"split at the first {sep} only (maxsplit=1)"))
        if "not enough" in message and call.args:
            owner = node_text(text, call.func.value)
            options.append(({rel: replace_spans(text, [_span(call, f"{owner}.partition({sep})[::2]")])},
                            f"used partition({sep}) so a missing separator gives an empty value"))
    return build_patches(site, project, options, top=0.85)


@rule("value_error")
def clean_parsed_text(site: Site, project: Project) -> list[Patch]:
    """``int(text)`` / ``strptime(text, fmt)`` on text with spaces, commas or a decimal point."""
    rel, text, tree, message = site.path, site.text, site.tree, site.message
    if "values to unpack" in site.diagnosis.message:
        return []
    options = []
    for call in _calls_on(tree, site.line, _PARSERS):
        if not call.args:
            continue
        arg = call.args[0]
        src = node_text(text, arg)
        wrapped = f"({src})" if not isinstance(arg, ast.Name | ast.Attribute | ast.Subscript
                                               | ast.Call) else src
        fixes = [(f"{wrapped}.strip()", f"stripped whitespace from {src} before parsing")]
        if getattr(call.func, "id", "") == "int" and re.search(r"'[-+]?\d*\.\d*'", message):
            fixes.insert(0, ("", f"parsed {src} as a float first (it has a decimal point)"))
        fixes.append((f"{wrapped}.strip().replace(',', '')",
                      f"dropped thousands separators from {src} before parsing"))
        for new_arg, why in fixes:
            if new_arg:
                edit = replace_spans(text, [_span(arg, new_arg)])
            else:
                edit = replace_spans(text, [_span(call, f"int(float({src}))")])
            options.append(({rel: edit}, why))
    return build_patches(site, project, options, top=0.8)


_OPENERS = frozenset({"open", "Path", "read_text", "read_bytes", "load", "loadtxt", "read_csv"})


@rule("file_not_found_error")
def path_relative_to_module(site: Site, project: Project) -> list[Patch]:
    """``open("data.json")`` -> ``open(Path(__file__).parent / "data.json")``."""
    rel, text, tree = site.path, site.text, site.tree
    line = site.line
    calls = _calls_on(tree, line, _OPENERS)
    if not calls and line:
        scope = site.function
        calls = _calls_on(scope, 0, _OPENERS) if scope else []
    options = []
    missing = site.diagnosis.name or site.diagnosis.details.get("path", "")

    for call in calls:
        if not call.args or not isinstance(call.args[0], ast.Constant) \
                or not isinstance(call.args[0].value, str):
            continue
        value = call.args[0].value
        if value.startswith("/") or (missing and not missing.endswith(value)):
            continue
        src = node_text(text, call.args[0])
        edited = replace_spans(text, [_span(call.args[0], f"Path(__file__).parent / {src}")])
        has_path = re.search(r"^from pathlib import .*\bPath\b", text, re.M) is not None
        if not has_path:
            edited = add_import(edited, "from pathlib import Path")
        options.append(({rel: edited}, f"opened {src} next to {rel} (Path(__file__).parent), "
                                       "not in the working directory"))
        lifted = replace_spans(text, [_span(call.args[0],
                                            f"Path(__file__).resolve().parent.parent / {src}")])
        options.append(({rel: lifted if has_path else add_import(lifted, "from pathlib import Path")},
                        f"opened {src} in the project folder above {rel}"))
    return build_patches(site, project, options, top=0.85)
