"""The diff view: a syntax-highlighted unified diff, side by side when the pane is wide enough."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

SIDE_BY_SIDE_MIN_WIDTH = 110


def side_by_side(diff: str) -> Table:
    """Old on the left, new on the right, changed lines paired within each hunk."""
    rows: list[tuple[Text, Text]] = []
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        for i in range(max(len(removed), len(added))):
            left = Text(removed[i], style="red") if i < len(removed) else Text("")
            right = Text(added[i], style="green") if i < len(added) else Text("")
            rows.append((left, right))
        removed.clear()
        added.clear()

    for line in diff.splitlines():
        if line.startswith("---"):
            flush()
            rows.append((Text(line[4:], style="bold"), Text("")))
        elif line.startswith("+++") and rows:
            rows[-1] = (rows[-1][0], Text(line[4:], style="bold"))
        elif line.startswith("@@"):
            flush()
            rows.append((Text(line, style="cyan"), Text(line, style="cyan")))
        elif line.startswith("-"):
            removed.append(line[1:])
        elif line.startswith("+"):
            added.append(line[1:])
        else:
            flush()
            rows.append((Text(line[1:], style="dim"), Text(line[1:], style="dim")))
    flush()
    table = Table.grid(expand=True, padding=(0, 1))
    table.add_column(ratio=1)
    table.add_column(ratio=1)
    for left, right in rows:
        table.add_row(left, right)
    return table


def render_diff(diff: str, width: int) -> RenderableType:
    if not diff:
        return Text("no candidate selected: heal the finding (h) to see its fix", style="dim")
    if width >= SIDE_BY_SIDE_MIN_WIDTH:
        return side_by_side(diff)
    from rich.syntax import Syntax  # pygments: loaded when a first diff or snippet shows

    return Syntax(diff, "diff", theme="ansi_dark", word_wrap=True)


class _FitDiff:
    """A diff that picks its layout from the width Rich gives it when it is drawn.

    Deciding at draw time, not when the diff arrives, keeps the layout right whatever the pane's
    size was then (not laid out yet, mid-resize, a scrollbar about to appear).
    """

    def __init__(self, diff: str) -> None:
        self.diff = diff

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield render_diff(self.diff, options.max_width)


class DiffView(VerticalScroll):
    """Shows one candidate's diff; re-lays out when resized."""

    diff: reactive[str] = reactive("")
    caption: reactive[str] = reactive("")

    def compose(self):
        yield Static(id="diff-caption")
        yield Static(id="diff-body")

    def watch_diff(self) -> None:
        self._draw()

    def watch_caption(self, caption: str) -> None:
        self.query_one("#diff-caption", Static).update(Text(caption, style="bold"))

    def _draw(self) -> None:
        self.query_one("#diff-body", Static).update(_FitDiff(self.diff))
