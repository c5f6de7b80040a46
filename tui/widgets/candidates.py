"""A finding's candidates: source, explanation, confidence, validation state and reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

STATE_STYLE = {"queued": "dim", "running": "magenta", "passed": "bold green", "failed": "red"}


class CandidatesTable(DataTable):
    """Streams candidates as the heal loop proposes and validates them."""

    class Chosen(Message):
        """A candidate row was highlighted (its patch id)."""

        def __init__(self, patch_id: str | None) -> None:
            super().__init__()
            self.patch_id = patch_id

    def __init__(self, **kw: Any) -> None:
        super().__init__(cursor_type="row", **kw)

    def on_mount(self) -> None:
        for name in ("state", "source", "conf", "explanation", "reason"):
            self.add_column(name, key=name)

    def show(self, rows: Sequence[Any], selected: str | None = None) -> None:
        """Show ``rows``: cells of known candidates are updated in place, new ones appended
        (a search streams hundreds; redrawing the table per event would block the UI)."""
        keep = selected or self.selected_id
        wanted = [row.patch_id for row in rows]
        if list(self.rows) != wanted[: len(self.rows)]:
            self.clear()
        for row in rows:
            state = Text(row.state, style=STATE_STYLE.get(row.state, ""))
            reason = Text(row.reason, style="red")
            if row.patch_id in self.rows:
                if str(self.get_cell(row.patch_id, "state")) != row.state:
                    self.update_cell(row.patch_id, "state", state)
                    self.update_cell(row.patch_id, "reason", reason)
            else:
                self.add_row(state, row.source, f"{row.confidence:.2f}", row.explanation, reason,
                             key=row.patch_id)
        if keep and keep in self.rows:
            self.move_cursor(row=self.get_row_index(keep))

    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except Exception:
            return None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Chosen(self.selected_id))
