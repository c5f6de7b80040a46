"""``type_error`` / ``attribute_error`` rule: arguments passed in the wrong order.

The failing line lies inside the callee (a swapped argument only breaks where it is used);
the call sites come from the traceback's caller frames, or every call in the project.
"""

from __future__ import annotations

import ast
import itertools
import logging

from selfheal_local.fixers.base import Site, rule
from selfheal_local.fixers.rules.signatures import Callee, calls_to, node_end, node_start
from selfheal_local.fixers.textedit import (
    build_patches,
    node_text,
    replace_spans,
)
from selfheal_local.project import Project
from selfheal_local.types import Patch

log = logging.getLogger(__name__)


def _ident(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")


def _failing_callee(site: Site) -> Callee | None:
    rel, text, tree, fn = site.path, site.text, site.tree, site.function
    if tree is None or fn is None:
        return None
    owner = next((c.name for c in ast.walk(tree) if isinstance(c, ast.ClassDef)
                  and any(item is fn for item in c.body)), "")
    return Callee(rel, text, fn, owner) if fn is not None else None


def _caller_sites(site: Site, project: Project, callee: Callee):
    """``(rel, text, calls)`` for each caller frame of the traceback (every call when none)."""
    frames = [f for f in site.diagnosis.finding.frames if f.in_project]
    places = [(f.file, f.line) for f in frames
              if (f.file, f.line) != (site.diagnosis.file, site.line)]
    places = places or [(rel, 0) for rel in project.python_files]
    for rel, line in dict.fromkeys(places):
        for _, text, tree in project.parsed_files([rel]):
            yield rel, text, calls_to(tree, line, callee.call_name)


@rule("type_error", "attribute_error", needs="site")
def swap_named_arguments(site: Site, project: Project) -> list[Patch]:
    """``area(height, width)`` for ``def area(width, height)``: reorder by parameter names."""
    callee = _failing_callee(site)
    if callee is None:
        return []
    scored = []
    for rel, text, calls in _caller_sites(site, project, callee):
        for call in calls:
            params = callee.positional[callee.offset(call):]
            args = call.args[: len(params)]
            for i, j in itertools.combinations(range(len(args)), 2):
                a, b = _ident(args[i]), _ident(args[j])
                if a == params[i] or b == params[j]:
                    continue
                score = (a == params[j]) + (b == params[i])
                if score:
                    spans = [(*node_start(args[i]), *node_end(args[i]), node_text(text, args[j])),
                             (*node_start(args[j]), *node_end(args[j]), node_text(text, args[i]))]
                    scored.append((-score, ({rel: replace_spans(text, spans)},
                                            f"swapped '{node_text(text, args[i])}' and "
                                            f"'{node_text(text, args[j])}' to match the "
                                            f"parameters of {callee.call_name}()")))
    options = [option for _, option in sorted(scored, key=lambda s: s[0])]
    return build_patches(site, project, options, single=0.85, top=0.8)
