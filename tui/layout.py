"""The main screen's geometry, without Textual: the findings table's columns, a location
shortened in the middle, the project's name as a person reads it. Shared by the table itself
and by the first frame drawn while Textual still loads (``tui.first_frame``)."""

from __future__ import annotations

from pathlib import Path

NARROW_WIDTH = 140
"""Below this many columns the findings list takes the full width, above the detail."""
LIST_SHARE = 0.45
"""The findings list's share of a wide terminal (``#left`` in app.tcss)."""
STATUS_WIDTH = 9
PATTERN_WIDTH = 18
MIN_LOCATION = 12
CELL_PADDING = 2  # DataTable pads each cell by one column on either side
SCROLLBAR = 2


def display_path(path: Path, cwd: Path | None = None) -> str:
    """The project path as a person reads it: relative to cwd, else with ``~``."""
    cwd = cwd or Path.cwd()
    try:
        rel = path.relative_to(cwd)
        return str(rel) if str(rel) != "." else path.name
    except ValueError:
        pass
    home = Path.home()
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)


def shorten_middle(text: str, width: int) -> str:
    """``text`` in ``width`` columns: the head and the tail kept, the middle replaced by ``…``.

    The tail (file name and line) is kept whole whenever it fits: ``inv…/pricing.py:16``.
    """
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    slash = text.rfind("/")
    tail = text[slash:] if slash >= 0 else text[-(width - 1):]
    if len(tail) > width - 2:  # the file name alone is too long: keep its end
        return "…" + text[-(width - 1):]
    head = width - 1 - len(tail)
    return text[:head] + "…" + tail


def list_width(terminal_width: int) -> int:
    """The findings list's width in a terminal this wide (the main screen's layout)."""
    if terminal_width < NARROW_WIDTH:
        return terminal_width
    return int(terminal_width * LIST_SHARE)


def column_widths(table_width: int, longest_location: int | None) -> tuple[int, int]:
    """(location, message) widths in a findings table this wide: the location first (whole
    when it fits, else shortened in the middle), the message gets the rest."""
    free = table_width - STATUS_WIDTH - PATTERN_WIDTH - CELL_PADDING * 4 - SCROLLBAR
    longest = 24 if longest_location is None else longest_location
    location = min(longest, max(MIN_LOCATION, free - 20))
    return location, max(10, free - location)
