"""The selected finding: code context with the line highlighted, the traceback, the diagnosis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

CONTEXT_LINES = 6
MAX_TRACEBACK_LINES = 40


def code_context(root: Path, finding: Any) -> RenderableType:
    """A few lines around the finding's line, that line highlighted (plain text when unreadable)."""
    if not finding.file:
        return Text("(no file)", style="dim")
    try:
        lines = (root / finding.file).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        return Text(f"{finding.file}: cannot read ({exc.strerror})", style="red")
    line = max(1, finding.line or 1)
    first = max(1, line - CONTEXT_LINES)
    last = min(len(lines), line + CONTEXT_LINES)
    snippet = "\n".join(lines[first - 1:last]) or " "
    from rich.syntax import Syntax  # pygments: loaded when a first diff or snippet shows

    return Syntax(snippet, "python", line_numbers=True, start_line=first,
                  highlight_lines={line} if finding.line else set(), theme="ansi_dark",
                  word_wrap=False)


def traceback_text(finding: Any) -> Text:
    if not finding.traceback:
        return Text("(no traceback: found by " + finding.source + ")", style="dim")
    lines = finding.traceback.rstrip().splitlines()
    if len(lines) > MAX_TRACEBACK_LINES:
        lines = ["…", *lines[-MAX_TRACEBACK_LINES:]]
    return Text("\n".join(lines), style="red")


def diagnosis_text(diagnosis: Any, note: str = "") -> Text:
    if diagnosis is None:
        return Text("diagnosing…", style="dim")
    text = Text()
    rows = [("pattern", diagnosis.pattern), ("exception", diagnosis.exception_type),
            ("message", diagnosis.message), ("name", diagnosis.name),
            ("where", f"{diagnosis.file}:{diagnosis.line}" if diagnosis.file else ""),
            ("function", diagnosis.function),
            ("tests", ", ".join(diagnosis.test_ids[:5]))]
    rows += [(k, v) for k, v in sorted(diagnosis.details.items())]
    for key, value in rows:
        if value:
            text.append(f"{key:>10} ", style="dim")
            text.append(f"{value}\n")
    if note:
        text.append(f"{'note':>10} ", style="dim")
        text.append(note, style="yellow")
    return text


class FindingDetail(VerticalScroll):
    """Code, traceback and diagnosis of one finding."""

    def compose(self):
        yield Static(id="code", classes="section")
        yield Static("traceback", classes="title")
        yield Static(id="traceback", classes="section")
        yield Static("diagnosis", classes="title")
        yield Static(id="diagnosis", classes="section")

    def show(self, root: Path | None, finding: Any, diagnosis: Any, note: str = "") -> None:
        if finding is None or root is None:
            self.query_one("#code", Static).update(Text("no finding selected", style="dim"))
            self.query_one("#traceback", Static).update("")
            self.query_one("#diagnosis", Static).update("")
            return
        header = Text(f"{finding.location}  ", style="bold")
        header.append(f"{finding.source} {finding.code}", style="dim")
        self.query_one("#code", Static).update(Group(header, code_context(root, finding)))
        self.query_one("#traceback", Static).update(traceback_text(finding))
        self.query_one("#diagnosis", Static).update(diagnosis_text(diagnosis, note))
