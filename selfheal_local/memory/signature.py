"""Normalised error signatures: what the fix memory embeds and compares.

Identifiers and literals are abstracted so that ``name 'totl' is not defined`` in one project
and ``name 'cnt' is not defined`` in another read alike; keywords, operators and builtins stay
concrete because they carry the shape of the error.
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass

from selfheal_local.types import Diagnosis

_TOKEN_RE = re.compile(
    r"""
    (?P<STRING>(?:[rRbBuUfF]{0,2})(?:'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"))
  | (?P<NUMBER>\b(?:0[xX][0-9a-fA-F_]+|\d[\d_]*\.?\d*(?:[eE][+-]?\d+)?|\.\d+)j?\b)
  | (?P<NAME>[^\W\d]\w*)
  | (?P<OP>\*\*=|//=|>>=|<<=|->|:=|==|!=|<=|>=|\*\*|//|<<|>>|\+=|-=|\*=|/=|%=|&=|\|=|\^=|@=|\.\.\.|[-+*/%@&|^~<>=!.,:;()\[\]{}])
  | (?P<COMMENT>\#.*)
    """,
    re.VERBOSE,
)

KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class Token:
    """One lexical token of a source line, with its character span in that line."""

    kind: str
    """NAME | STRING | NUMBER | OP"""
    text: str
    start: int
    end: int

    @property
    def is_identifier(self) -> bool:
        """A user identifier (not a keyword, not a builtin): the part abstracted into a role."""
        return self.kind == "NAME" and self.text not in KEYWORDS and self.text not in BUILTINS


def tokenize_line(line: str) -> list[Token]:
    """Tokens of one line of Python (robust to unclosed brackets; comments dropped)."""
    tokens: list[Token] = []
    for match in _TOKEN_RE.finditer(line):
        kind = match.lastgroup or "OP"
        if kind == "COMMENT":
            break
        tokens.append(Token(kind, match.group(), match.start(), match.end()))
    return tokens


def abstract_line(line: str, name: str = "") -> str:
    """The line with identifiers and literals abstracted (``<name>`` marks the diagnosed name)."""
    out: list[str] = []
    for tok in tokenize_line(line.strip()):
        if tok.kind == "STRING":
            out.append("<str>")
        elif tok.kind == "NUMBER":
            out.append("<num>")
        elif tok.is_identifier:
            out.append("<name>" if name and tok.text == name else "<id>")
        else:
            out.append(tok.text)
    return " ".join(out)


_QUOTED_RE = re.compile(r"""(['"])(.*?)\1""")
_NUM_RE = re.compile(r"\b\d+(?:\.\d+)?\b")
_DOTTED_RE = re.compile(r"\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\b")


def abstract_message(message: str) -> str:
    """An exception message with quoted names, dotted paths and numbers abstracted."""
    text = _QUOTED_RE.sub(lambda m: f"{m.group(1)}<id>{m.group(1)}", message.strip())
    text = _DOTTED_RE.sub("<path>", text)
    return _NUM_RE.sub("<num>", text)


def line_at(text: str, line: int) -> str:
    """1-based line of ``text`` ("" when out of range)."""
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""


def function_header(text: str, span: tuple[int, int]) -> str:
    """The ``def`` line of the enclosing function (first line of the span that starts with def)."""
    lines = text.splitlines()
    start, end = span
    for idx in range(max(0, start - 1), min(len(lines), max(start, end))):
        stripped = lines[idx].strip()
        if stripped.startswith(("def ", "async def ")):
            return stripped
    return ""


def _frame_code(diagnosis: Diagnosis) -> str:
    """The failing line's code as the traceback showed it (when the file is not at hand)."""
    frames = diagnosis.finding.frames
    for frame in reversed(frames):
        if frame.file == diagnosis.file and frame.line == diagnosis.line and frame.code:
            return frame.code
    return next((f.code for f in reversed(frames) if f.in_project and f.code), "")


def signature(diagnosis: Diagnosis, file_text: str = "") -> str:
    """The normalised signature embedded for ``diagnosis`` (``file_text``: the failing file)."""
    parts = [f"{diagnosis.exception_type or 'Error'}: {abstract_message(diagnosis.message)}"]
    parts.append(f"pattern: {diagnosis.pattern}")
    failing = line_at(file_text, diagnosis.line) if file_text else _frame_code(diagnosis)
    if failing.strip():
        parts.append(f"line: {abstract_line(failing, diagnosis.name)}")
    header = function_header(file_text, diagnosis.function_span) if file_text else ""
    if header:
        parts.append(f"in: {abstract_line(header, diagnosis.name)}")
    return " | ".join(parts)


def text_signature(text: str) -> str:
    """A signature for free text (a person's query or a Saplings ``input_text``)."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    rest = [ln for ln in text.splitlines()[1:] if ln.strip()][:3]
    parts = [abstract_message(first)] + [abstract_line(ln) for ln in rest]
    return " | ".join(p for p in parts if p)
