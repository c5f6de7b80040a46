"""Small modal screens: the help screen and the reject-reason prompt."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


class HelpScreen(ModalScreen[None]):
    """Every key binding of the app and of the main screen, with what it does."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = bindings

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 1))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for key, description in self.rows:
            table.add_row(key, description)
        with VerticalScroll(id="help-box"):
            yield Label("selfheal — keys (escape closes)", classes="title")
            yield Static(table)

    def action_dismiss(self) -> None:
        self.dismiss(None)


class RejectScreen(ModalScreen[str | None]):
    """Asks why (optional): the reason is stored with the negative in memory."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, explanation: str) -> None:
        super().__init__()
        self.explanation = explanation

    def compose(self) -> ComposeResult:
        with Vertical(id="reject-box"):
            yield Label(f"reject: {self.explanation}", classes="title")
            yield Input(placeholder="why? (optional; enter rejects, escape cancels)", id="reason")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
