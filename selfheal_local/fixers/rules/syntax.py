"""``syntax_error`` rules: line-level repairs, each kept only when the file then parses further."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator

from selfheal_local.fixers.base import Site, rule
from selfheal_local.fixers.textedit import build_patches, replace_line
from selfheal_local.project import Project
from selfheal_local.types import Patch

log = logging.getLogger(__name__)

COMPOUND = re.compile(
    r"^\s*(async\s+)?(def|class|if|elif|else|for|while|with|try|except|finally|match|case)\b"
)
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {v: k for k, v in _OPEN.items()}


def error_line(text: str) -> int:
    """The line Python reports the first syntax error on (0 when the text compiles)."""
    try:
        compile(text, "<candidate>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        return exc.lineno or 1
    except ValueError:
        return 1
    return 0


def improves(before: str, after: str) -> bool:
    """The candidate compiles, or its first syntax error comes later in the file."""
    now = error_line(after)
    return now == 0 or now > error_line(before)


def split_comment(line: str) -> tuple[str, str]:
    """``(code, trailing comment with its leading spaces)``, quotes respected."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#":
            code = line[:index]
            stripped = code.rstrip()
            return stripped, line[len(stripped):]
    stripped = line.rstrip()
    return stripped, line[len(stripped):]


def unclosed(code: str) -> str:
    """The closers a line's code is missing, innermost first (quotes skipped)."""
    stack: list[str] = []
    quote = ""
    for char in code:
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in _OPEN:
            stack.append(char)
        elif char in _CLOSE and stack and stack[-1] == _CLOSE[char]:
            stack.pop()
    return "".join(_OPEN[c] for c in reversed(stack))


def _lines_near(site: Site, before: int = 2, after: int = 0) -> list[int]:
    """Line numbers around the failing line (else Python's error line), nearest first."""
    line = site.line or error_line(site.text)
    total = len(site.lines)
    return [n for n in range(line, max(0, line - before - 1), -1) if 1 <= n <= total] + \
        [n for n in range(line + 1, line + after + 1) if 1 <= n <= total]


def _split_near(site: Site, before: int = 2) -> Iterator[tuple[int, str, str]]:
    """``(number, code, comment)`` of the lines around the error, nearest first."""
    for number in _lines_near(site, before):
        yield number, *split_comment(site.lines[number - 1])


def _keep(site: Site, project: Project, line_edits: Iterable[tuple[int, str, str]]) -> list[Patch]:
    """Candidates from ``(line number, its new text, why)``, kept when the file parses further."""
    rel, text = site.path, site.text
    options = [({rel: replace_line(text, number, new)}, why) for number, new, why in line_edits]
    kept = [(edits, why) for edits, why in options if improves(text, edits[rel])]
    kept.sort(key=lambda option: error_line(option[0][rel]) != 0)  # full parses first
    return build_patches(site, project, kept, single=0.92, top=0.85)


@rule("syntax_error", needs="text")
def add_missing_colon(site: Site, project: Project) -> list[Patch]:
    """``def f(x)`` -> ``def f(x):`` on the compound statement near the error."""
    edits = []
    for number, code, comment in _split_near(site):
        if COMPOUND.match(code) and not code.endswith(":") and not unclosed(code):
            keyword = COMPOUND.match(code).group(2)
            edits.append((number, f"{code}:{comment}",
                          f"added the missing ':' after the {keyword} statement on line {number}"))
    return _keep(site, project, edits)


@rule("syntax_error", needs="text")
def close_bracket(site: Site, project: Project) -> list[Patch]:
    """Close a bracket that was never closed, at the end of its line or of a following one."""
    lines = site.lines
    edits = []
    for number, code, _ in _split_near(site, before=1):
        missing = unclosed(code)
        if not missing:
            continue
        for end in range(number, min(len(lines), number + 6) + 1):
            code_end, comment = split_comment(lines[end - 1])
            if not code_end.strip():
                continue
            colon = ":" if code_end.endswith(":") and COMPOUND.match(lines[number - 1]) else ""
            body = code_end[:-1] if colon else code_end
            edits.append((end, f"{body}{missing}{colon}{comment}",
                          f"closed '{missing}' opened on line {number}"
                          + (f" at the end of line {end}" if end != number else "")))
    return _keep(site, project, edits)


@rule("syntax_error", needs="text")
def close_string(site: Site, project: Project) -> list[Patch]:
    """An unterminated string literal: close it with its own quote at the end of the line."""
    if "unterminated string" not in site.message:
        return []
    number = site.line
    lines = site.lines
    if not 1 <= number <= len(lines):
        return []
    raw = lines[number - 1].rstrip()
    match = re.search(r"""(?<![\w'"])[rbfuRBFU]{0,2}(['"])(?!.*\1)""", raw)
    if not match:
        return []
    quote = match.group(1)
    closers = unclosed(raw[: match.start()])
    trailing = raw[len(raw) - len(raw.rstrip(")]}:")):] if closers else ""
    body = raw[: len(raw) - len(trailing)] if trailing else raw
    return _keep(site, project, [
        (number, f"{body}{quote}{trailing}", f"closed the string opened with {quote} on line {number}"),
        (number, f"{raw}{quote}", f"closed the string opened with {quote} at the end of line {number}"),
    ])


@rule("syntax_error", needs="text")
def compare_instead_of_assign(site: Site, project: Project) -> list[Patch]:
    """``if x = 1:`` -> ``if x == 1:``."""
    edits = []
    for number, code, comment in _split_near(site, before=0):
        if re.match(r"^\s*(if|elif|while|assert)\b", code):
            fixed = re.sub(r"(?<![=!<>:+\-*/%&|^])=(?!=)", "==", code)
            if fixed != code:
                edits.append((number, fixed + comment,
                              f"compared with '==' instead of assigning with '=' on line {number}"))
    return _keep(site, project, edits)


def _indent(raw: str) -> str:
    return raw[: len(raw) - len(raw.lstrip())]


@rule("syntax_error", needs="text")
def fix_stray_indentation(site: Site, project: Project) -> list[Patch]:
    """An unexpected or inconsistent indent: re-indent the line to an enclosing level."""
    if not re.search(r"indent", site.message):
        return []
    lines = site.lines
    number = site.line or error_line(site.text)
    if not 1 <= number <= len(lines):
        return []
    raw = lines[number - 1]
    levels: list[str] = []
    for previous in reversed(lines[: number - 1]):
        if previous.strip() and not previous.lstrip().startswith("#"):
            indent = _indent(previous)
            if indent not in levels:
                levels.append(indent)
            if not indent:
                break
    return _keep(site, project, [(number, level + raw.lstrip(),
                                  f"re-indented line {number} to {len(level)} columns")
                                 for level in levels if level != _indent(raw)])
