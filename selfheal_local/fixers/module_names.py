"""Names a module defines, found without importing it.

A module name read from test output is untrusted: importing it runs its code in the agent's own,
unsandboxed process (``this`` prints, ``unittest.__main__`` exits, others open sockets). The
source file is located with the path finder, which executes nothing (``importlib.util.find_spec``
would import parent packages), and read with ``ast``. Only modules that are already loaded, or
compiled into the interpreter, are looked at with ``dir``.
"""

from __future__ import annotations

import ast
import importlib
import logging
import sys
from importlib.machinery import PathFinder, SourceFileLoader
from pathlib import Path

log = logging.getLogger(__name__)

MAX_SOURCE_BYTES = 2 * 1024 * 1024

SAFE_EXTENSIONS = frozenset({"math", "cmath", "array", "binascii", "zlib", "unicodedata"})
"""Standard-library C modules without Python source whose import only defines functions."""


def _source_file(module: str) -> Path | None:
    """The ``.py`` file of ``module`` on the agent's ``sys.path``, located without importing."""
    path: list[str] | None = None
    spec = None
    for part in module.split("."):
        if not part.isidentifier():
            return None
        spec = PathFinder.find_spec(part, path)
        if spec is None:
            return None
        path = list(spec.submodule_search_locations or [])
    if spec is None or not isinstance(spec.loader, SourceFileLoader) or not spec.origin:
        return None
    return Path(spec.origin)


def defined_names(body: list[ast.stmt], names: set[str], *, imports: bool = True) -> None:
    """Top-level names, including those bound under ``if``/``try`` (platform branches);
    ``imports=False``: only those the module defines itself (def, class, assignment)."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom) and imports:
            names.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
        elif isinstance(node, ast.If | ast.Try | ast.With):
            for block in ("body", "orelse", "finalbody"):
                defined_names(getattr(node, block, []) or [], names, imports=imports)
            for handler in getattr(node, "handlers", []):
                defined_names(handler.body, names, imports=imports)


def static_module_names(module: str) -> set[str] | None:
    """Public names of ``module`` read from its source; None when it has no readable source."""
    origin = _source_file(module)
    if origin is None:
        return None
    try:
        if origin.stat().st_size > MAX_SOURCE_BYTES:
            return None
        tree = ast.parse(origin.read_bytes(), filename=str(origin))
    except (OSError, SyntaxError, ValueError) as exc:
        log.debug("cannot read %s: %s", origin, exc)
        return None
    names: set[str] = set()
    defined_names(tree.body, names)
    return {n for n in names if not n.startswith("_")}


def module_names(module: str) -> set[str]:
    """Public names of ``module``, never importing it (empty when they cannot be known safely)."""
    loaded = sys.modules.get(module)
    if loaded is None and (module in sys.builtin_module_names or module in SAFE_EXTENSIONS):
        # compiled C code that only defines functions; no Python code of anyone's runs
        loaded = importlib.import_module(module)
    if loaded is not None:
        return {n for n in dir(loaded) if not n.startswith("_")}
    return static_module_names(module) or set()


__all__ = ["module_names", "static_module_names"]
