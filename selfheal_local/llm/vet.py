"""Vetting model candidates for powers the original code did not have.

A model answer is untrusted. The sandbox contains it while it is validated, but an applied fix
runs wherever the project runs next (a plain ``pytest``, production). A candidate that adds an
import or a call of a process, file-system, network or dynamic-execution API (``os``,
``subprocess``, ``shutil``, ``socket``, ``ctypes``, ``eval``/``exec``, ``__import__``, ``open``…)
that the file did not already use is flagged with the lines concerned: it is never applied
automatically, only by a person who saw those lines.

Static and conservative: names are resolved through the file's own import aliases; what is
compared is the set of risky APIs used before and after the edit, so a fix that only moves an
existing ``os.path.join`` is not flagged.
"""

from __future__ import annotations

import ast
from dataclasses import asdict, dataclass

RISKY_REASON = "risky model fix"
"""How a refusal starts (in the heal JSON's ``failed`` reasons and the memory's negatives)."""

RISKY_MODULES = frozenset({
    # processes and the interpreter
    "os", "subprocess", "multiprocessing", "signal", "pty", "posix", "sys", "atexit",
    "threading", "_thread", "resource",
    # file system
    "shutil", "pathlib", "tempfile", "glob", "io", "fileinput", "zipfile", "tarfile",
    # network
    "socket", "ssl", "http", "urllib", "urllib3", "requests", "httpx", "aiohttp", "ftplib",
    "smtplib", "telnetlib", "asyncio", "xmlrpc", "socketserver", "select", "selectors",
    # dynamic execution, native code, deserialisation of code
    "ctypes", "cffi", "importlib", "runpy", "code", "codeop", "builtins", "pickle", "marshal",
    "shelve", "dill",
})
"""Top-level modules whose import or use gives code power over the machine."""

RISKY_BUILTINS = frozenset({
    "eval", "exec", "compile", "__import__", "open", "breakpoint", "input", "globals",
    "locals", "vars", "setattr", "delattr",
})
"""Builtins that execute code, touch files or reach into namespaces."""


@dataclass(frozen=True)
class RiskyLine:
    """One line of a candidate that uses a risky API the original file did not use."""

    file: str
    line: int
    api: str
    """``os``, ``os.remove``, ``eval`` …"""
    code: str
    """The line as written (stripped)."""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> the dotted name it was imported as, for risky modules only."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in RISKY_MODULES:
                    found[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in RISKY_MODULES:
                for alias in node.names:
                    found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return found


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _uses(tree: ast.AST) -> list[tuple[str, int]]:
    """``(api, line)`` for each risky import, attribute use or builtin call in ``tree``."""
    aliases = _aliases(tree)
    uses: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            uses.extend((a.name, node.lineno) for a in node.names
                        if a.name.split(".")[0] in RISKY_MODULES)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] in RISKY_MODULES:
            uses.extend((f"{node.module}.{a.name}", node.lineno) for a in node.names)
        elif isinstance(node, ast.Attribute | ast.Name) and isinstance(node.ctx, ast.Load):
            dotted = _dotted(node)
            if dotted is None:
                continue
            head, _, rest = dotted.partition(".")
            if head in aliases and isinstance(node, ast.Attribute):
                uses.append((aliases[head] + ("." + rest if rest else ""), node.lineno))
            elif isinstance(node, ast.Name) and node.id in RISKY_BUILTINS and node.id not in aliases:
                uses.append((node.id, node.lineno))
    return uses


def risky_additions(rel: str, before: str, after: str) -> list[RiskyLine]:
    """Lines of ``after`` using risky APIs that ``before`` did not use (an unparsable ``before``
    counts as using none; an unparsable ``after`` is not code and has no lines to flag)."""
    try:
        new_tree = ast.parse(after)
    except (SyntaxError, ValueError):
        return []
    try:
        old = {api for api, _ in _uses(ast.parse(before))}
    except (SyntaxError, ValueError):
        old = set()
    lines = after.splitlines()
    found: dict[tuple[str, int], RiskyLine] = {}
    for api, line in _uses(new_tree):
        # an attribute chain reports every prefix (os, os.path, os.path.join): keep the longest
        if api in old or any(o.startswith(api + ".") for o in old):
            continue
        code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        key = (api.split(".")[0], line)
        if key not in found or len(api) > len(found[key].api):
            found[key] = RiskyLine(rel, line, api, code)
    return sorted(found.values(), key=lambda r: (r.file, r.line, r.api))


def flag_risky(patch) -> list[dict[str, object]]:  # noqa: ANN001 - types.Patch
    """Vet every edit of ``patch``; the findings go to ``patch.metadata["risky"]`` (what the
    TUI and the JSON show) and are returned."""
    risky = [r.to_dict() for e in patch.edits for r in risky_additions(e.path, e.before, e.after)]
    if risky:
        patch.metadata["risky"] = risky
    return risky


def describe(risky: list[dict[str, object]], limit: int = 3) -> str:
    """``shop/cart.py:5 os.remove, …`` for a one-line reason."""
    shown = ", ".join(f"{r['file']}:{r['line']} {r['api']}" for r in risky[:limit])
    return shown + (f" and {len(risky) - limit} more" if len(risky) > limit else "")


__all__ = ["RISKY_BUILTINS", "RISKY_MODULES", "RISKY_REASON", "RiskyLine", "describe", "flag_risky",
           "risky_additions"]
