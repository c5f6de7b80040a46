"""Syntax errors found with ``ast``: exact line/column and CPython's own message.

ruff reports syntax errors too (``invalid-syntax``), sometimes several per file; when ``ast``
found one in a file, it wins and ruff's are dropped (``merge_syntax``).
"""

from __future__ import annotations

import ast
import logging
import warnings
from collections.abc import Iterable

from selfheal_local.project import MAX_SOURCE_BYTES, Project
from selfheal_local.types import Finding, FindingSource

log = logging.getLogger(__name__)

SYNTAX_CODES = frozenset({"SyntaxError", "IndentationError", "TabError"})


def check_source(source: bytes | str, rel_path: str) -> Finding | None:
    """The syntax error of one file's source, or None when it parses."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes is not breakage
            ast.parse(source, filename=rel_path)
    except SyntaxError as exc:
        return _finding(exc, rel_path)
    except ValueError as exc:  # null bytes (3.11 raises ValueError, 3.12+ SyntaxError)
        return Finding(
            source=FindingSource.SYNTAX.value, file=rel_path, line=1, code="SyntaxError",
            message=f"source cannot be parsed ({exc}); is this a binary file?",
        )
    except (RecursionError, MemoryError) as exc:
        log.warning("%s: too deeply nested to parse (%s)", rel_path, type(exc).__name__)
    return None


def _finding(exc: SyntaxError, rel_path: str) -> Finding:
    line = exc.lineno or 0
    column = exc.offset or 0
    message = exc.msg or "invalid syntax"
    if "unicode error" in message or "decode" in message:
        message = f"{message} (the file is not valid UTF-8 and declares no other encoding)"
    return Finding(
        source=FindingSource.SYNTAX.value,
        file=rel_path,
        line=line,
        code=type(exc).__name__ if type(exc).__name__ in SYNTAX_CODES else "SyntaxError",
        message=message,
        column=column,
        end_line=getattr(exc, "end_lineno", None) or 0,
        end_column=getattr(exc, "end_offset", None) or 0,
        traceback=_render(exc, rel_path),
    )


def _render(exc: SyntaxError, rel_path: str) -> str:
    lines = [f'  File "{rel_path}", line {exc.lineno or 0}']
    if exc.text:
        text = exc.text.rstrip("\n")
        stripped = text.lstrip()
        lines.append(f"    {stripped}")
        if exc.offset:
            pad = max(0, exc.offset - 1 - (len(text) - len(stripped)))
            lines.append("    " + " " * pad + "^")
    lines.append(f"{type(exc).__name__}: {exc.msg}")
    return "\n".join(lines)


def syntax_findings(project: Project, files: Iterable[str] | None = None) -> list[Finding]:
    """Syntax errors of the project's Python files (files past ``MAX_SOURCE_BYTES`` skipped)."""
    found: list[Finding] = []
    for rel in files if files is not None else project.python_files:
        path = project.root / rel
        try:
            if path.stat().st_size > MAX_SOURCE_BYTES:
                log.info("%s: larger than %d bytes; not parsed", rel, MAX_SOURCE_BYTES)
                continue
            data = path.read_bytes()
        except OSError as exc:
            log.warning("%s: cannot read (%s)", rel, exc.strerror)
            continue
        finding = check_source(data, rel)
        if finding is not None:
            found.append(finding)
    return found


def drop_covered(ruff_findings: list[Finding], syntax: list[Finding]) -> list[Finding]:
    """ruff's non-syntax findings, minus unreadable-file errors (E902) a syntax finding covers."""
    covered = {f.file for f in syntax}
    return [
        f for f in ruff_findings
        if f.source != FindingSource.SYNTAX.value and not (f.code == "E902" and f.file in covered)
    ]


def merge_syntax(ast_findings: list[Finding], ruff_findings: list[Finding]) -> list[Finding]:
    """``ast``'s syntax findings plus ruff's for files ``ast`` had nothing to say about."""
    covered = {f.file for f in ast_findings}
    extra = [
        f for f in ruff_findings
        if f.source == FindingSource.SYNTAX.value and f.file not in covered
    ]
    seen: set[str] = set()
    first_per_file = []
    for f in extra:  # ruff reports follow-on errors; the first one per file is the real one
        if f.file not in seen:
            seen.add(f.file)
            first_per_file.append(f)
    return [*ast_findings, *first_per_file]


__all__ = ["SYNTAX_CODES", "check_source", "drop_covered", "merge_syntax", "syntax_findings"]
