"""The log view: logging records and heal events, streamed into the app (never to stdout).

Records can come from any thread; the handler only appends to a deque (no lock held across
the event loop, so a worker logging while the UI thread logs cannot deadlock) and the panel
drains it on a short timer.
"""

from __future__ import annotations

import logging
from collections import deque

from rich.text import Text
from textual.widgets import RichLog

LEVEL_STYLE = {logging.DEBUG: "dim", logging.INFO: "", logging.WARNING: "yellow",
               logging.ERROR: "bold red", logging.CRITICAL: "bold red"}


class QueueHandler(logging.Handler):
    """Collects formatted records for the log panel; paths under ``root`` are shown relative."""

    def __init__(self, level: int = logging.INFO, maxlen: int = 5000) -> None:
        super().__init__(level)
        self.records: deque[tuple[int, str]] = deque(maxlen=maxlen)
        self.root = ""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a bad format string in someone's log call
            text = str(record.msg)
        if self.root:
            text = text.replace(self.root + "/", "").replace(self.root, ".")
        self.records.append((record.levelno, f"{record.name.split('.')[-1]}: {text}"))

    def say(self, text: str, level: int = logging.INFO) -> None:
        if self.root:
            text = text.replace(self.root + "/", "").replace(self.root, ".")
        self.records.append((level, text))


class LogPanel(RichLog):
    """What the agent does, newest at the bottom."""

    def __init__(self, handler: QueueHandler, **kw) -> None:
        super().__init__(max_lines=2000, wrap=False, markup=False, highlight=False, **kw)
        self.handler = handler

    def on_mount(self) -> None:
        self.set_interval(0.1, self.drain)

    def drain(self) -> None:
        records = self.handler.records
        while records:
            level, text = records.popleft()
            self.write(Text(text, style=LEVEL_STYLE.get(level, "")))
