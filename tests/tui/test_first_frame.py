"""The first frame drawn while Textual loads (``tui.first_frame``): ruff's findings from the
real first look, drawn on a real pseudo-terminal in the main screen's columns; nothing is drawn
once the app has claimed the terminal, and a frame the app never replaced is taken away."""

from __future__ import annotations

import fcntl
import os
import re
import struct
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest

from selfheal_local.types.findings import Finding
from tui import prefetch
from tui.first_frame import ENTER, LEAVE, STARTING, FirstFrame, cells, frame_lines

SGR = re.compile(r"\x1b\[[0-9;]*m")


def finding(file: str, line: int, message: str, code: str = "F821") -> Finding:
    return Finding(source="ruff", file=file, line=line, code=code, message=message)


DEMO = [finding("inventory/pricing.py", 16, "Undefined name `totl`"),
        finding("inventory/report.py", 22, "Undefined name `json`"),
        finding("inventory/deeply/nested/package/storage_backends.py", 126,
                "Undefined name `defaultdict`")]


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)])
def test_the_frame_shows_every_location_and_message_in_the_terminal_s_width(
        size: tuple[int, int]) -> None:
    width, height = size
    lines = [SGR.sub("", line) for line in frame_lines(DEMO, "demo", width, height)]
    assert len(lines) == height
    assert all(cells(line) == width for line in lines)
    text = "\n".join(lines)
    assert "project demo" in text and "3 finding(s)" in text and STARTING in text
    for f in DEMO[:2]:  # at 80 columns the message column holds 20: its start shows
        assert f.location in text and f.message[:15] in text
    # a location too long for its column keeps its file name and line
    assert "backends.py:126" in text


def test_more_findings_than_rows_say_how_many_more() -> None:
    many = [finding(f"pkg/mod{i:03}.py", i + 1, "`os` imported but unused", "F401")
            for i in range(500)]
    lines = [SGR.sub("", line) for line in frame_lines(many, "many", 80, 24)]
    assert len(lines) == 24
    shown = [line for line in lines if "pkg/mod" in line]
    assert 10 < len(shown) < 24
    assert any(f"… and {500 - len(shown)} more" in line for line in lines)


def test_a_project_cannot_send_the_terminal_an_escape_sequence() -> None:
    hostile = [finding("evil\x1b[2J.py", 1, "name `x\x1b]0;owned\x07\x1b[31m` \u009b1m\nsecond")]
    frame = "".join(frame_lines(hostile, "\x1b[5mproj", 120, 40))
    assert "\x1b" not in SGR.sub("", frame)  # only the frame's own styles remain
    assert "\x07" not in frame and "\u009b" not in frame and "second" not in frame
    assert "evil?[2J.py:1" in frame and "x?]0;owned??[31m" in frame


@pytest.fixture
def terminal() -> Iterator[tuple[int, int]]:
    """(the side a program draws on, the side a terminal reads) of a 100x30 pseudo-terminal."""
    reader, drawn_on = os.openpty()
    fcntl.ioctl(drawn_on, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    os.set_blocking(reader, False)
    yield drawn_on, reader
    os.close(reader)
    os.close(drawn_on)


def received(reader: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(reader, 65536)
        except (BlockingIOError, OSError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def test_the_frame_is_drawn_once_on_the_alternate_screen(terminal: tuple[int, int]) -> None:
    drawn_on, reader = terminal
    frame = FirstFrame(drawn_on, "demo")
    frame.paint(DEMO)
    shown = received(reader)
    assert shown.startswith(ENTER) and "inventory/pricing.py:16" in shown
    assert max(int(row) for row in re.findall(r"\x1b\[(\d+);1H", shown)) == 30
    frame.paint(DEMO)
    assert received(reader) == ""  # drawn once: a second look does not flicker it
    frame.claim()
    frame.release()
    assert LEAVE in received(reader)  # the app never came: the person's screen comes back


def test_nothing_is_drawn_once_the_app_owns_the_terminal(terminal: tuple[int, int]) -> None:
    drawn_on, reader = terminal
    frame = FirstFrame(drawn_on, "demo")
    frame.claim()
    frame.paint(DEMO)
    frame.release()
    assert received(reader) == ""


def test_no_findings_draw_nothing(terminal: tuple[int, int]) -> None:
    drawn_on, reader = terminal
    frame = FirstFrame(drawn_on, "demo")
    frame.paint([])
    frame.paint(None)  # the scan failed: the app says why
    assert received(reader) == "" and not frame.painted


def test_the_first_look_is_shown_the_moment_it_arrives(shop: Path) -> None:
    seen: list[list[str]] = []
    prefetch.start(shop, {"use_model": False},
                   show=lambda static: seen.append([f.location for f in static or []]))
    static = prefetch.take(shop, {"use_model": False})[2]
    assert seen == [[f.location for f in static]] == [["shop/pricing.py:5", "shop/util.py:1"]]


def test_a_frame_that_fails_does_not_lose_the_first_look(shop: Path) -> None:
    def broken(_static: object) -> None:
        raise OSError("the terminal went away")

    prefetch.start(shop, {"use_model": False}, show=broken)
    assert [f.location for f in prefetch.take(shop, {"use_model": False})[2]] == [
        "shop/pricing.py:5", "shop/util.py:1"]
