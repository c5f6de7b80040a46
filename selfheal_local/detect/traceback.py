"""Parse Python tracebacks out of any text: pytest output, a log file, a command's stderr.

Understands CPython's native format (including 3.11+ caret lines, chained exceptions and the
special ``SyntaxError`` layout), pytest's long/short format (``path.py:12: in func`` +
``E   Error: msg``), and survives exception groups. Frame paths become project-relative posix
paths when they lie inside ``root``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from selfheal_local.types import Frame

from .paths import is_test_path, project_relative

_HEADER = re.compile(r"Traceback \(most recent call last\):\s*$")
_GROUP_HEADER = re.compile(r"Exception Group Traceback \(most recent call last\):\s*$")
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+))?\s*$')
_EXC = re.compile(
    r"^(?P<type>[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)(?::(?: (?P<msg>.*))?)?\s*$"
)
_CHAIN_CAUSE = "The above exception was the direct cause of the following exception:"
_CHAIN_CONTEXT = "During handling of the above exception, another exception occurred:"
_PYTEST_FRAME = re.compile(r"^(?P<file>[^\s:][^:]*\.py):(?P<line>\d+): in (?P<func>\S.*)$")
_PYTEST_LOC = re.compile(r"^(?P<file>[^\s:][^:]*\.py):(?P<line>\d+): (?P<type>[A-Za-z_][\w.]*)$")
_PYTEST_E = re.compile(r"^E\s+(?P<text>.*)$")
_GROUP_PREFIX = re.compile(r"^(?:\s*[|+](?:-+(?:\s*\d+\s*-+)?\+?)?)+ ?")
_CARET = re.compile(r"^\s*[\^~\s]+$")


@dataclass(frozen=True)
class ParsedTraceback:
    """One exception found in text: its type, message and frames (outermost first)."""

    exception_type: str
    message: str
    frames: tuple[Frame, ...]
    text: str = ""
    """The traceback text this was parsed from (the whole chain)."""
    chain: tuple[ParsedTraceback, ...] = field(default=())
    """Earlier exceptions of the same chain (causes / contexts), oldest first."""

    @property
    def project_frames(self) -> tuple[Frame, ...]:
        return tuple(f for f in self.frames if f.in_project)

    @property
    def target(self) -> Frame | None:
        """The project frame closest to the error (not a test file when one exists)."""
        return closest_project_frame(self.frames)


def closest_project_frame(frames: tuple[Frame, ...] | list[Frame]) -> Frame | None:
    """The innermost in-project frame outside test files; else the innermost in-project one."""
    inside = [f for f in frames if f.in_project]
    for frame in reversed(inside):
        if not is_test_path(frame.file):
            return frame
    return inside[-1] if inside else None


def make_frame(raw_file: str, line: int, function: str, code: str, root: Path | None) -> Frame:
    rel, inside = project_relative(raw_file, root)
    return Frame(file=rel, line=line, function=function, code=code, in_project=inside)


def split_exception_line(text: str) -> tuple[str, str]:
    """``"KeyError: 'x'"`` -> ``("KeyError", "'x'")``; ``("", text)`` when it is not one."""
    match = _EXC.match(text.strip())
    if not match or not _looks_like_exception(match["type"]):
        return "", text.strip()
    return match["type"], (match["msg"] or "").strip()


def _looks_like_exception(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return bool(last[:1].isupper()) or name in {"error", "exception"}


def _strip_group(line: str) -> str:
    return _GROUP_PREFIX.sub("", line, count=1) if line.lstrip()[:1] in ("|", "+") else line


class _Native:
    """State for one native traceback block (after a ``Traceback ...`` header)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.frames: list[Frame] = []
        self.pending: tuple[str, int, str] | None = None
        self.code = ""

    def flush(self) -> None:
        if self.pending:
            raw, line, func = self.pending
            self.frames.append(make_frame(raw, line, func, self.code, self.root))
        self.pending, self.code = None, ""


def _parse_native(lines: list[str], start: int, root: Path | None) -> tuple[ParsedTraceback, int]:
    """Parse from the line after a header; returns the traceback and the next line index."""
    state = _Native(root)
    i = start
    while i < len(lines):
        line = _strip_group(lines[i])
        frame = _FRAME.match(line)
        if frame:
            state.flush()
            state.pending = (frame["file"], int(frame["line"]), (frame["func"] or "").strip())
        elif line.startswith((" ", "\t")) or not line.strip():
            if state.pending and not state.code and line.strip() and not _CARET.match(line):
                state.code = line.strip()
        elif line.startswith("[Previous line repeated"):
            pass
        else:
            exc_type, message = split_exception_line(line)
            if exc_type or state.pending or state.frames:
                state.flush()
                if not exc_type:
                    exc_type, message = "Exception", line.strip()
                return ParsedTraceback(exc_type, message, tuple(state.frames)), i + 1
        i += 1
    state.flush()
    return ParsedTraceback("", "", tuple(state.frames)), i


def _parse_pytest(lines: list[str], start: int, root: Path | None) -> tuple[ParsedTraceback, int]:
    """pytest's long/short format: ``file.py:N: in f`` frames, ``E   Type: msg``, location."""
    frames: list[Frame] = []
    exc_type = message = ""
    i = start
    while i < len(lines):
        line = lines[i]
        frame, loc, e_line = _PYTEST_FRAME.match(line), _PYTEST_LOC.match(line), _PYTEST_E.match(line)
        if frame:
            code = _next_code_line(lines, i + 1)
            frames.append(make_frame(frame["file"], int(frame["line"]), frame["func"], code, root))
        elif e_line and not exc_type and _FRAME.match(e_line["text"]):
            inner = _FRAME.match(e_line["text"])  # a SyntaxError's own location, in E lines
            assert inner is not None
            code = _PYTEST_E.match(lines[i + 1]) if i + 1 < len(lines) else None
            frames.append(make_frame(inner["file"], int(inner["line"]), (inner["func"] or "").strip(),
                                     code["text"].strip() if code else "", root))
        elif e_line and not exc_type:
            exc_type, message = split_exception_line(e_line["text"])
            if not exc_type and e_line["text"].lstrip().startswith("assert"):
                exc_type, message = "AssertionError", e_line["text"].strip()
        elif loc:
            frames.append(make_frame(loc["file"], int(loc["line"]), "", "", root))
            exc_type = exc_type or loc["type"]
            return ParsedTraceback(exc_type, message, tuple(frames)), i + 1
        elif exc_type and not e_line:
            return ParsedTraceback(exc_type, message, tuple(frames)), i
        i += 1
    return ParsedTraceback(exc_type, message, tuple(frames)), i


def _next_code_line(lines: list[str], i: int) -> str:
    if i < len(lines) and lines[i].startswith(" ") and lines[i].strip():
        return lines[i].strip().lstrip(">").strip()
    return ""


def _chain_marker(line: str) -> bool:
    text = _strip_group(line).strip()
    return text in (_CHAIN_CAUSE, _CHAIN_CONTEXT)


def parse_tracebacks(text: str, root: Path | str | None = None) -> list[ParsedTraceback]:
    """Every traceback in ``text``; a chain of exceptions counts as one (the last raised)."""
    root_path = Path(root) if root is not None else None
    lines = text.splitlines()
    found: list[ParsedTraceback] = []
    chain: list[ParsedTraceback] = []
    chain_start = 0
    chained = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if _GROUP_HEADER.search(line) or _HEADER.search(line):
            begin = i
            parsed, i = _parse_native(lines, i + 1, root_path)
            if not chained:
                if chain:
                    found.append(_finish(chain, lines, chain_start, begin))
                chain, chain_start = [], begin
            chain.append(parsed)
            chained = False
            continue
        if _chain_marker(line) and chain:
            chained = True
        elif _PYTEST_FRAME.match(line) and not chained:
            if chain:
                found.append(_finish(chain, lines, chain_start, i))
                chain = []
            begin = i
            parsed, i = _parse_pytest(lines, i, root_path)
            if parsed.exception_type:
                found.append(_with_text(parsed, "\n".join(lines[begin:i])))
            continue
        i += 1
    if chain:
        found.append(_finish(chain, lines, chain_start, len(lines)))
    return [t for t in found if t.exception_type]


def _with_text(parsed: ParsedTraceback, text: str) -> ParsedTraceback:
    return ParsedTraceback(parsed.exception_type, parsed.message, parsed.frames, text, parsed.chain)


def _finish(chain: list[ParsedTraceback], lines: list[str], start: int, end: int) -> ParsedTraceback:
    last = chain[-1]
    end = _text_end(lines, start, end)
    return ParsedTraceback(
        last.exception_type, last.message, last.frames, "\n".join(lines[start:end]),
        tuple(chain[:-1]),
    )


def _text_end(lines: list[str], start: int, end: int) -> int:
    # trim trailing noise (blank lines, pytest separators) after the final exception line
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith(("___", "==="))):
        end -= 1
    return end


def render_traceback(parsed: ParsedTraceback, *, project_only: bool = True) -> str:
    """A compact native-format traceback (project frames only by default) for people and models."""
    out = ["Traceback (most recent call last):"]
    for frame in parsed.frames:
        if project_only and not frame.in_project:
            continue
        where = f', in {frame.function}' if frame.function else ""
        out.append(f'  File "{frame.file}", line {frame.line}{where}')
        if frame.code:
            out.append(f"    {frame.code}")
    out.append(f"{parsed.exception_type}: {parsed.message}" if parsed.message else parsed.exception_type)
    return "\n".join(out)


__all__ = [
    "ParsedTraceback",
    "closest_project_frame",
    "parse_tracebacks",
    "render_traceback",
    "split_exception_line",
]
