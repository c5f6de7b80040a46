"""``type_error`` rules for calls that do not match the callee's signature."""

from __future__ import annotations

import ast
import logging
import re

from selfheal_local.fixers.base import Site, given, matching, rule
from selfheal_local.fixers.textedit import (
    build_patches,
    closest_names,
    function_params,
    replace_spans,
)
from selfheal_local.project import Project
from selfheal_local.types import Patch

log = logging.getLogger(__name__)

_UNEXPECTED = re.compile(r"(?P<function>[\w.<>]+)\(\) got an unexpected keyword argument "
                         r"'(?P<keyword>\w+)'")


def signature_params(project: Project, function: str, prefer: str) -> list[str]:
    """Parameter names of the project function ``function`` (``Cls.meth`` or ``name``)."""
    short = function.rsplit(".", 1)[-1]
    if short == "__init__" and "." in function:
        short, function = function.rsplit(".", 2)[-2], "__init__"
    for _, _, tree in project.parsed_files(first=prefer):
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == short:
                return [p for p in function_params(node) if p not in ("self", "cls")]
            if isinstance(node, ast.ClassDef) and node.name == short:
                init = next((b for b in node.body if isinstance(b, ast.FunctionDef)
                             and b.name == "__init__"), None)
                if init is not None:
                    return [p for p in function_params(init) if p not in ("self", "cls")]
    return []


@rule("type_error")
@given(matching(_UNEXPECTED))
def rename_keyword_argument(site: Site, project: Project, match: re.Match[str]) -> list[Patch]:
    """``f(curency=x)`` -> ``f(currency=x)``: the closest parameter of the callee."""
    rel, text, tree = site.path, site.text, site.tree
    keyword = match["keyword"]
    function = site.diagnosis.details.get("function") or match["function"]

    params = signature_params(project, function, rel)
    line = site.line
    nodes = [k for k in ast.walk(tree) if isinstance(k, ast.keyword) and k.arg == keyword
             and (not line or k.lineno == line)]
    if not params or not nodes:
        return []
    options = []
    for name in closest_names(keyword, dict.fromkeys(params, "param"), cutoff=0.5):
        spans = [(k.lineno, k.col_offset, k.lineno, k.col_offset + len(keyword.encode()), name)
                 for k in nodes]
        options.append(({rel: replace_spans(text, spans)},
                        f"renamed keyword '{keyword}' to '{name}' (a parameter of {function}())"))
    return build_patches(site, project, options, single=0.9, top=0.85)
