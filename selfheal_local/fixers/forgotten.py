"""A definition the module never uses, passed to the call that names its siblings.

A registry or factory call often passes a module's own classes or functions under keywords
spelled like them (``CodecInfo(incrementalencoder=IncrementalEncoder,
streamwriter=StreamWriter, ...)``, ``dict(parser=parse_row, writer=write_row)`` is not one:
the names differ). When such a call leaves one out, the class or function it should pass is
defined at module level and used nowhere in the module: this operator passes it, under the
keyword its siblings' spelling gives it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator

from .mutants import Mutation, SourceText, argument_slot

WEIGHT = 3.0
"""As likely as a local the function binds and never reads, passed by name: the definition is
otherwise dead, and the call's own keywords say how it would be spelled."""


def _squash(name: str) -> str:
    return name.replace("_", "").lower()


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def keyword_style(node: ast.Call) -> Callable[[str], str] | None:
    """How the call spells a keyword for the name it passes, when at least two of its keywords
    pass a name spelled like them in another case (``streamwriter=StreamWriter``: lower case;
    ``stream_writer=StreamWriter``: snake case); None otherwise."""
    pairs = [(k.arg, k.value.id) for k in node.keywords if k.arg and isinstance(
        k.value, ast.Name) and k.arg != k.value.id and _squash(k.arg) == _squash(k.value.id)]
    if len(pairs) < 2:
        return None
    for style in (str.lower, _snake):
        if all(style(value) == arg for arg, value in pairs):
            return style
    return None


def unused_definitions(module: ast.Module) -> list[str]:
    """Classes and functions defined at the module's top level that it never refers to (nor
    lists in ``__all__``), in their order."""
    defined = [s.name for s in module.body
               if isinstance(s, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)]
    used = {n.id for n in ast.walk(module) if isinstance(n, ast.Name)}
    used |= {n.value for n in ast.walk(module) if isinstance(n, ast.Constant)
             and isinstance(n.value, str)}  # ``__all__``, ``getattr(module, "Name")``
    return [name for name in defined if name not in used and not name.startswith("__")]


def pass_forgotten(src: SourceText, node: ast.Call, unused: list[str]) -> Iterator[Mutation]:
    """``keyword=Name`` added to ``node`` for each unused definition its keywords' spelling
    names and it does not pass yet."""
    style = keyword_style(node) if unused else None
    slot = argument_slot(src, node) if style else None
    if slot is None:
        return
    at, sep = slot
    given = {k.arg for k in node.keywords}
    for name in unused:
        keyword = style(name)
        if keyword not in given and keyword.isidentifier():
            yield Mutation(node.lineno, node.col_offset, "arg_add",
                           ((at, at, f"{sep}{keyword}={name}"),), f"passed '{keyword}={name}'",
                           WEIGHT)


__all__ = ["WEIGHT", "keyword_style", "pass_forgotten", "unused_definitions"]
