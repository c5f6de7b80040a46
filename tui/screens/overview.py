"""What the adapters, training and memory screens share: a title with a note line under it
that says what is missing, and reading the healer's state from a worker thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from selfheal_local import session

T = TypeVar("T")


class OverviewScreen(Screen):
    """A screen over one part of the healer's state (adapters, training, memory)."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]
    """First in the footer; a subclass's own bindings follow."""

    NOTE_ID: ClassVar[str] = "note"
    """Id of the note line (hidden while it says nothing)."""

    def compose_header(self, title: str) -> ComposeResult:
        yield Static(title, classes="screen-title")
        yield Static("", id=self.NOTE_ID, classes="unavailable")

    def say(self, message: str) -> None:
        note = self.query_one(f"#{self.NOTE_ID}", Static)
        note.update(message)
        note.display = bool(message)

    def read_healer(self, read: Callable[[Any], T], what: str, failed: str) -> T | None:
        """From a worker thread: ``read(healer)``, or None once the note says why it could not
        (the project still opening, ``what`` not available, or ``failed: why``)."""
        healer = self.app.healer
        if healer is None:
            self.app.call_from_thread(self.say, "the project is still opening; R reloads")
            return None
        try:
            return read(healer)
        except session.NotAvailable as exc:
            self.app.call_from_thread(self.say, f"{what} not available: {exc}")
        except Exception as exc:
            self.app.call_from_thread(self.say, f"{failed}: {exc}")
        return None
