"""The findings table: status, pattern, file:line, message; sortable and filterable.

Built for thousands of rows: every column has a fixed width, so no cell is ever measured; the
rows are put in at once (``add_row`` measures each cell and re-validates the cursor per row:
about 1 ms a row, seconds for a 2,000-row filter) and only the rows on screen are rendered;
the filter matches a lower-cased haystack computed once per finding and is applied after the
typing pauses (``FILTER_DEBOUNCE_S``); a location too long for its column is shortened in the
middle so the file name and the line stay visible (``inv…/pricing.py:16``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets._data_table import Row, RowKey

from tui.layout import PATTERN_WIDTH, STATUS_WIDTH, column_widths, shorten_middle

try:  # the rows of a long list are put in at once (below); add_row one by one without it
    from textual._two_way_dict import TwoWayDict
except ImportError:  # pragma: no cover - a Textual that moved it
    TwoWayDict = None

STATUS_STYLE = {
    "new": "white", "healing": "magenta", "fixable": "bold green", "no fix": "red",
    "applied": "green", "rejected": "yellow", "cancelled": "yellow", "stale": "yellow",
}
COLUMNS = ("status", "pattern", "location", "message")
FILTER_DEBOUNCE_S = 0.06
LONG_LIST = 500
LONG_LIST_DEBOUNCE_S = 0.2
"""Over ``LONG_LIST`` findings a refill takes longer than the gap between two keystrokes on a
loaded machine: the rows follow once the typing pauses this long, so every key echoes at once."""
CELL_UPDATES_MAX = 50
"""More changed cells than this and the rows are put in again at once (``update_cell`` costs
a re-measure per cell)."""


def status_cell(status: str) -> Text:
    return Text(status, style=STATUS_STYLE.get(status, "white"))


class FindingsTable(DataTable):
    """All findings of the last scan; a filter hides rows, a header click or `o` sorts."""

    BINDINGS = [
        Binding("o", "sort_next", "Sort", show=False),
        Binding("home,g", "first", "First row", show=False),
        Binding("end,G", "last", "Last row", show=False),
    ]

    class Selected(Message):
        """The highlighted finding changed (None when the table is empty)."""

        def __init__(self, finding: Any) -> None:
            super().__init__()
            self.finding = finding

    def __init__(self, **kw: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kw)
        self._findings: dict[str, Any] = {}
        self._patterns: dict[str, str] = {}
        self._hay: dict[str, str] = {}
        self._cells: dict[str, tuple[str, Text]] = {}
        """Per finding: the location and message cells at the current widths."""
        self._order: list[str] = []
        self._filter = ""
        self._sort_index = -1
        self._widths: tuple[int, int] = (0, 0)
        self._filter_timer: Any = None
        self._status: Callable[[str], str] = lambda _fid: "new"

    def on_mount(self) -> None:
        location, message = self._column_widths()
        self._widths = (location, message)
        widths = {"status": STATUS_WIDTH, "pattern": PATTERN_WIDTH, "location": location,
                  "message": message}
        for name in COLUMNS:
            self.add_column(name, key=name, width=widths[name])

    # ------------------------------------------------------------------ layout
    def _column_widths(self) -> tuple[int, int]:
        """(location, message) widths for the table's width: the location first (whole when
        it fits, else shortened in the middle), the message gets the rest."""
        width = self.size.width or (self.app.size.width if self.is_attached else 80)
        return column_widths(width, max((len(f.location) for f in self._findings.values()),
                                        default=None))

    def on_resize(self) -> None:
        widths = self._column_widths()
        if widths != self._widths:
            self._relayout(widths)

    def _relayout(self, widths: tuple[int, int]) -> None:
        self._widths = widths
        self._cells.clear()
        for key, width in zip(("location", "message"), widths, strict=True):
            column = self.columns.get(key)  # type: ignore[call-overload]
            if column is not None:
                column.width = width
        self._fill(self.selected_id)

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
        if self._sort_index >= 0:
            self._order.sort(key=self._sort_key())
        self._hay = {fid: self._haystack(fid) for fid in self._order}
        self._cells.clear()
        self._status = status
        widths = self._column_widths()
        if widths != self._widths and self.columns:
            self._relayout(widths)
            return
        self._fill(selected)

    def set_patterns(self, patterns: dict[str, str]) -> None:
        """Patterns known later (diagnosis runs after the rows are shown): update in place."""
        changed = [fid for fid, pattern in patterns.items()
                   if fid in self._hay and self._patterns.get(fid) != pattern]
        self._patterns.update(patterns)
        for fid in changed:
            self._hay[fid] = self._haystack(fid)
        if len(changed) > CELL_UPDATES_MAX:  # thousands of cells: the rows again, at once
            self._fill(self.selected_id)
            return
        for fid in changed:
            if fid in self.rows:
                self.update_cell(fid, "pattern", patterns[fid])
        for fid in self.rows:
            key = str(fid.value)
            status = self._status(key)
            if str(self.get_cell(key, "status")) != status:
                self.update_cell(key, "status", status_cell(status))

    def _haystack(self, fid: str) -> str:
        f = self._findings[fid]
        return f"{self._patterns.get(fid, '')} {f.source} {f.code} {f.location} {f.message}".lower()

    def _matches(self, fid: str, words: list[str]) -> bool:
        hay = self._hay[fid]
        return all(word in hay for word in words)

    def _row(self, fid: str) -> tuple[Any, ...]:
        cells = self._cells.get(fid)
        if cells is None:
            f = self._findings[fid]
            cells = (shorten_middle(f.location, self._widths[0]),
                     Text(f.message.splitlines()[0] if f.message else "", no_wrap=True,
                          overflow="ellipsis"))
            self._cells[fid] = cells
        return (status_cell(self._status(fid)), self._patterns.get(fid, "…"), *cells)

    def _fill(self, selected: str | None) -> None:
        words = self._filter.lower().split()
        shown = [fid for fid in self._order if not words or self._matches(fid, words)]
        with self.app.batch_update():
            self.clear()
            self._put_rows(shown)
            if selected and selected in self.rows:
                self.move_cursor(row=self.get_row_index(selected), animate=False)
        self._announce()

    def _put_rows(self, fids: list[str]) -> None:
        """The rows, in one go, into the cleared table: what ``add_row`` records for a row of
        height 1, without measuring cells for widths that are fixed anyway."""
        if TwoWayDict is None or not self.columns:
            for fid in fids:
                self.add_row(*self._row(fid), key=fid)
            return
        columns = [column.key for column in self.ordered_columns]
        locations = {}
        for index, fid in enumerate(fids):
            key = RowKey(fid)
            locations[key] = index
            self._data[key] = dict(zip(columns, self._row(fid), strict=True))
            self.rows[key] = Row(key, 1)
        self._row_locations = TwoWayDict(locations)
        self._update_count += 1
        self._require_update_dimensions = True  # the virtual size, once, when idle
        self.cursor_coordinate = Coordinate(0, 0)
        self.refresh()

    @property
    def finding_ids(self) -> list[str]:
        """Every loaded finding's id, in load order (filtered out or not)."""
        return list(self._findings)

    def finding(self, fid: str | None) -> Any:
        return self._findings.get(fid) if fid else None

    def location_of(self, fid: str) -> str:
        """The full location of a row's finding (the cell may show it shortened)."""
        return self._findings[fid].location

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
        """Filter now (the rows of a long list are rebuilt once)."""
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        if text.strip() != self._filter:
            self._filter = text.strip()
            self._fill(self.selected_id)

    def filter_soon(self, text: str) -> None:
        """Filter once the typing pauses: each keystroke echoes at once, the rows follow."""
        if self._filter_timer is not None:
            self._filter_timer.stop()
        pause = LONG_LIST_DEBOUNCE_S if len(self._order) > LONG_LIST else FILTER_DEBOUNCE_S
        self._filter_timer = self.set_timer(pause, lambda: self.set_filter(text))

    def refresh_status(self, fid: str) -> None:
        if fid in self.rows:
            self.update_cell(fid, "status", status_cell(self._status(fid)))

    def select(self, fid: str) -> None:
        if fid in self.rows:
            self.move_cursor(row=self.get_row_index(fid))

    # ------------------------------------------------------------------ sort / select
    def _sort_key(self) -> Callable[[str], Any]:
        column = COLUMNS[self._sort_index]
        if column == "status":
            return self._status
        if column == "pattern":
            return lambda fid: self._patterns.get(fid, "")
        if column == "location":
            return lambda fid: _location_key(self._findings[fid].location)
        return lambda fid: self._findings[fid].message.lower()

    def _sort(self) -> None:
        """Order the rows by the sort column (full locations, not the shortened cells)."""
        self._order.sort(key=self._sort_key())
        self._fill(self.selected_id)

    def action_sort_next(self) -> None:
        self._sort_index = (self._sort_index + 1) % len(COLUMNS)
        self._sort()
        self.notify(f"sorted by {COLUMNS[self._sort_index]}", timeout=2)

    def action_first(self) -> None:
        if self.row_count:
            self.move_cursor(row=0, animate=False)

    def action_last(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1, animate=False)

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
