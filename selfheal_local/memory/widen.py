"""How much of the fixed line a transformation keeps as context, and which names stay text.

``return sum(kept) / len(values)`` fixed to ``len(kept)``: the new ``kept`` is a name the line
already has, left of the two tokens of context an edit keeps by default. Recorded as text it
replays only where the variable has the same name; with the context widened to reach it, it is
a role (``$ID1 ) / len ( $ID2 )`` -> ``$ID1``) and the fix replays under any names."""

from __future__ import annotations

import builtins

from .signature import Token

METHODS = frozenset().union(*(dir(t) for t in (str, bytes, list, dict, set, tuple, int, float)))
BUILTINS = frozenset(dir(builtins))


def language_name(name: str, method: bool) -> bool:
    """A name that means the same in every project: a builtin, or after a dot a method of a
    builtin type (``find`` -> ``rfind``). Written as text, not as a name near one of the site's
    (a variable ``count`` is the project's own; ``.count`` is the list's)."""
    return name in METHODS if method else name in BUILTINS


DEFAULT_CONTEXT = 2
MAX_CONTEXT = 8
"""Most tokens the context grows by, either side, to reach a name the new text reuses."""


def _role(elem: str) -> str:
    return "$" + elem[6:] if elem.startswith("$NEAR:") else elem


def context_bounds(old: list[Token], start: int, end: int, roles: dict[str, str],
                   new: list[str]) -> tuple[int, int]:
    """``(lo, hi)``: the context is ``old[lo:start]`` and ``old[end:hi]``, widened so that every
    identifier role ``new`` uses that occurs on the line is inside it (when near enough)."""
    lo, hi = max(0, start - DEFAULT_CONTEXT), min(len(old), end + DEFAULT_CONTEXT)
    for role in dict.fromkeys(_role(e) for e in new if _role(e).startswith("$ID")):
        if any(roles.get(t.text) == role for t in old[lo:hi]):
            continue
        left = [i for i in range(lo) if roles.get(old[i].text) == role]
        right = [i for i in range(hi, len(old)) if roles.get(old[i].text) == role]
        if left and start - left[-1] <= MAX_CONTEXT:
            lo = left[-1]
        elif right and right[0] - end < MAX_CONTEXT:
            hi = right[0] + 1
    return lo, hi


__all__ = ["context_bounds", "language_name"]
