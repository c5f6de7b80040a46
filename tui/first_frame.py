"""The first frame: ruff's findings on the terminal while Textual still loads.

Importing Textual and laying out the main screen take longer than ``selfheal scan --no-tests``
as a whole, while the first look (``tui.prefetch``: ruff and the parser, in a forked child)
usually arrives first. Its findings are then drawn at once (``FirstFrame.paint``), in the main
screen's own layout (the header, the filter line, the findings table with the same columns)
on the alternate screen Textual is about to take over, with a line saying the interface is
still starting; Textual's first paint replaces the frame. Keys typed meanwhile wait in the
terminal for the app.

The app claims the terminal (``claim``) before its driver writes anything: nothing is drawn
here after that. When the app never starts (an error or Ctrl+C while it loads), ``release``
leaves the alternate screen again. Every text from the project (a path, a message that quotes
its code) is drawn with its control characters made visible, so a project cannot send the
terminal an escape sequence. Nothing here imports Textual.
"""

from __future__ import annotations

import os
import sys
import threading
import unicodedata
from collections.abc import Sequence
from typing import Any

from tui.layout import (
    CELL_PADDING,
    PATTERN_WIDTH,
    STATUS_WIDTH,
    column_widths,
    list_width,
    shorten_middle,
)

ENTER = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J"
"""The alternate screen (the one Textual uses), the cursor hidden, the screen cleared."""
LEAVE = "\x1b[2J\x1b[?1049l\x1b[?25h"
BOLD, DIM, REVERSE, PLAIN = "\x1b[1m", "\x1b[2m", "\x1b[7m", "\x1b[0m"
STARTING = "starting the interface…"


def visible(text: str) -> str:
    """``text`` with every control character (escape, newline, tab, C1) shown as ``?``."""
    return "".join("?" if unicodedata.category(c) == "Cc" else c for c in text)


def cells(text: str) -> int:
    """Terminal columns ``text`` takes (East Asian wide and full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fit(text: str, width: int) -> str:
    """``text`` cut (with ``…``) or padded with spaces to exactly ``width`` columns."""
    if cells(text) <= width:
        return text + " " * (width - cells(text))
    out, used = [], 0
    for c in text:
        if used + cells(c) > width - 1:
            break
        out.append(c)
        used += cells(c)
    return "".join(out) + "…" + " " * (width - 1 - used)


def frame_lines(findings: Sequence[Any], title: str, width: int, height: int) -> list[str]:
    """The frame's lines, each exactly ``width`` columns (styles aside), at most ``height``."""
    width = max(width, 20)
    unique = list({f.id: f for f in findings}.values())
    table = list_width(width)
    location_w, message_w = column_widths(table, max((len(f.location) for f in unique),
                                                     default=None))

    def row(status: str, pattern: str, location: str, message: str) -> str:
        pad = " " * (CELL_PADDING // 2)
        parts = [fit(status, STATUS_WIDTH), fit(pattern, PATTERN_WIDTH),
                 fit(location, location_w), fit(message, message_w)]
        return fit("".join(pad + p + pad for p in parts), width)

    lines = [REVERSE + fit(f" project {visible(title)}  suite not run yet  job starting",
                           width) + PLAIN,
             REVERSE + fit(f" ruff and syntax: {len(unique)} finding(s); {STARTING}",
                           width) + PLAIN,
             DIM + fit("/ filter: pattern, source, file, text", width) + PLAIN,
             BOLD + row("status", "pattern", "location", "message") + PLAIN]
    room = max(0, height - len(lines) - 1)
    shown = unique if len(unique) <= room else unique[:max(0, room - 1)]
    for f in shown:
        message = f.message.splitlines()[0] if f.message else ""
        lines.append(row("new", "…", shorten_middle(visible(f.location), location_w),
                         visible(message)))
    if len(shown) < len(unique):
        lines.append(DIM + fit(f" … and {len(unique) - len(shown)} more", width) + PLAIN)
    lines += [fit("", width)] * (height - 1 - len(lines))
    lines.append(DIM + fit(f" {STARTING} keys typed now act once it is up", width) + PLAIN)
    return lines[:height]


class FirstFrame:
    """Draws the first look once, unless the app has claimed the terminal first."""

    def __init__(self, fd: int, title: str) -> None:
        self.fd = fd
        self.title = title
        self.painted = False
        self._claimed = False
        self._lock = threading.Lock()

    @classmethod
    def for_terminal(cls, title: str) -> FirstFrame | None:
        """A frame on the terminal Textual draws on (its stderr), or None when that is not a
        terminal that can show one."""
        stream = sys.__stderr__
        try:
            fd = stream.fileno() if stream is not None else -1
        except (OSError, ValueError):
            return None
        if fd < 0 or not os.isatty(fd) or os.environ.get("TERM", "dumb") in ("dumb", ""):
            return None
        return cls(fd, title)

    def paint(self, findings: Sequence[Any] | None) -> None:
        """Draw the findings (from any thread), unless the app owns the terminal already."""
        if not findings:
            return  # nothing worth a frame that Textual replaces a moment later
        with self._lock:
            if self._claimed or self.painted:
                return
            try:
                size = os.get_terminal_size(self.fd)
            except OSError:
                return
            lines = frame_lines(findings, self.title, size.columns, size.lines)
            text = ENTER + "".join(f"\x1b[{i};1H{line}" for i, line in enumerate(lines, 1))
            _write_all(self.fd, text.encode("utf-8", "replace"))
            self.painted = True

    def claim(self) -> None:
        """The app takes the terminal over: nothing is drawn here from now on."""
        with self._lock:
            self._claimed = True

    def release(self) -> None:
        """The app never started: leave the alternate screen if a frame was drawn."""
        with self._lock:
            self._claimed = True
            if self.painted:
                _write_all(self.fd, LEAVE.encode())
                self.painted = False


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except InterruptedError:
            continue
        except OSError:
            return  # the terminal went away: nothing to draw on
