"""Turning a model's answer into whole-file edits, defensively.

Accepted: the corrected function in a fenced block (extra prose around it, a missing fence,
the wrong indentation, extra imports above it), SEARCH/REPLACE blocks, or a whole-file answer.
Only files inside the project are edited; anything else yields no edit at all.
"""

from __future__ import annotations

import ast
import logging
import os
import re
import textwrap
from itertools import islice
from pathlib import PurePosixPath

from selfheal_local.config import Config
from selfheal_local.errors import BadInputError, UnsafeEditError
from selfheal_local.project import Project, parse_or_none
from selfheal_local.types import Diagnosis

log = logging.getLogger(__name__)

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_SEARCH_REPLACE = re.compile(
    r"(?:^|\n)(?:[ \t]*(?P<path>[\w./-]+\.py)[ \t]*\n)?<{5,9} ?SEARCH[^\n]*\n(?P<search>.*?)\n?"
    r"={5,9}[^\n]*\n(?P<replace>.*?)\n?>{5,9} ?REPLACE",
    re.DOTALL,
)
_CODE_START = re.compile(r"^(?:async\s+def|def|class|@|import|from)\b")

MAX_ANSWER_CHARS = 200_000
"""Longer answers are refused whole (``max_tokens`` already bounds them at the engine)."""
MAX_CODE_LINES = 3000
"""Most lines of unfenced code looked at from one start."""
MAX_CODE_STARTS = 1000
"""Most lines that look like the start of code probed (a few lines parsed) in an unfenced answer."""
PROBE_LINES = 4
"""Lines parsed to tell a line of prose that starts like code from code."""
MAX_CODE_TRIES = 20
"""Most starts that pass the probe and are parsed in full."""
MAX_TRIMS = 40
"""Most parses spent trimming trailing prose off one unfenced block."""
GROWTH_SLACK_CHARS = 4096
"""An edit may always add this much, whatever the growth factor (small files grow a lot)."""


def code_blocks(answer: str) -> list[str]:
    """Fenced blocks, or, without fences, the answer from its first line that looks like code.

    Linear in the answer: a start that is prose costs a parse of ``PROBE_LINES`` lines, a full attempt
    looks at ``MAX_CODE_LINES`` lines at most and is cut where the parser reports the error.
    """
    blocks = [body for lang, body in _FENCE.findall(answer) if lang.lower() in ("", "python", "py")]
    if blocks:
        return blocks
    lines = answer.splitlines()
    starts = (i for i, line in enumerate(lines) if _CODE_START.match(line.lstrip()))
    tries = 0
    for i in islice(starts, MAX_CODE_STARTS):
        if _prose_line(lines[i : i + PROBE_LINES]):
            continue
        chunk = _parsing_prefix(lines[i : i + MAX_CODE_LINES])
        if chunk is not None:
            return [chunk]
        tries += 1
        if tries >= MAX_CODE_TRIES:
            break
    return []


def _prose_line(probe: list[str]) -> bool:
    """True when the first line is not code at all (prose such as "from the docs, ..."):
    the parser stops inside it, before its end, whatever follows."""
    first = probe[0].strip()
    try:
        ast.parse(textwrap.dedent("\n".join(probe)))
    except SyntaxError as exc:
        return exc.lineno == 1 and (exc.offset or 0) <= len(first)
    except ValueError:
        return True
    return False


def _parsing_prefix(body: list[str]) -> str | None:
    """The longest leading part of ``body`` that parses, trimming trailing prose."""
    end = len(body)
    for _ in range(MAX_TRIMS):
        if end <= 0:
            return None
        chunk = textwrap.dedent("\n".join(body[:end]))
        try:
            ast.parse(chunk)
        except SyntaxError as exc:
            # cut before the line the parser stopped at (or by one line when it says the end)
            line = exc.lineno or end
            end = line - 1 if 0 < line <= end else end - 1
            continue
        except ValueError:
            return None
        return chunk if chunk.strip() else None
    return None


def _target(diagnosis: Diagnosis) -> str:
    return diagnosis.file or diagnosis.finding.file


def _addressed_file(path: str | None, diagnosis: Diagnosis, project: Project) -> str | None:
    """The project file a SEARCH/REPLACE block edits; None when it points outside the project.

    A block without a path edits the target file; one naming a file of the project edits that
    file; one naming the target's file name under another folder (models shorten paths) edits
    the target. Anything else, above all a path that leaves the project, refuses the answer.
    """
    target = _target(diagnosis)
    if not path:
        return target
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts:
        return None
    if path in project.python_files:
        return path
    root = getattr(project, "root", None)  # views of a recorded fix have no directory
    if root is not None and os.path.lexists(root / pure):
        return None  # there, but not a project file: a symlink that leaves it, a skipped folder
    return target if pure.name == PurePosixPath(target).name else None


def _apply_search_replace(answer: str, diagnosis: Diagnosis, project: Project) -> dict[str, str]:
    edits: dict[str, str] = {}
    for match in _SEARCH_REPLACE.finditer(answer):
        rel = _addressed_file(match.group("path"), diagnosis, project)
        if rel is None:
            log.info("model answer refused: an edit addressed to %r is outside the project",
                     match.group("path"))
            return {}
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
    # (index, stripped) of the non-blank lines; a hit starts where the first wanted line does
    filled = [(i, ln.strip()) for i, ln in enumerate(lines) if ln.strip()]
    hits = []
    for k, (i, stripped) in enumerate(filled):
        if stripped == want[0] and len(filled) - k >= len(want) \
                and all(filled[k + n][1] == w for n, w in enumerate(want)):
            hits.append((i, filled[k + len(want) - 1][0] + 1))
            if len(hits) > 1:
                return None
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
    if len(answer) > MAX_ANSWER_CHARS:
        log.info("model answer refused: %d characters (at most %d)", len(answer), MAX_ANSWER_CHARS)
        return {}
    try:
        text = project.read(rel)
    except (UnsafeEditError, BadInputError, OSError) as exc:
        log.info("model answer ignored: %s", exc)
        return {}
    return _within_growth(_edits_of(answer, diagnosis, project, rel, text), project)


def _edits_of(answer: str, diagnosis: Diagnosis, project: Project, rel: str, text: str):
    if _SEARCH_REPLACE.search(answer):
        return _apply_search_replace(answer, diagnosis, project)
    for code in sorted(code_blocks(answer), key=len, reverse=True):
        code = textwrap.dedent(code)
        if parse_or_none(code) is None:
            continue
        if _looks_like_whole_file(code, text):
            return {rel: code if code.endswith("\n") else code + "\n"}
        if diagnosis.function:
            new = _replace_function(code, diagnosis, text)
            if new is not None and parse_or_none(new) is not None:
                return {rel: new}
    return {}


def _within_growth(edits: dict[str, str], project: Project) -> dict[str, str]:
    """``edits``, or nothing when one grows its file past ``config.max_edit_growth``."""
    config = getattr(project, "config", None) or Config()
    factor = config.max_edit_growth
    for rel, new in edits.items():
        old = len(project.read(rel))
        if len(new) > factor * old + GROWTH_SLACK_CHARS:
            log.info("model answer refused: it grows %s from %d to %d characters (more than %gx)",
                     rel, old, len(new), factor)
            return {}
    return edits


__all__ = ["answer_to_edits", "code_blocks"]
