"""Text edits at ``ast`` positions that keep the rest of a file byte-for-byte as it was.

``ast`` gives 1-based lines and UTF-8 byte columns; every helper here converts them to
string offsets on the line, so comments, quotes and formatting outside the edit survive.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import logging
import re
from collections.abc import Iterable

from selfheal_local.project import Project, parse_or_none
from selfheal_local.types import Patch

from .base import Site, innermost_function, make_patch

log = logging.getLogger(__name__)


def char_col(line_text: str, byte_col: int) -> int:
    """String index on a line of an ``ast`` UTF-8 byte column."""
    return len(line_text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def replace_spans(text: str, spans: Iterable[tuple[int, int, int, int, str]]) -> str:
    """Replace ``(line, byte_col, end_line, end_byte_col, new)`` spans (1-based lines)."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def to_offset(line: int, col: int) -> int:
        return offsets[line - 1] + char_col(lines[line - 1], col)

    chunks = sorted(
        ((to_offset(a, b), to_offset(c, d), new) for a, b, c, d, new in spans), reverse=True
    )
    for start, end, new in chunks:
        text = text[:start] + new + text[end:]
    return text


def node_text(text: str, node: ast.AST) -> str:
    """The exact source of ``node``."""
    return ast.get_source_segment(text, node) or ""


def wrap_node(text: str, node: ast.AST, before: str, after: str) -> str:
    """``text`` with ``node``'s source wrapped as ``before + source + after``."""
    src = node_text(text, node)
    return replace_spans(
        text, [(node.lineno, node.col_offset, node.end_lineno, node.end_col_offset,
                f"{before}{src}{after}")]
    )


function_at = innermost_function
"""The innermost function whose body contains ``line``."""


def statement_at(tree: ast.AST, line: int) -> ast.stmt | None:
    """The innermost simple statement that spans ``line``."""
    best = None
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno <= line <= (node.end_lineno or node.lineno):
            if not hasattr(node, "body") or node.lineno == line:
                if best is None or node.lineno >= best.lineno:
                    best = node
    return best


def indent_of(text: str, line: int) -> str:
    """Leading whitespace of a 1-based line."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    raw = lines[line - 1]
    return raw[: len(raw) - len(raw.lstrip())]


def insert_lines(text: str, after_line: int, new_lines: list[str]) -> str:
    """Insert whole lines after 1-based ``after_line`` (0: at the top)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n") and after_line >= len(lines):
        lines[-1] += "\n"
    block = [ln if ln.endswith("\n") else ln + "\n" for ln in new_lines]
    return "".join(lines[:after_line] + block + lines[after_line:])


def replace_line(text: str, line: int, new: str) -> str:
    """``text`` with 1-based ``line`` replaced (its line ending kept)."""
    lines = text.splitlines(keepends=True)
    old = lines[line - 1]
    ending = old[len(old.rstrip("\r\n")):]
    lines[line - 1] = new + ending
    return "".join(lines)


def add_import(text: str, statement: str) -> str:
    """Add an import statement after the module's leading imports (docstring, __future__ kept)."""
    tree = parse_or_none(text)
    after = 0
    if tree is not None:
        body = tree.body
        index = 0
        if body and isinstance(body[0], ast.Expr) and isinstance(
            getattr(body[0], "value", None), ast.Constant
        ) and isinstance(body[0].value.value, str):
            after = body[0].end_lineno or 0
            index = 1
        while index < len(body) and isinstance(body[index], ast.Import | ast.ImportFrom):
            after = body[index].end_lineno or after
            index += 1
    else:
        lines = text.splitlines()
        for number, raw in enumerate(lines, 1):
            if re.match(r"(import|from)\s+\w", raw):
                after = number
            elif raw.strip() and not raw.startswith("#") and after:
                break
    lines = text.splitlines()
    following = lines[after] if after < len(lines) else ""
    block = [statement]
    if after == 0 and following.strip():
        # a new import block before code: the blank lines PEP 8 puts after imports
        block += ["", ""] if re.match(r"(def|class|async def|@)\b", following) else [""]
    return insert_lines(text, after, block)


# --- names in scope -----------------------------------------------------------------------

KIND_RANK = {"local": 0, "param": 0, "global": 1, "import": 1, "builtin": 2, "module": 3}
"""Lower is likelier for the same spelling distance: a local typo beats a builtin one."""


def _targets(node: ast.AST) -> Iterable[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            yield sub.id


def _bound_in(body: Iterable[ast.stmt]) -> dict[str, str]:
    """Names a block of statements binds, without descending into nested scopes."""
    found: dict[str, str] = {}
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.setdefault(node.name, "local")
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name != "*":
                    found.setdefault((alias.asname or alias.name).split(".")[0], "import")
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.setdefault(node.id, "local")
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.setdefault(node.name, "local")
        stack.extend(ast.iter_child_nodes(node))
    return found


def function_params(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[str]:
    """All parameter names of a function, in order."""
    a = fn.args
    names = [x.arg for x in a.posonlyargs + a.args]
    if a.vararg:
        names.append(a.vararg.arg)
    names += [x.arg for x in a.kwonlyargs]
    if a.kwarg:
        names.append(a.kwarg.arg)
    return names


def names_in_scope(tree: ast.Module, line: int, project: Project | None = None) -> dict[str, str]:
    """Every name visible at ``line`` with its kind (local, param, global, import, builtin, module)."""
    names: dict[str, str] = {}
    functions = [
        n for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        and n.lineno <= line <= (n.end_lineno or n.lineno)
    ]
    for fn in sorted(functions, key=lambda n: n.lineno, reverse=True):
        for param in function_params(fn):
            names.setdefault(param, "param")
        body = fn.body if isinstance(fn.body, list) else [fn.body]
        for name, kind in _bound_in(body).items():
            names.setdefault(name, kind if kind == "import" else "local")
    for name, kind in _bound_in(tree.body).items():
        names.setdefault(name, "import" if kind == "import" else "global")
    for name in dir(builtins):
        if not name.startswith("_"):
            names.setdefault(name, "builtin")
    if project is not None:
        for module in project.modules:
            names.setdefault(module.split(".")[0], "module")
    return names


def similarity(a: str, b: str) -> float:
    """Spelling similarity in [0, 1]; case differences cost little."""
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    lower = difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()
    return max(ratio, lower - 0.02)


def closest_names(
    target: str, candidates: dict[str, str], *, limit: int = 4, cutoff: float = 0.6
) -> list[str]:
    """Candidates spelled like ``target``, best first: distance, then kind (local before builtin)."""
    scored = []
    for name, kind in candidates.items():
        if name == target:
            continue
        score = similarity(target, name)
        if score >= cutoff:
            scored.append((-round(score, 2), KIND_RANK.get(kind, 2), name))
    return [name for _, _, name in sorted(scored)[:limit]]


# --- candidates -----------------------------------------------------------------------------

def ranked_confidence(index: int, total: int, *, single: float = 0.9, top: float = 0.8) -> float:
    """Confidence of the ``index``-th of ``total`` candidates from one rule."""
    if total <= 1:
        return single
    return round(max(0.5, top - 0.05 * index), 2)


def build_patches(
    site: Site,
    project: Project,
    options: list[tuple[dict[str, str], str]],
    *,
    single: float = 0.9,
    top: float = 0.8,
) -> list[Patch]:
    """Patches for ``[(edits, explanation), ...]`` best first, protected paths dropped.

    Edits to the site's file must have been made from ``site.text``.
    """
    kept: list[tuple[dict[str, str], str]] = []
    seen: set[tuple[tuple[str, str], ...]] = set()
    for edits, why in options:
        key = tuple(sorted(edits.items()))
        if not edits or key in seen or any(project.is_protected(rel) for rel in edits):
            continue
        seen.add(key)
        kept.append((edits, why))
    out: list[Patch] = []
    for index, (edits, why) in enumerate(kept):
        confidence = ranked_confidence(index, len(kept), single=single, top=top)
        patch = make_patch(site.diagnosis, project, edits, why, confidence=confidence,
                           base={site.path: site.text} if site.text else None)
        if patch is not None:
            out.append(patch)
    return out


def parent_map(tree: ast.AST) -> dict[int, ast.AST]:
    """``id(node) -> parent`` for every node of ``tree``."""
    return {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def indent_unit(text: str) -> str:
    """The file's indentation step (four spaces unless it uses tabs or two spaces)."""
    steps = [len(m) for m in re.findall(r"^( +)\S", text, flags=re.M)]
    if re.search(r"^\t+\S", text, flags=re.M):
        return "\t"
    return " " * (min(steps) if steps and min(steps) in (2, 3) else 4)


def guard_before(text: str, stmt: ast.stmt, condition: str, action: str) -> str | None:
    """``if condition: action`` inserted just before ``stmt`` (None where that cannot go)."""
    lines = text.splitlines()
    first = lines[stmt.lineno - 1].lstrip() if stmt.lineno <= len(lines) else ""
    if first.startswith(("elif", "else", "except", "finally", "case")):
        return None
    indent = indent_of(text, stmt.lineno)
    block = [f"{indent}if {condition}:", f"{indent}{indent_unit(text)}{action}"]
    return insert_lines(text, stmt.lineno - 1, block)


def guards_before(site: Site, node: ast.AST, condition: str,
                  actions: Iterable[str]) -> list[tuple[str, str]]:
    """``(new text, action)`` for each ``if condition: action`` that can go before the
    statement holding ``node`` in the site's file (a ``return`` only inside a function)."""
    stmt = enclosing_statement(site.tree, node)
    if stmt is None:
        return []
    in_function = site.function is not None
    guarded = ((guard_before(site.text, stmt, condition, action), action) for action in actions
               if in_function or not action.startswith("return"))
    return [(new, action) for new, action in guarded if new]


def enclosing_statement(tree: ast.Module, node: ast.AST) -> ast.stmt | None:
    """The statement (innermost, not a compound header's body) that contains ``node``."""
    parents = parent_map(tree)
    current: ast.AST | None = node
    while current is not None and not isinstance(current, ast.stmt):
        current = parents.get(id(current))
    return current
