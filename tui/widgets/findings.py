"""The findings table: status, pattern, file:line, message; sortable and filterable."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

STATUS_STYLE = {
    "new": "white", "healing": "magenta", "fixable": "bold green", "no fix": "red",
    "applied": "green", "rejected": "yellow", "cancelled": "yellow", "stale": "yellow",
}
COLUMNS = ("status", "pattern", "location", "message")


def status_cell(status: str) -> Text:
    return Text(status, style=STATUS_STYLE.get(status, "white"))


class FindingsTable(DataTable):
    """All findings of the last scan; a filter hides rows, a header click or `o` sorts."""

    BINDINGS = [("o", "sort_next", "Sort")]

    class Selected(Message):
        """The highlighted finding changed (None when the table is empty)."""

        def __init__(self, finding: Any) -> None:
            super().__init__()
            self.finding = finding

    def __init__(self, **kw: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kw)
        self._findings: dict[str, Any] = {}
        self._patterns: dict[str, str] = {}
        self._order: list[str] = []
        self._filter = ""
        self._sort_index = -1
        self._status: Callable[[str], str] = lambda _fid: "new"

    def on_mount(self) -> None:
        widths = {"status": 9, "pattern": 18}
        for name in COLUMNS:
            self.add_column(name, key=name, width=widths.get(name))

    # ------------------------------------------------------------------ data
    def load(self, findings: Sequence[Any], patterns: dict[str, str],
             status: Callable[[str], str]) -> None:
        """Replace every row (in bulk), keeping the selection when the finding is still there."""
        selected = self.selected_id
        self._findings = {}
        self._order = []
        for finding in findings:
            if finding.id not in self._findings:
                self._findings[finding.id] = finding
                self._order.append(finding.id)
        self._patterns = dict(patterns)
        self._status = status
        self._fill(selected)

    def _matches(self, fid: str) -> bool:
        if not self._filter:
            return True
        f = self._findings[fid]
        hay = f"{self._patterns.get(fid, '')} {f.source} {f.code} {f.location} {f.message}".lower()
        return all(word in hay for word in self._filter.lower().split())

    def _row(self, fid: str) -> tuple[Any, ...]:
        f = self._findings[fid]
        return (status_cell(self._status(fid)), self._patterns.get(fid, ""), f.location,
                Text(f.message.splitlines()[0] if f.message else "", no_wrap=True))

    def _fill(self, selected: str | None) -> None:
        with self.app.batch_update():
            self.clear()
            for fid in self._order:
                if self._matches(fid):
                    self.add_row(*self._row(fid), key=fid)
            if self._sort_index >= 0:
                self._sort()
            if selected and selected in self.visible_ids:
                self.move_cursor(row=self.get_row_index(selected))
        self._announce()

    @property
    def visible_ids(self) -> list[str]:
        return [str(row.key.value) for row in self.ordered_rows]

    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return str(key.value)

    @property
    def selected(self) -> Any:
        fid = self.selected_id
        return self._findings.get(fid) if fid else None

    def set_filter(self, text: str) -> None:
        self._filter = text.strip()
        self._fill(self.selected_id)

    def refresh_status(self, fid: str) -> None:
        if fid in self.rows:
            self.update_cell(fid, "status", status_cell(self._status(fid)))

    def select(self, fid: str) -> None:
        if fid in self.rows:
            self.move_cursor(row=self.get_row_index(fid))

    # ------------------------------------------------------------------ sort / select
    def _sort(self) -> None:
        column = COLUMNS[self._sort_index]
        if column == "location":
            self.sort(key=lambda row: _location_key(row[2]))
        else:
            self.sort(column, key=lambda value: str(value).lower())

    def action_sort_next(self) -> None:
        self._sort_index = (self._sort_index + 1) % len(COLUMNS)
        self._sort()
        self.notify(f"sorted by {COLUMNS[self._sort_index]}", timeout=2)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        self._sort_index = COLUMNS.index(str(event.column_key.value))
        self._sort()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._announce()

    def _announce(self) -> None:
        self.post_message(self.Selected(self.selected))


def _location_key(location: str) -> tuple[str, int]:
    path, _, line = location.rpartition(":")
    if not path or not line.isdigit():
        return (location, 0)
    return (path, int(line))
