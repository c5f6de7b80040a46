"""Abstract transformations: what a fix *did*, re-expressible at another site.

A transformation is a short list of steps, each readable JSON::

    {"kind": "edit_line", "old": ["$ID1"], "new": ["str", "(", "$ID1", ")"],
     "context_left": ["$S1", "+"], "context_right": [], "space": [false, false, false, false]}
    {"kind": "add_import", "line": "import $NAME"}
    {"kind": "insert_before", "anchor": ["/", "$ID1"],
     "lines": [{"indent": 0, "tokens": ["if", "$ID1", "==", "0", ":"], "space": [...]}, ...]}

Roles: ``$NAME`` is the diagnosed name (variable, attribute, module); ``$IDk`` any other
identifier, ``$Sk`` a string literal, ``$Nk`` a number, all bound consistently within a match;
``$NEAR:R`` is a name in the file close to whatever role R bound (a typo fix); ``$SIB:R`` another
attribute the file uses on the object R bound (``memory.roles``). All else is text.
"""

from __future__ import annotations

import ast
import difflib
import itertools
import sys
from collections.abc import Collection
from typing import Any

from selfheal_local.types import Diagnosis, Patch

from .roles import (
    DEAD,
    FIXED_ROLES,
    NEAR_CUTOFF,
    abstract_new,
    attribute_names,
    context_bounds,
    dead_at,
    role_map,
    role_of,
    spaces,
)
from .signature import Token, tokenize_line

MAX_STEPS = 3
MAX_INSERTED_LINES = 6
MAX_ALTERNATIVES = 6


def _is_import(line: str) -> bool:
    return line.lstrip().startswith(("import ", "from ")) and " import " in f" {line.strip()} "


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _canonical(step: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    """Renumber roles by first appearance in ``order`` so that keys do not depend on the site."""
    mapping: dict[str, str] = {}
    counters = {"ID": 0, "S": 0, "N": 0}

    def rename(elem: str) -> str:
        if not elem.startswith("$") or elem in FIXED_ROLES:
            return elem
        if ":" in elem:  # $NEAR:R, $SIB:R
            kind, role = elem.split(":", 1)
            return f"{kind}:" + rename("$" + role)[1:]
        if elem not in mapping:
            prefix = elem[1:].rstrip("0123456789")
            counters[prefix] += 1
            mapping[elem] = f"${prefix}{counters[prefix]}"
        return mapping[elem]

    for key in order:
        if key == "lines":
            step["lines"] = [dict(ln, tokens=[rename(e) for e in ln["tokens"]])
                             for ln in step["lines"]]
        else:
            step[key] = [rename(e) for e in step[key]]
    return step


def _edit_line_step(before: str, after: str, name: str,
                    dead: Collection[str] = ()) -> dict[str, Any] | None:
    old, new = tokenize_line(before), tokenize_line(after)
    if [t.text for t in old] == [t.text for t in new]:
        return None
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix].text == new[prefix].text:
        prefix += 1
    suffix = 0
    while (suffix < min(len(old), len(new)) - prefix
           and old[-1 - suffix].text == new[-1 - suffix].text):
        suffix += 1
    roles = role_map(old, name)
    old_span, new_span = old[prefix:len(old) - suffix], new[prefix:len(new) - suffix]
    if not old_span and prefix == 0:
        return None  # a pure insertion needs something on its left to anchor it
    texts = ["", "", *(t.text for t in new)]
    new_roles = [abstract_new(t, roles, (texts[prefix + i], texts[prefix + i + 1]), dead)
                 for i, t in enumerate(new_span)]
    lo, hi = context_bounds(old, prefix, len(old) - suffix, roles, new_roles)
    step = {
        "kind": "edit_line",
        "old": [roles.get(t.text, t.text) for t in old_span],
        "new": new_roles,
        "context_left": [roles.get(t.text, t.text) for t in old[lo:prefix]],
        "context_right": [roles.get(t.text, t.text) for t in old[len(old) - suffix:hi]],
        "space": spaces(new)[prefix:len(new) - suffix],
    }
    # a role only the new text has could never be bound elsewhere: ``n`` -> ``n + 1`` adds a 1
    matched = set(step["old"]) | set(step["context_left"]) | set(step["context_right"])
    literal = {role: text for text, role in roles.items()}
    step["new"] = [e if not e.startswith("$") or e in FIXED_ROLES or role_of(e) in matched
                   else literal.get(e, t.text) for e, t in zip(step["new"], new_span, strict=True)]
    return _canonical(step, ("old", "new", "context_left", "context_right"))


def _names(line: str) -> set[str]:
    return {t.text for t in tokenize_line(line) if t.is_identifier}


def _insertion_step(before: list[str], i1: int, inserted: list[str],
                    name: str) -> dict[str, Any] | None:
    """Inserted lines anchor on the line after them, or on the line before when that is where
    their names come from (``return counts`` after the loop that fills ``counts``)."""
    nxt = before[i1] if i1 < len(before) else ""
    prev = before[i1 - 1] if i1 > 0 else ""
    used = set().union(*(_names(ln) for ln in inserted))
    if prev.strip() and (not nxt.strip() or (used & _names(prev)) - _names(nxt)):
        return _insert_before_step(prev, inserted, name, after=True)
    return _insert_before_step(nxt, inserted, name) if nxt.strip() else None


def _insert_before_step(anchor: str, inserted: list[str], name: str,
                        after: bool = False) -> dict[str, Any] | None:
    anchor_toks = tokenize_line(anchor)
    if not anchor_toks:
        return None
    roles = role_map(anchor_toks, name)
    lines = []
    for text in inserted:
        toks = tokenize_line(text)
        shift = _indent(text) - _indent(anchor)  # after a line: may dedent (leave its block)
        lines.append({"indent": shift if after else max(0, shift),
                      "tokens": [roles.get(t.text, t.text) if t.is_identifier else t.text
                                 for t in toks],
                      "space": spaces(toks)})
    used = {e for ln in lines for e in ln["tokens"] if e.startswith("$")}
    abstract = [roles.get(t.text, t.text) for t in anchor_toks]
    hits = [i for i, e in enumerate(abstract) if e in used]
    lo, hi = (max(0, hits[0] - 1), min(len(abstract), hits[-1] + 2)) if hits else (0, 3)
    step = {"kind": "insert_before", "anchor": abstract[lo:hi], "lines": lines}
    if after:
        step["after"] = True
    return _canonical(step, ("anchor", "lines"))


def _import_step(line: str, name: str) -> dict[str, Any]:
    toks = line.strip().split()
    if name and toks and toks[-1] == name:
        toks[-1] = "$NAME"
    return {"kind": "add_import", "line": " ".join(toks)}


def extract(diagnosis: Diagnosis, patch: Patch) -> dict[str, Any] | None:
    """The abstract transformation of a single-file patch, or None when it has no simple shape."""
    if len(patch.edits) != 1:
        return None
    edit = patch.edits[0]
    before, after = edit.before.splitlines(), edit.after.splitlines()
    name = diagnosis.name
    steps: list[dict[str, Any]] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        added = [ln for ln in after[j1:j2] if ln.strip()]
        if tag == "insert" and added and all(_is_import(ln) for ln in added):
            steps.extend(_import_step(ln, name) for ln in added)
        elif tag == "replace" and i2 - i1 == j2 - j1:
            for n, (b, a) in enumerate(zip(before[i1:i2], after[j1:j2], strict=True)):
                if b != a and (step := _edit_line_step(
                        b, a, name, dead_at(edit.before, i1 + n + 1))) is None:
                    return None
                if b != a:  # where it was: the nearest of several like lines comes first
                    steps.append({**step, "line": i1 + n + 1})
        elif tag == "insert" and 0 < len(added) <= MAX_INSERTED_LINES:
            if (step := _insertion_step(before, i1, after[j1:j2], name)) is None:
                return None
            steps.append(step)
        else:
            return None
    if not steps or len(steps) > MAX_STEPS:
        return None
    site = "diagnosed" if edit.path == diagnosis.file else "elsewhere"
    return {"version": 1, "pattern": diagnosis.pattern, "site": site, "path": edit.path,
            "steps": steps}


# ---- re-expressing a transformation at a new site ------------------------------------------


def _match(pattern: list[str], toks: list[Token], at: int, bound: dict[str, str],
           name: str) -> dict[str, str] | None:
    if at + len(pattern) > len(toks):
        return None
    bound = dict(bound)
    for elem, tok in zip(pattern, toks[at:at + len(pattern)], strict=False):
        if not elem.startswith("$"):
            if tok.text != elem:
                return None
            continue
        if elem == "$NAME":
            ok = tok.text == name if name else tok.is_identifier
        elif elem.startswith("$ID"):
            ok = tok.is_identifier
        elif elem.startswith("$S"):
            ok = tok.kind == "STRING"
        else:
            ok = tok.kind == "NUMBER"
        if not ok or bound.setdefault(elem, tok.text) != tok.text:
            return None
    return bound


def _near(role_value: str, vocabulary: set[str]) -> list[str]:
    return difflib.get_close_matches(role_value, sorted(vocabulary - {role_value}), n=3,
                                     cutoff=NEAR_CUTOFF)


def _render(elems: list[str], space: list[bool], bound: dict[str, str], vocabulary: set[str],
            attributes: dict[str, list[str]] | None = None, dead: Collection[str] = ()
            ) -> list[str]:
    """All renderings of ``elems`` (several when a ``$NEAR``, ``$SIB`` or ``$DEAD`` role has
    several)."""
    options: list[list[str]] = []
    for elem in elems:
        source = bound.get(role_of(elem))
        if elem == DEAD:  # a name the function here binds and never reads
            options.append(sorted(dead))
        elif elem.startswith("$NEAR:"):
            options.append(_near(source, vocabulary) if source else [])
        elif elem.startswith("$SIB:"):  # another attribute the file uses on that object
            taken = set(bound.values())
            options.append([a for a in (attributes or {}).get(source or "", []) if a not in taken])
        elif elem.startswith("$"):
            options.append([bound[elem]] if elem in bound else [])
        else:
            options.append([elem])
    out = []
    for combo in itertools.islice(itertools.product(*options), MAX_ALTERNATIVES):
        text = ""
        for i, piece in enumerate(combo):
            text += (" " if i < len(space) and space[i] and text else "") + piece
        out.append(text)
    return out


def _vocabulary(text: str) -> set[str]:
    return {t.text for ln in text.splitlines() for t in tokenize_line(ln) if t.is_identifier}


def _candidate_lines(text: str, diagnosis: Diagnosis | None, near: int = 0) -> list[int]:
    total = len(text.splitlines())
    if diagnosis is None:  # not the diagnosed file: every line, nearest to ``near`` first
        return sorted(range(1, total + 1), key=lambda i: abs(i - near) if near else i)
    first = [diagnosis.line] if 0 < diagnosis.line <= total else []
    start, end = diagnosis.function_span
    return first + [i for i in range(max(1, start), min(total, end) + 1) if i not in first]


def _apply_edit_line(step: dict[str, Any], text: str, diagnosis: Diagnosis,
                     here: bool) -> list[str]:
    lines = text.splitlines(keepends=True)
    vocabulary = _vocabulary(text)
    levels = [(step["context_left"], step["context_right"]),
              (step["context_left"][-1:], step["context_right"][:1]), ([], [])]
    for left, right in levels:
        if not step["old"] and not left:
            continue
        pattern = left + step["old"] + right
        results: list[str] = []  # every line that matches (like lines are common), nearest first
        for lineno in _candidate_lines(text, diagnosis if here else None, step.get("line", 0)):
            line = lines[lineno - 1]
            toks = tokenize_line(line)
            for at in range(len(toks)):
                bound = _match(pattern, toks, at, {}, diagnosis.name)
                if bound is None:
                    continue
                old_toks = toks[at + len(left):at + len(left) + len(step["old"])]
                if old_toks:
                    lo, hi, lead = old_toks[0].start, old_toks[-1].end, False
                else:
                    lo = hi = toks[at + len(left) - 1].end
                    lead = bool(step["space"] and step["space"][0])
                for piece in _render(step["new"], step["space"], bound, vocabulary,
                                     attribute_names(text), dead_at(text, lineno)
                                     if DEAD in step["new"] else ()):
                    new_line = line[:lo] + (" " if lead else "") + piece + line[hi:]
                    results.append("".join(lines[:lineno - 1]) + new_line
                                   + "".join(lines[lineno:]))
            if len(results) >= MAX_ALTERNATIVES:
                break
        if results:
            return results[:MAX_ALTERNATIVES]
    return []


def _apply_insert_before(step: dict[str, Any], text: str, diagnosis: Diagnosis,
                         here: bool) -> list[str]:
    lines = text.splitlines(keepends=True)
    vocabulary = _vocabulary(text)
    for lineno in _candidate_lines(text, diagnosis if here else None):
        line = lines[lineno - 1]
        toks = tokenize_line(line)
        for at in range(len(toks)):
            bound = _match(step["anchor"], toks, at, {}, diagnosis.name)
            if bound is None:
                continue
            rendered = []
            for spec in step["lines"]:
                pieces = _render(spec["tokens"], spec["space"], bound, vocabulary)
                if not pieces:
                    break
                indent = (line[:_indent(line)] + " " * spec["indent"] if spec["indent"] >= 0
                          else " " * max(0, _indent(line) + spec["indent"]))
                rendered.append(indent + pieces[0] + "\n")
            else:
                cut = lineno if step.get("after") else lineno - 1
                return ["".join(lines[:cut]) + "".join(rendered) + "".join(lines[cut:])]
    return []


def _import_position(text: str) -> int:
    """0-based line index where a new top-level import goes (after the last one)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return 0
    pos = 0
    for i, node in enumerate(tree.body):
        is_doc = (i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                  and isinstance(node.value.value, str))
        if is_doc or isinstance(node, ast.Import | ast.ImportFrom):
            pos = node.end_lineno or pos
        else:
            break
    return pos


def _apply_import(step: dict[str, Any], text: str, diagnosis: Diagnosis,
                  modules: set[str]) -> list[str]:
    line = step["line"]
    if "$NAME" in line:
        if not diagnosis.name:
            return []
        if line.startswith("import ") and line == "import $NAME" and diagnosis.name not in modules:
            return []  # only import a name that is a module we know
        line = line.replace("$NAME", diagnosis.name)
    if any(ln.strip() == line for ln in text.splitlines()):
        return [text]
    lines = text.splitlines(keepends=True)
    pos = _import_position(text)
    return ["".join(lines[:pos]) + line + "\n" + "".join(lines[pos:])]


def apply(transformation: dict[str, Any], diagnosis: Diagnosis, text: str,
          modules: set[str] = frozenset(), *, here: bool = True) -> list[str]:
    """New texts of a file with the transformation re-expressed there (may be []).

    ``here``: ``text`` is the diagnosed file (the failing line is tried first); otherwise
    it is the file the past fix edited, and every line is a candidate site.
    """
    if transformation.get("pattern") != diagnosis.pattern:
        return []
    known = set(modules) | set(sys.stdlib_module_names)
    texts = [text]
    # imports last: they shift the lines the other steps look for
    steps = sorted(transformation["steps"], key=lambda s: s["kind"] == "add_import")
    for step in steps:
        nxt: list[str] = []
        for current in texts:
            if step["kind"] == "edit_line":
                nxt.extend(_apply_edit_line(step, current, diagnosis, here))
            elif step["kind"] == "insert_before":
                nxt.extend(_apply_insert_before(step, current, diagnosis, here))
            else:
                nxt.extend(_apply_import(step, current, diagnosis, known))
        texts = list(dict.fromkeys(nxt))[:MAX_ALTERNATIVES]
        if not texts:
            return []
    return [t for t in texts if t != text]
