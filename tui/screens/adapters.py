"""The adapters screen: registered adapters, the routing table, resident adapters; activate,
deactivate, pin per pattern."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Input, Static

from selfheal_local import session

from .overview import OverviewScreen


class AdaptersScreen(OverviewScreen):
    """Which LoRA adapter serves which error pattern, and switches to change it."""

    BINDINGS = [
        Binding("a", "adapter('activate')", "Activate"),
        Binding("D", "adapter('deactivate')", "Deactivate"),
        Binding("p", "pin", "Pin to pattern"),
        Binding("R", "reload", "Reload"),
    ]
    NOTE_ID = "adapters-note"

    def compose(self) -> ComposeResult:
        yield from self.compose_header("Adapters — LoRA adapters per error pattern")
        with Horizontal(classes="pane"):
            with Vertical(classes="side"):
                yield Static("registered", classes="title")
                yield DataTable(id="adapters", cursor_type="row", zebra_stripes=True)
                yield Static("", id="resident")
            with Vertical(classes="side"):
                yield Static("routing (pattern → adapter)", classes="title")
                yield DataTable(id="routing", cursor_type="row")
        yield Input(placeholder="pattern to pin the selected adapter to (enter)", id="pin-pattern")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#adapters", DataTable).add_columns(
            "id", "base", "error types", "version", "success", "priority", "on")
        self.query_one("#routing", DataTable).add_columns("pattern", "adapter", "pinned")
        self.query_one("#pin-pattern", Input).display = False
        self.query_one("#adapters", DataTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="adapters")
    def load(self) -> None:
        found = self.read_healer(lambda healer: (session.adapters_overview(healer),
                                                 session.engine_state(healer)),
                                 "adapters", "adapter registry unreadable")
        if found is not None:
            self.app.call_from_thread(self.show, *found)

    def show(self, overview: dict[str, Any], engine: str) -> None:
        rows = overview["adapters"]
        notes = []
        if not rows:
            notes.append("no adapters registered yet: `selfheal adapters register DIR` or "
                         "`selfheal train` adds them")
        if self.app.healer.engine is None:
            notes.append(f"engine: {engine}; routing applies once a model is configured")
        self.say("\n".join(notes))
        table = self.query_one("#adapters", DataTable)
        table.clear()
        for row in rows:
            table.add_row(row["id"], row["base_model"][-24:], row["error_types"], row["version"],
                          f"{row['success_rate']:.0%} ({row['trials']})", row["priority"],
                          "yes" if row["enabled"] else "no", key=row["id"])
        routing = self.query_one("#routing", DataTable)
        routing.clear()
        for pattern, (adapter, pinned) in overview["routing"].items():
            routing.add_row(pattern, adapter, "pinned" if pinned else "")
        resident = ", ".join(overview["resident"]) or "none"
        self.query_one("#resident", Static).update(f"engine: {engine}\nresident: {resident}")

    def _selected(self) -> str | None:
        table = self.query_one("#adapters", DataTable)
        if not table.row_count:
            self.notify("no adapter registered", severity="warning")
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_adapter(self, action: str) -> None:
        adapter_id = self._selected()
        if adapter_id:
            self.act(action, adapter_id, "")

    def action_pin(self) -> None:
        if self._selected():
            field = self.query_one("#pin-pattern", Input)
            field.display = True
            field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.input.display = False
        adapter_id = self._selected()
        if adapter_id and event.value.strip():
            self.act("pin", adapter_id, event.value.strip())

    @work(thread=True, exclusive=True, group="adapters-act")
    def act(self, action: str, adapter_id: str, pattern: str) -> None:
        try:
            said = session.adapter_action(self.app.healer, action, adapter_id, pattern)
        except Exception as exc:
            self.app.call_from_thread(self.notify, f"{action} failed: {exc}", severity="error")
            return
        self.app.call_from_thread(self.notify, said)
        self.app.call_from_thread(self.action_reload)
