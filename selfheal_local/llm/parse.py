"""Turning a model's answer into whole-file edits, defensively.

Accepted: the corrected function in a fenced block (extra prose around it, a missing fence,
the wrong indentation, extra imports above it), SEARCH/REPLACE blocks, or a whole-file answer.
Only files inside the project are edited; anything else yields no edit at all.
"""

from __future__ import annotations

import ast
import logging
import re
import textwrap

from selfheal_local.errors import BadInputError, UnsafeEditError
from selfheal_local.project import Project
from selfheal_local.types import Diagnosis

log = logging.getLogger(__name__)

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_SEARCH_REPLACE = re.compile(
    r"(?:^|\n)(?:[ \t]*(?P<path>[\w./-]+\.py)[ \t]*\n)?<{5,9} ?SEARCH[^\n]*\n(?P<search>.*?)\n?"
    r"={5,9}[^\n]*\n(?P<replace>.*?)\n?>{5,9} ?REPLACE",
    re.DOTALL,
)
_CODE_START = re.compile(r"^(?:async\s+def|def|class|@|import|from)\b")


def code_blocks(answer: str) -> list[str]:
    """Fenced blocks, or, without fences, the answer from its first line that looks like code."""
    blocks = [body for lang, body in _FENCE.findall(answer) if lang.lower() in ("", "python", "py")]
    if blocks:
        return blocks
    lines = answer.splitlines()
    for i, line in enumerate(lines):
        if _CODE_START.match(line.strip()):
            body = lines[i:]
            # drop trailing prose: shorten from the end until the rest parses
            for end in range(len(body), 0, -1):
                chunk = textwrap.dedent("\n".join(body[:end]))
                if _parses(chunk):
                    return [chunk]
            return []
    return []


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


def _target(diagnosis: Diagnosis) -> str:
    return diagnosis.file or diagnosis.finding.file


def _apply_search_replace(answer: str, diagnosis: Diagnosis, project: Project) -> dict[str, str]:
    edits: dict[str, str] = {}
    for match in _SEARCH_REPLACE.finditer(answer):
        rel = match.group("path") or _target(diagnosis)
        if rel not in project.python_files:
            rel = _target(diagnosis)
        try:
            text = edits.get(rel) or project.read(rel)
        except (UnsafeEditError, BadInputError, OSError):
            return {}
        search, replace = match.group("search"), match.group("replace")
        if search and text.count(search) == 1:
            edits[rel] = text.replace(search, replace, 1)
            continue
        # tolerate indentation/trailing-space drift: match line by line, stripped
        new = _replace_lines(text, search, replace)
        if new is None:
            return {}
        edits[rel] = new
    return edits


def _replace_lines(text: str, search: str, replace: str) -> str | None:
    lines = text.splitlines(keepends=True)
    want = [ln.strip() for ln in search.splitlines() if ln.strip()]
    if not want:
        return None
    hits = []
    for i in range(len(lines)):
        got = []
        j = i
        while j < len(lines) and len(got) < len(want):
            if lines[j].strip():
                got.append(lines[j].strip())
            j += 1
        if got == want and lines[i].strip() == want[0]:
            hits.append((i, j))
    if len(hits) != 1:
        return None
    start, end = hits[0]
    indent = re.match(r"[ \t]*", lines[start]).group(0)
    new_block = textwrap.indent(textwrap.dedent(replace), indent).rstrip("\n") + "\n"
    return "".join(lines[:start]) + new_block + "".join(lines[end:])


def _function_node(tree: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return node
    return None


def _replace_function(code: str, diagnosis: Diagnosis, text: str) -> str | None:
    name = diagnosis.function.rsplit(".", 1)[-1]
    try:
        tree = ast.parse(code)
        original = ast.parse(text)
    except SyntaxError:
        return None
    node = _function_node(tree, name)
    if node is None:
        return None
    start_new = min([node.lineno] + [d.lineno for d in node.decorator_list])
    code_lines = code.splitlines()
    new_func = textwrap.dedent("\n".join(code_lines[start_new - 1 : node.end_lineno]))
    old = _function_node(original, name)
    lines = text.splitlines(keepends=True)
    start, end = diagnosis.function_span
    if not (start and end) and old is not None:
        start = min([old.lineno] + [d.lineno for d in old.decorator_list])
        end = old.end_lineno or old.lineno
    if not (start and end):
        return None
    indent = re.match(r"[ \t]*", lines[start - 1]).group(0)
    block = textwrap.indent(new_func, indent).rstrip("\n") + "\n"
    result = "".join(lines[: start - 1]) + block + "".join(lines[end:])
    # imports the answer added above the function and the file lacks
    have = {ast.unparse(n) for n in original.body if isinstance(n, ast.Import | ast.ImportFrom)}
    extra = [
        ast.unparse(n)
        for n in tree.body
        if isinstance(n, ast.Import | ast.ImportFrom) and ast.unparse(n) not in have
    ]
    if extra:
        result = _add_imports(result, extra)
    return result


def _add_imports(text: str, imports: list[str]) -> str:
    lines = text.splitlines(keepends=True)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    at = 0
    for node in tree.body:
        is_doc = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if isinstance(node, ast.Import | ast.ImportFrom) or (is_doc and at == 0):
            at = node.end_lineno or node.lineno
        else:
            break
    return "".join(lines[:at]) + "".join(i + "\n" for i in imports) + "".join(lines[at:])


def _looks_like_whole_file(code: str, text: str) -> bool:
    try:
        new, old = ast.parse(code), ast.parse(text)
    except SyntaxError:
        return False

    def names(tree: ast.Module) -> set[str]:
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        return {n.name for n in tree.body if isinstance(n, kinds)}

    old_names = names(old)
    return bool(old_names) and old_names <= names(new) and len(old_names) > 1


def answer_to_edits(answer: str, diagnosis: Diagnosis, project: Project) -> dict[str, str]:
    """``{relative path: new text}`` from a model answer; empty when it cannot be used."""
    rel = _target(diagnosis)
    if not rel or not answer or not answer.strip():
        return {}
    try:
        text = project.read(rel)
    except (UnsafeEditError, BadInputError, OSError) as exc:
        log.info("model answer ignored: %s", exc)
        return {}
    if _SEARCH_REPLACE.search(answer):
        return _apply_search_replace(answer, diagnosis, project)
    for code in sorted(code_blocks(answer), key=len, reverse=True):
        code = textwrap.dedent(code)
        if not _parses(code):
            continue
        if _looks_like_whole_file(code, text):
            return {rel: code if code.endswith("\n") else code + "\n"}
        if diagnosis.function:
            new = _replace_function(code, diagnosis, text)
            if new is not None and _parses(new):
                return {rel: new}
    return {}


__all__ = ["answer_to_edits", "code_blocks"]
