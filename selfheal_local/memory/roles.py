"""The roles a transformation's tokens play, and how much of the fixed line it keeps as context.

Extraction maps each token of the fixed line to a role: ``$NAME`` (the diagnosed name), ``$IDk``,
``$Sk``, ``$Nk``; a new name near an old one is ``$NEAR:IDk`` (a typo fix); a new attribute of
an object the line already uses is ``$SIB:IDk`` (``self.width`` -> ``self.height``: another
attribute of whatever ``$IDk`` binds, at the new site); a name the enclosing function binds and
never reads is ``$DEAD`` (``pad(row)`` -> ``pad(row, width=width)`` in ``table(rows, width)``:
at the new site, whatever name its function leaves unread); a builtin, or a builtin type's method
after a dot, stays text (``find`` -> ``rfind`` is the same in every project).

``return sum(kept) / len(values)`` fixed to ``len(kept)``: the new ``kept`` is a name the line
already has, left of the two tokens of context an edit keeps by default. Recorded as text it
replays only where the variable has the same name; with the context widened to reach it, it is
a role (``$ID1 ) / len ( $ID2 )`` -> ``$ID1``) and the fix replays under any names."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection

from .signature import BUILTINS, Token

NEAR_CUTOFF = 0.6
DEFAULT_CONTEXT = 2
MAX_CONTEXT = 8
"""Most tokens the context grows by, either side, to reach a name the new text reuses."""
METHODS = frozenset().union(*(dir(t) for t in (str, bytes, list, dict, set, tuple, int, float)))
_ATTRIBUTE = re.compile(r"\b([A-Za-z_]\w*)\s*\.\s*([A-Za-z_]\w*)")


def language_name(name: str, method: bool) -> bool:
    """A name that means the same in every project: a builtin, or after a dot a method of a
    builtin type. (A variable ``count`` is the project's own; ``.count`` is the list's.)"""
    return name in METHODS if method else name in BUILTINS


def role_of(elem: str) -> str:
    """The role a derived element refers to: ``$NEAR:ID1`` and ``$SIB:ID1`` -> ``$ID1``."""
    return "$" + elem.split(":", 1)[1] if elem.startswith("$") and ":" in elem else elem


def role_map(tokens: list[Token], name: str) -> dict[str, str]:
    roles: dict[str, str] = {}
    counters = {"ID": 0, "S": 0, "N": 0}
    for tok in tokens:
        if tok.text in roles:
            continue
        if tok.is_identifier and name and tok.text == name:
            roles[tok.text] = "$NAME"
        elif tok.is_identifier or tok.kind in ("STRING", "NUMBER"):
            prefix = "ID" if tok.kind == "NAME" else ("S" if tok.kind == "STRING" else "N")
            counters[prefix] += 1
            roles[tok.text] = f"${prefix}{counters[prefix]}"
    return roles


DEAD = "$DEAD"
FIXED_ROLES = ("$NAME", DEAD)
"""Roles that name the same thing at every site (never renumbered)."""


def abstract_new(tok: Token, roles: dict[str, str], previous: tuple[str, str] = ("", ""),
                 dead: Collection[str] = ()) -> str:
    """The role of a token of the new text; ``previous``: the two tokens before it there;
    ``dead``: the names the enclosing function binds and never reads."""
    if tok.text in roles:
        return roles[tok.text]
    attribute = previous[1] == "."
    if not tok.is_identifier or language_name(tok.text, attribute):
        return tok.text
    if tok.text in dead and not attribute:
        return DEAD
    olds = [t for t, r in roles.items() if r == "$NAME" or r.startswith("$ID")]
    best = max(olds, key=lambda o: difflib.SequenceMatcher(None, o, tok.text).ratio(), default="")
    if best and difflib.SequenceMatcher(None, best, tok.text).ratio() >= NEAR_CUTOFF:
        return f"$NEAR:{roles[best][1:]}"
    base = roles.get(previous[0], "") if attribute else ""
    return f"$SIB:{base[1:]}" if base.startswith(("$ID", "$NAME")) else tok.text


def dead_at(text: str, line: int) -> set[str]:
    """Names the innermost function holding ``line`` binds and never reads (none outside a
    function, or when the text does not parse)."""
    import ast

    from selfheal_local.fixers.base import innermost_function
    from selfheal_local.fixers.scopes import dead_names

    try:
        fn = innermost_function(ast.parse(text), line)
    except (SyntaxError, ValueError):
        return set()
    return dead_names(fn) if fn is not None else set()


def spaces(tokens: list[Token]) -> list[bool]:
    return [i > 0 and tok.start > tokens[i - 1].end for i, tok in enumerate(tokens)]


def attribute_names(text: str) -> dict[str, list[str]]:
    """Object name -> the attribute names the text uses on it, in order of first use."""
    out: dict[str, list[str]] = {}
    for base, attr in _ATTRIBUTE.findall(text):
        names = out.setdefault(base, [])
        if attr not in names:
            names.append(attr)
    return out


def context_bounds(old: list[Token], start: int, end: int, roles: dict[str, str],
                   new: list[str]) -> tuple[int, int]:
    """``(lo, hi)``: the context is ``old[lo:start]`` and ``old[end:hi]``, widened so that every
    identifier role ``new`` uses that occurs on the line is inside it (when near enough)."""
    lo, hi = max(0, start - DEFAULT_CONTEXT), min(len(old), end + DEFAULT_CONTEXT)
    for role in dict.fromkeys(role_of(e) for e in new if role_of(e).startswith("$ID")):
        if any(roles.get(t.text) == role for t in old[lo:hi]):
            continue
        left = [i for i in range(lo) if roles.get(old[i].text) == role]
        right = [i for i in range(hi, len(old)) if roles.get(old[i].text) == role]
        if left and start - left[-1] <= MAX_CONTEXT:
            lo = left[-1]
        elif right and right[0] - end < MAX_CONTEXT:
            hi = right[0] + 1
    return lo, hi


__all__ = ["DEAD", "FIXED_ROLES", "NEAR_CUTOFF", "abstract_new", "attribute_names",
           "context_bounds", "dead_at", "language_name", "role_map", "role_of", "spaces"]
