"""The log view: logging records and heal events, streamed into the app (never to stdout).

Only the agent's own records reach the panel, in plain words and never twice in a row;
third-party warnings and model-loading chatter go to the log file (``--verbose`` shows them).

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


OWN_LOGGERS = ("selfheal_local", "tui", "sandbox", "models")


class QueueHandler(logging.Handler):
    """Collects formatted records for the log panel; paths under ``root`` are shown relative.

    ``verbose`` off: only the agent's own loggers (``OWN_LOGGERS``), without logger names."""

    def __init__(self, level: int = logging.INFO, maxlen: int = 5000,
                 verbose: bool = False) -> None:
        super().__init__(level)
        self.records: deque[tuple[int, str]] = deque(maxlen=maxlen)
        self.root = ""
        self.verbose = verbose
        self._last = ""
        self.also: logging.Handler | None = None
        """The session's log file: what the panel says is written there too."""

    def emit(self, record: logging.LogRecord) -> None:
        own = record.name.split(".")[0] in OWN_LOGGERS
        if not own and not self.verbose:
            return
        try:
            text = record.getMessage()
        except Exception:  # a bad format string in someone's log call
            text = str(record.msg)
        self._append(text if own else f"{record.name}: {text}", record.levelno)

    def say(self, text: str, level: int = logging.INFO) -> None:
        """A line of the agent's own (an event): to the panel and to the log file."""
        if self._append(text, level) and self.also is not None:
            self.also.handle(logging.makeLogRecord({
                "name": "selfheal", "levelno": level, "levelname": logging.getLevelName(level),
                "msg": text}))

    def _append(self, text: str, level: int) -> bool:
        """Queue a line for the panel; False when it repeats the one before."""
        if self.root:
            text = text.replace(self.root + "/", "").replace(self.root, ".")
        if text == self._last:  # the same line twice in a row says nothing new
            return False
        self._last = text
        self.records.append((level, text))
        return True


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
