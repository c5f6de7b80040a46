"""``attribute_error`` rules: a misspelt attribute, an attribute renamed between Python versions."""

from __future__ import annotations

import ast
import builtins
import logging
import re

from selfheal_local.fixers.base import Site, given, rule
from selfheal_local.fixers.exports import ABC_NAMES, module_attributes
from selfheal_local.fixers.textedit import (
    add_import,
    build_patches,
    closest_names,
    function_at,
    node_text,
    replace_spans,
)
from selfheal_local.project import Project
from selfheal_local.types import Diagnosis, Patch

log = logging.getLogger(__name__)

_MESSAGES = (
    ("instance", re.compile(r"'(?P<owner>[^']+)' object has no attribute '(?P<attr>[^']+)'")),
    ("module", re.compile(r"module '(?P<owner>[^']+)' has no attribute '(?P<attr>[^']+)'")),
    ("class", re.compile(r"type object '(?P<owner>[^']+)' has no attribute '(?P<attr>[^']+)'")),
)

KNOWN_RENAMES: dict[tuple[str, str], str] = {
    ("dict", "iteritems"): "items", ("dict", "itervalues"): "values",
    ("dict", "iterkeys"): "keys", ("dict", "viewitems"): "items", ("dict", "viewkeys"): "keys",
    ("dict", "viewvalues"): "values",
    ("string", "letters"): "ascii_letters", ("string", "lowercase"): "ascii_lowercase",
    ("string", "uppercase"): "ascii_uppercase",
    ("time", "clock"): "perf_counter", ("os", "getcwdu"): "getcwd",
    ("inspect", "getargspec"): "getfullargspec",
    ("base64", "encodestring"): "encodebytes", ("base64", "decodestring"): "decodebytes",
    ("array", "tostring"): "tobytes", ("array", "fromstring"): "frombytes",
    ("Thread", "isAlive"): "is_alive", ("Thread", "getName"): "name",
    ("asyncio", "async"): "ensure_future",
    ("TestCase", "assertEquals"): "assertEqual", ("TestCase", "assertItemsEqual"): "assertCountEqual",
    ("TestCase", "assertRegexpMatches"): "assertRegex",
    ("str", "startwith"): "startswith", ("str", "endwith"): "endswith",
    ("list", "push"): "append", ("list", "add"): "append", ("set", "append"): "add",
    ("list", "length"): "__len__", ("str", "contains"): "__contains__",
}
"""``(owner, attribute) -> new attribute``: Python 2 names and habits from other languages."""

def parse_attribute_error(diagnosis: Diagnosis) -> tuple[str, str, str]:
    """``(kind, owner, attribute)``: kind is instance, module or class ("" when not understood)."""
    for text in (diagnosis.message, diagnosis.finding.message):
        for kind, pattern in _MESSAGES:
            match = pattern.search(text)
            if match:
                owner = diagnosis.details.get("owner") or match["owner"]
                return kind, owner, diagnosis.name or match["attr"]
    return "", diagnosis.details.get("owner", ""), diagnosis.name


def class_attributes(project: Project, owner: str, prefer: str, depth: int = 0) -> dict[str, str]:
    """Attributes of the project class ``owner``: class body, methods, ``self.x`` and bases."""
    short = owner.rsplit(".", 1)[-1]
    for _, _, tree in project.parsed_files(first=prefer):
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == short:
                return _attributes_of(node, project, prefer, depth)
    return {}


def _attributes_of(cls: ast.ClassDef, project: Project, prefer: str, depth: int) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in cls.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            found.setdefault(item.name, "method")
        elif isinstance(item, ast.Assign | ast.AnnAssign):
            targets = item.targets if isinstance(item, ast.Assign) else [item.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, "attribute")
    for sub in ast.walk(cls):
        if (isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store)
                and isinstance(sub.value, ast.Name) and sub.value.id == "self"):
            found.setdefault(sub.attr, "attribute")
    if depth < 3:
        for base in cls.bases:
            if isinstance(base, ast.Name) and base.id != "object":
                for name, kind in class_attributes(project, base.id, prefer, depth + 1).items():
                    found.setdefault(name, kind)
    return found


def owner_attributes(kind: str, owner: str, project: Project, rel: str) -> dict[str, str]:
    """Every attribute the owner is known to have."""
    if kind == "module":
        return module_attributes(project, owner)
    builtin = getattr(builtins, owner, None)
    if isinstance(builtin, type):
        return dict.fromkeys((n for n in dir(builtin) if not n.startswith("_")), "method")
    return class_attributes(project, owner, rel)


def attribute_nodes(tree: ast.Module, line: int, attr: str) -> list[ast.Attribute]:
    """``x.attr`` nodes on ``line`` (or in its function when the line has none)."""
    on_line = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == attr
               and n.lineno <= line <= (n.end_lineno or n.lineno)]
    if on_line or not line:
        return on_line
    scope = function_at(tree, line)
    return [n for n in ast.walk(scope) if isinstance(n, ast.Attribute) and n.attr == attr] \
        if scope else []


def rename_attribute(text: str, nodes: list[ast.Attribute], new: str) -> str:
    """Rename the attribute part of each node."""
    spans = []
    for n in nodes:
        width = len(n.attr.encode("utf-8"))
        spans.append((n.end_lineno, n.end_col_offset - width, n.end_lineno, n.end_col_offset, new))
    return replace_spans(text, spans)


def _context(site: Site):
    kind, owner, attr = parse_attribute_error(site.diagnosis)
    if not attr:
        return None
    nodes = attribute_nodes(site.tree, site.line, attr)
    return (site.path, site.text, kind, owner, attr, nodes) if nodes else None


@rule("attribute_error")
@given(lambda site, project: _context(site))
def apply_known_rename(site: Site, project: Project, found) -> list[Patch]:
    """An attribute renamed between Python versions (``iteritems``, ``collections.Mapping``, ...)."""
    rel, text, kind, owner, attr, nodes = found
    short = owner.rsplit(".", 1)[-1]
    if owner == "collections" and attr in ABC_NAMES:
        spans = [(n.value.lineno, n.value.col_offset, n.value.end_lineno, n.value.end_col_offset,
                  node_text(text, n.value) + ".abc") for n in nodes]
        new = replace_spans(text, spans)
        if "import collections.abc" not in new:
            new = add_import(new, "import collections.abc")
        why = f"collections.{attr} moved to collections.abc.{attr} (Python 3.10)"
        return build_patches(site, project, [({rel: new}, why)], single=0.93)
    if attr == "has_key":
        return _has_key_to_in(site, project, nodes)
    new_attr = KNOWN_RENAMES.get((short, attr))
    if new_attr is None:
        return []
    if new_attr.startswith("__"):
        return []
    why = f"'{owner}.{attr}' is '{owner}.{new_attr}' in Python 3"
    return build_patches(site, project, [({rel: rename_attribute(text, nodes, new_attr)}, why)],
                         single=0.93)


@rule("attribute_error")
@given(lambda site, project: _context(site))
def rename_to_closest_attribute(site: Site, project: Project, found) -> list[Patch]:
    """Rename a misspelt attribute to the closest attributes of its owner (type or module)."""
    rel, text, kind, owner, attr, nodes = found
    if owner == "NoneType":
        return []
    known = owner_attributes(kind, owner, project, rel)
    ranked = closest_names(attr, known, limit=4, cutoff=0.55)
    options = [({rel: rename_attribute(text, nodes, name)},
                f"renamed '.{attr}' to '.{name}' (closest {known[name]} of {owner})")
               for name in ranked]
    return build_patches(site, project, options, single=0.9, top=0.85)


def _has_key_to_in(site: Site, project: Project, nodes: list[ast.Attribute]) -> list[Patch]:
    rel, text = site.path, site.text
    where = {(n.lineno, n.col_offset, n.end_lineno, n.end_col_offset) for n in nodes}
    spans = []
    for call in ast.walk(site.tree):

        if (isinstance(call, ast.Call) and len(call.args) == 1 and isinstance(call.func, ast.Attribute)
                and (call.func.lineno, call.func.col_offset, call.func.end_lineno,
                     call.func.end_col_offset) in where):
            mapping = node_text(text, call.func.value)
            key = node_text(text, call.args[0])
            spans.append((call.lineno, call.col_offset, call.end_lineno, call.end_col_offset,
                          f"({key} in {mapping})"))
    if not spans:
        return []
    return build_patches(site, project,
                         [({rel: replace_spans(text, spans)}, "dict.has_key(k) is 'k in dict' in Python 3")],
                         single=0.93)
